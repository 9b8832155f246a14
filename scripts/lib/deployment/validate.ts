/**
 * `bellflower validate`: the checks `npm test` makes of the templates, on what this tree
 * synthesizes for an environment, without AWS: cfn-lint, the cdk-nag packs (AwsSolutions,
 * Serverless) and the configuration half of the publish preflight (example values, parameter
 * names and values against the templates' declared constraints, bucket names). The credentials
 * and the artifact bucket, the preflight's AWS half, are `bellflower doctor`'s.
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BOOTSTRAP_TEMPLATE_PATH, TEMPLATE_PATHS } from '../../../templates/layout';
import { synthesize } from '../build/synth';
import type { BellflowerConfig } from '../core/config';
import { messageOf } from '../core/errors';
import { cdkNagFindings, type CdkNagModules } from './cdk-nag';
import { cfnLintFindings } from './cfn-lint';
import { bootstrapTemplate } from './deployer-policy';
import type { Finding, FindingSource } from './findings';
import { checkConfiguration, checkNameLengths } from './preflight';
import { declaredStackParameters } from './publish-preflight';

/** The templates the checkers read: the seven of the workflow and the bootstrap template, name -> path. */
export const VALIDATED_TEMPLATES: Readonly<Record<string, string>> = { ...TEMPLATE_PATHS, bootstrap: BOOTSTRAP_TEMPLATE_PATH };

/**
 * Writes the templates `validate` checks (those of {@link VALIDATED_TEMPLATES}, and the state
 * machine definition with the environment's callback settings) under `dir`.
 */
export async function synthesizeForValidation(dir: string, config?: Pick<BellflowerConfig, 'callbackTimeoutSeconds' | 'callbackHeartbeatSeconds'>): Promise<void> {
  await synthesize({ outDir: dir, callbackTimeoutSeconds: config?.callbackTimeoutSeconds, callbackHeartbeatSeconds: config?.callbackHeartbeatSeconds });
  await mkdir(dirname(join(dir, BOOTSTRAP_TEMPLATE_PATH)), { recursive: true });
  await writeFile(join(dir, BOOTSTRAP_TEMPLATE_PATH), bootstrapTemplate().text);
}

/** Options of {@link validate}. */
export interface ValidateOptions {
  /** The environment's configuration, or why it could not be loaded (a preflight finding). */
  readonly config: BellflowerConfig | Error;
  /** Runs cfn-lint (tests pass a stand-in). @default cfn-lint on the PATH */
  readonly cfnLint?: typeof cfnLintFindings;
  /** @default aws-cdk-lib and cdk-nag from node_modules */
  readonly cdkNag?: CdkNagModules;
}

/** What {@link validate} found, grouped by checker in the order they ran. */
export interface ValidationResult {
  readonly findings: readonly Finding[];
  /** Findings per checker, every checker named (0 when it found nothing). */
  readonly counts: Readonly<Record<FindingSource, number>>;
  /** False when any finding is an error. */
  readonly ok: boolean;
}

/**
 * Synthesizes into a temporary folder and runs the three checkers on it. A checker that cannot
 * run (cfn-lint missing) throws `CheckerError`: nothing passes unchecked.
 */
export async function validate(options: ValidateOptions): Promise<ValidationResult> {
  const config = options.config instanceof Error ? undefined : options.config;
  const dir = await mkdtemp(join(tmpdir(), 'bellflower-validate-'));
  // Ctrl-C ends the process from its SIGINT handler (exit 130) without unwinding to `finally`:
  // the folder goes on exit too.
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  try {
    await synthesizeForValidation(dir, config);
    const lint = await (options.cfnLint ?? cfnLintFindings)(dir, Object.values(VALIDATED_TEMPLATES));
    const nag = cdkNagFindings(dir, VALIDATED_TEMPLATES, options.cdkNag);
    const declared = config ? await declaredStackParameters() : undefined;
    const problems = config && declared ? [...checkConfiguration(config, declared), ...checkNameLengths(config, declared)] : [messageOf(options.config)];
    const preflight: Finding[] = problems.map((message) => ({
      source: 'preflight',
      level: 'error',
      message,
    }));
    const findings = [...lint, ...nag, ...preflight];
    return {
      findings,
      counts: { 'cfn-lint': lint.length, 'cdk-nag': nag.length, preflight: preflight.length },
      ok: !findings.some((finding) => finding.level === 'error'),
    };
  } finally {
    process.off('exit', removeDir);
    removeDir();
  }
}

/** The readable report: each checker's findings under its name, then a summary line. */
export function validationLines(result: ValidationResult): string[] {
  const lines: string[] = [];
  for (const [source, count] of Object.entries(result.counts) as [FindingSource, number][]) {
    lines.push(`${source}: ${count === 0 ? 'no findings' : `${count} finding${count === 1 ? '' : 's'}`}`);
    for (const finding of result.findings.filter((candidate) => candidate.source === source)) {
      const where = [finding.rule, finding.location].filter(Boolean).join(' ');
      lines.push(`  ${finding.level} ${where ? `${where}: ` : ''}${finding.message}`);
    }
  }
  const errors = result.findings.filter((finding) => finding.level === 'error').length;
  lines.push(result.ok ? 'validate: ok' : `validate: ${errors} error${errors === 1 ? '' : 's'}`);
  return lines;
}
