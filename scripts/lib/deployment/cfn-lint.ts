/**
 * cfn-lint (the AWS CloudFormation linter, a Python tool) on synthesized templates: one run over
 * every file (it takes seconds to start), its JSON output read into findings. A missing cfn-lint
 * is an error naming how to install it, never a silent pass.
 */
import { spawn } from 'node:child_process';
import { CheckerError, type Finding, type FindingLevel } from './findings';

/** How a user installs cfn-lint. */
export const CFN_LINT_INSTALL = 'pipx install cfn-lint (or pip install cfn-lint)';

/** One entry of `cfn-lint --format json`. */
interface CfnLintMatch {
  readonly Filename?: string;
  readonly Level?: string;
  readonly Message?: string;
  readonly Location?: { readonly Start?: { readonly LineNumber?: number } };
  readonly Rule?: { readonly Id?: string };
}

/**
 * cfn-lint's levels (`Error`, `Warning`, `Informational`), see
 * https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/format_keys.md and its JSON formatter.
 */
const LEVELS: Readonly<Record<string, FindingLevel>> = { Error: 'error', Warning: 'warning', Informational: 'info' };

/** What one cfn-lint run printed. */
export interface ProcessResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` with `args` in `cwd`; rejects with the spawn error (ENOENT when not installed). */
export function runProcess(command: string, args: readonly string[], cwd: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Reads cfn-lint's JSON output; throws {@link CheckerError} when it is not what cfn-lint prints. */
export function parseCfnLintOutput(result: ProcessResult): Finding[] {
  let matches: unknown;
  try {
    matches = JSON.parse(result.stdout.trim() === '' ? '[]' : result.stdout);
  } catch (error) {
    throw new CheckerError(`cfn-lint printed no JSON (exit code ${result.status}): ${(result.stderr || result.stdout).trim().split('\n')[0]}`, { cause: error });
  }
  if (!Array.isArray(matches)) throw new CheckerError(`cfn-lint printed ${typeof matches}, not a list of findings`);
  // cfn-lint's exit code is a bit mask of the levels found (2 error, 4 warning, 8 info); 1 is its own failure.
  if (result.status === 1 || (matches.length === 0 && result.status !== 0)) {
    throw new CheckerError(`cfn-lint failed (exit code ${result.status}): ${result.stderr.trim().split('\n')[0] ?? ''}`);
  }
  return (matches as CfnLintMatch[]).map((match) => {
    const line = match.Location?.Start?.LineNumber;
    return {
      source: 'cfn-lint',
      level: LEVELS[match.Level ?? ''] ?? 'error',
      ...(match.Rule?.Id ? { rule: match.Rule.Id } : {}),
      ...(match.Filename ? { location: `${match.Filename}${line !== undefined ? `:${line}` : ''}` } : {}),
      message: match.Message ?? '(no message)',
    };
  });
}

/**
 * Runs cfn-lint on `files` (relative to `dir`), informational findings included. Throws
 * {@link CheckerError} naming how to install it when it is missing.
 */
export async function cfnLintFindings(dir: string, files: readonly string[], run = runProcess): Promise<Finding[]> {
  let result: ProcessResult;
  try {
    // `--` keeps `-c` from taking the file names.
    result = await run('cfn-lint', ['--format', 'json', '-c', 'I', '--', ...files], dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CheckerError(`cfn-lint is not installed (not on the PATH): ${CFN_LINT_INSTALL}`, { cause: error });
    }
    throw new CheckerError(`cfn-lint could not start: ${String(error)}`, { cause: error });
  }
  return parseCfnLintOutput(result);
}
