/**
 * Deploy: preflight checks that touch nothing, then the cross stack and the root stack through
 * change sets, then the root outputs in `dist/outputs/<env>.json`.
 */
import { definitionText } from '../../../asl/state-machine';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeKeyCommand, GetKeyPolicyCommand, ListAliasesCommand, type KMSClient } from '@aws-sdk/client-kms';
import { describeKeyPolicyGaps, keyPolicyGaps } from './key-policy';
import { codePath, HANDLERS, STATE_MACHINE_PATH, TEMPLATE_PATHS, type HandlerName } from '../../../templates/layout';
import { CROSS_PARAMS, ROOT_PARAMS } from '../../../templates/names';
import { parseYaml } from '../../../templates/yaml';
import type { AwsClients } from '../core/aws';
import { configFilePath, MANAGED_PARAMETERS, MANAGED_TAGS, type BellflowerConfig } from '../core/config';
import { writeOutputs } from './outputs';
import { displayPath } from '../core/paths';
import { sha256Hex } from '../../../templates/layout';
import { artifactPaths } from './publish';
import { manifestKey, publishHint, readManifest, type PublishManifest } from './manifest';
import { readSyncRecord, removeSyncRecord, replacedBySync, syncDriftProblems } from './sync-record';
import { messageOf, PreflightError } from '../core/errors';
import { checkBusinessApplicationTrust, checkConfiguration, checkCredentials, checkNameLengths, effectiveParameters, type DeclaredParameters } from './preflight';
import { silentReporter, type Reporter } from '../core/reporter';
import { declaredStackParameters } from './publish-preflight';
import { deployStack, StackError, type DeployStackOptions, type Polling, type StackDeployResult, type StackRequest } from './stacks';

/** A template's declared parameters: name -> its default as CloudFormation shows it (undefined without one). */
export type TemplateParameters = Readonly<Record<string, string | undefined>>;

function defaultsOf(parameters: DeclaredParameters): TemplateParameters {
  return Object.fromEntries(Object.entries(parameters).map(([name, spec]) => [name, spec.Default === undefined ? undefined : String(spec.Default)]));
}

/** What the preflight learned, for the deploy that follows. */
export interface PreflightResult {
  readonly account: string;
  readonly manifest: PublishManifest;
  /** Declared parameters of the root and cross templates: name -> default (undefined without one). */
  readonly templateParameters: { readonly root: TemplateParameters; readonly cross: TemplateParameters };
}

/**
 * Checks the configuration and parameters ({@link checkConfiguration}, shared with publish; a
 * physical name over its AWS limit, {@link checkNameLengths}, stops it before any AWS call),
 * credentials, KMS key and the environment's publish manifest. Sends only read requests.
 */
export async function preflight(options: {
  readonly config: BellflowerConfig;
  readonly clients: Pick<AwsClients, 'sts' | 'kms'>;
  readonly distDir: string;
}): Promise<PreflightResult> {
  const { config, clients, distDir } = options;
  const root = declaredParameters(distDir, TEMPLATE_PATHS.root, config);
  const cross = declaredParameters(distDir, TEMPLATE_PATHS.cross, config);
  const problems = checkConfiguration(config, { root: root.parameters, cross: cross.parameters });
  // Every physical name, from the templates these sources synthesize (deploy refuses sources that differ from the publish).
  const tooLong = checkNameLengths(config, await declaredStackParameters());
  if (tooLong.length > 0) throw new PreflightError([...problems, ...tooLong]);
  const account = await checkCredentials(clients.sts, config, problems);
  if (account !== undefined) {
    problems.push(...checkBusinessApplicationTrust(config, effectiveParameters(root.parameters, config.parameters), account));
    await checkKmsKey(clients.kms, config, problems, effectiveParameters(root.parameters, config.parameters)[ALARMS_ENABLED] !== 'false');
  }
  const manifest = checkManifest(distDir, config, problems);
  problems.push(...root.problems, ...cross.problems);
  if (problems.length > 0 || account === undefined || manifest === undefined) throw new PreflightError(problems);
  return { account, manifest, templateParameters: { root: defaultsOf(root.parameters), cross: defaultsOf(cross.parameters) } };
}

const ALARMS_ENABLED = 'AlarmsEnabled';

/**
 * The key is enabled, the alias points at it, and its policy holds the account-root statement and,
 * with alarms, the CloudWatch statement ({@link keyPolicyGaps}).
 */
async function checkKmsKey(kms: KMSClient, config: BellflowerConfig, problems: string[], alarms: boolean): Promise<void> {
  try {
    const { KeyMetadata: key } = await kms.send(new DescribeKeyCommand({ KeyId: config.kmsKeyId }));
    if (key?.KeyState !== 'Enabled') {
      problems.push(`KMS key ${config.kmsKeyId} is ${key?.KeyState ?? 'in an unknown state'}, not Enabled`);
      return;
    }
    const aliases = await kms.send(new ListAliasesCommand({ KeyId: config.kmsKeyId }));
    const names = (aliases.Aliases ?? []).map((alias) => alias.AliasName ?? '');
    if (!names.includes(`alias/${config.kmsKeyAlias}`)) {
      problems.push(
        `KMS alias alias/${config.kmsKeyAlias} does not point at key ${config.kmsKeyId} (its aliases: ${names.join(', ') || 'none'})`,
      );
    }
    const [, partition = 'aws', , , accountId = ''] = (key.Arn ?? '').split(':');
    const { Policy: policy = '{}' } = await kms.send(new GetKeyPolicyCommand({ KeyId: config.kmsKeyId, PolicyName: 'default' }));
    problems.push(...describeKeyPolicyGaps(config.kmsKeyId, keyPolicyGaps(policy, { accountId, partition, alarms })));
  } catch (error) {
    const notFound = error instanceof Error && error.name === 'NotFoundException';
    problems.push(
      notFound
        ? `KMS key ${config.kmsKeyId} does not exist in ${config.region}`
        : `cannot check KMS key ${config.kmsKeyId}: ${messageOf(error)}`,
    );
  }
}

/**
 * The environment's manifest (`dist/manifests/<env>.json`), checked against the configuration and
 * the build: its bucket, prefix and region are the configuration's; the templates and zips in
 * `distDir` are those it lists (they are the same for every environment); its definition is the one
 * this environment's callback settings give (the definition in `distDir` may be another
 * environment's, published after this one).
 */
function checkManifest(distDir: string, config: BellflowerConfig, problems: string[]): PublishManifest | undefined {
  let manifest: PublishManifest;
  try {
    manifest = readManifest(distDir, config.environment);
  } catch (error) {
    problems.push(messageOf(error));
    return undefined;
  }
  const again = publishHint(config.environment);
  const expected = { bucket: config.artifactBucket, prefix: config.keyPrefix, region: config.region };
  for (const [field, value] of Object.entries(expected) as [keyof typeof expected, string][]) {
    if (manifest[field] !== value) {
      problems.push(`the publish manifest of ${config.environment} is for ${field} "${manifest[field]}", the configuration says "${value}": ${again}`);
    }
  }
  const entryOf = (path: string) => manifest.artifacts.find((artifact) => artifact.path === path);
  for (const { path } of artifactPaths()) {
    if (path === STATE_MACHINE_PATH) continue;
    const entry = entryOf(path);
    let actual: string | undefined;
    try {
      actual = sha256Hex(readFileSync(join(distDir, path)));
    } catch {
      actual = undefined;
    }
    if (!entry || entry.sha256 !== actual) {
      problems.push(
        `${artifactDescription(path)} (${displayPath(join(distDir, path))}) differs from the last publish of ${config.environment}: ${again}, or \`bellflower deploy --env ${config.environment} --publish\` to publish and deploy in one step`,
      );
    }
  }
  const expectedDefinition = definitionOf(config);
  if (expectedDefinition !== undefined && entryOf(STATE_MACHINE_PATH)?.sha256 !== sha256Hex(expectedDefinition)) {
    problems.push(
      `the state machine definition published for ${config.environment} is not the one ${configFilePath(config)} gives (callbackTimeoutSeconds, callbackHeartbeatSeconds): ${again}`,
    );
  }
  return manifest;
}

/** What a published file is, for a reader: "the processing function's code", "the root template". */
function artifactDescription(path: string): string {
  const handler = (Object.keys(HANDLERS) as HandlerName[]).find((name) => codePath(name) === path);
  if (handler) return `the ${handler} function's code`;
  const template = Object.entries(TEMPLATE_PATHS).find(([, candidate]) => candidate === path)?.[0];
  return template ? `the ${template} template` : path;
}

/** The definition text the environment's callback settings give; undefined when they are invalid (reported apart). */
function definitionOf(config: BellflowerConfig): string | undefined {
  try {
    return definitionText({
      ...(config.callbackTimeoutSeconds !== undefined ? { callbackTimeoutSeconds: config.callbackTimeoutSeconds } : {}),
      ...(config.callbackHeartbeatSeconds !== undefined ? { callbackHeartbeatSeconds: config.callbackHeartbeatSeconds } : {}),
    });
  } catch {
    return undefined;
  }
}

function declaredParameters(distDir: string, path: string, config: BellflowerConfig): { parameters: DeclaredParameters; problems: string[] } {
  try {
    const template = parseYaml(readFileSync(join(distDir, path), 'utf8')) as { Parameters?: DeclaredParameters };
    return { parameters: template.Parameters ?? {}, problems: [] };
  } catch (error) {
    return { parameters: {}, problems: [`cannot read ${displayPath(join(distDir, path))}: ${messageOf(error)} (${publishHint(config.environment)})`] };
  }
}

/** The https URL CloudFormation reads a template from. */
export function templateUrl(bucket: string, region: string, key: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${bucket}.s3.${region}.${suffix}/${key}`;
}

/** The two change-set requests of a deploy (also used by diff). */
export function stackRequests(
  config: BellflowerConfig,
  manifest: PublishManifest,
  templateParameters: PreflightResult['templateParameters'],
  resetParameters: readonly string[] = [],
  resetTags: readonly string[] = [],
): { readonly cross: StackRequest; readonly root: StackRequest } {
  const overridesFor = (declared: TemplateParameters) =>
    Object.fromEntries(Object.entries(config.parameters).filter(([name]) => name in declared));
  const keeping = (declared: TemplateParameters) => ({ declaredParameters: declared, resetParameters, resetTags });
  // The same tag keys as the templates put on every resource, so stack tags do not add a second set;
  // the configuration's and --tags' besides them (their keys cannot be these two: config.ts).
  const tags = { ...config.tags, ProjectName: config.parameters[ROOT_PARAMS.projectName] ?? 'bellflower', Environment: config.environment };
  // CloudFormation creates, updates and deletes the resources as the execution role (bootstrap), not as the caller.
  const roleArn = config.cfnExecutionRoleArn !== undefined ? { roleArn: config.cfnExecutionRoleArn } : {};
  const url = (path: string) => templateUrl(manifest.bucket, manifest.region, manifestKey(manifest, path));
  return {
    cross: {
      stackName: config.crossStackName,
      templateUrl: url(TEMPLATE_PATHS.cross),
      includeNestedStacks: false,
      tags,
      ...keeping(templateParameters.cross),
      ...roleArn,
      parameters: {
        ...overridesFor(templateParameters.cross),
        [CROSS_PARAMS.environment]: config.environment,
        [CROSS_PARAMS.kmsMasterKeyId]: config.kmsKeyId,
        [CROSS_PARAMS.artifactBucket]: manifest.bucket,
        [CROSS_PARAMS.s3FoldersCodeKey]: manifestKey(manifest, codePath('s3Folders')),
        [CROSS_PARAMS.s3NotificationCodeKey]: manifestKey(manifest, codePath('s3Notification')),
      },
    },
    root: {
      stackName: config.rootStackName,
      templateUrl: url(TEMPLATE_PATHS.root),
      includeNestedStacks: true,
      tags,
      ...keeping(templateParameters.root),
      ...roleArn,
      parameters: {
        ...overridesFor(templateParameters.root),
        [ROOT_PARAMS.environment]: config.environment,
        [ROOT_PARAMS.kmsMasterKeyAlias]: config.kmsKeyAlias,
        [ROOT_PARAMS.kmsMasterKeyId]: config.kmsKeyId,
        [ROOT_PARAMS.snsSubscriptionEmail]: config.subscriptionEmail,
        [ROOT_PARAMS.artifactBucket]: manifest.bucket,
        [ROOT_PARAMS.artifactKeyPrefix]: manifest.prefix,
        [ROOT_PARAMS.processingCodeKey]: manifestKey(manifest, codePath('processing')),
        [ROOT_PARAMS.integrationCodeKey]: manifestKey(manifest, codePath('integration')),
        [ROOT_PARAMS.stateMachineDefinitionKey]: manifestKey(manifest, STATE_MACHINE_PATH),
        [ROOT_PARAMS.crossStackName]: config.crossStackName,
      },
    },
  };
}

/** Options of {@link deploy}. */
export interface DeployOptions extends Polling {
  readonly config: BellflowerConfig;
  readonly clients: AwsClients;
  readonly distDir: string;
  readonly reporter?: Reporter;
  /** Delete and re-create a stack left in ROLLBACK_COMPLETE. @default false */
  readonly replaceFailed?: boolean;
  /** Deploy only the cross stack (e.g. where the root stack cannot run). @default false */
  readonly crossOnly?: boolean;
  /**
   * Parameters that go back to the template's default instead of keeping the stack's value
   * (`--reset-parameter`). @default none
   */
  readonly resetParameters?: readonly string[];
  /** Stack tags to remove instead of keeping them from the last deploy (`--reset-tag`). @default none */
  readonly resetTags?: readonly string[];
  /**
   * Builds the current sources into `distDir` before the preflight (the command passes
   * `buildArtifacts`; content-hashed, so an unchanged tree costs a cache look-up), so that the
   * preflight compares the tree, not an older build, with the last publish and refuses a handler
   * edited since. @default the build in `distDir` as it is
   */
  readonly rebuild?: () => Promise<unknown>;
  /** Told each step of each stack (the command reports the last ones on Ctrl-C). */
  readonly onStep?: DeployStackOptions['onStep'];
  /** Change-set options of both stacks: approval, keep instead of execute, execute a kept one, no rollback. */
  readonly changeSets?: Pick<DeployStackOptions, 'approve' | 'execute' | 'changeSetName' | 'existingChangeSet' | 'disableRollback'>;
}

/** Result of {@link deploy}. */
export interface DeployResult {
  readonly cross: StackDeployResult;
  readonly root?: StackDeployResult;
  /** Root outputs, also written to `outputsFile`. */
  readonly outputs: Readonly<Record<string, string>>;
  readonly outputsFile?: string;
}

/** Preflight, cross stack, root stack, outputs file. */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const { config, clients, distDir } = options;
  const reporter = options.reporter ?? silentReporter;
  if (options.rebuild) {
    reporter.progress('deploy: building the current sources to compare them with the last publish');
    await options.rebuild();
    reporter.progressDone();
  }
  const checked = await preflight({ config, clients, distDir });
  const reset = options.resetParameters ?? [];
  // What `bellflower sync` changed behind CloudFormation: refused when this deploy would leave it.
  const synced = readSyncRecord(distDir, config.environment);
  const resetTags = options.resetTags ?? [];
  const resetProblems = [
    ...resetParameterProblems(reset, config, checked.templateParameters),
    ...syncDriftProblems(synced, checked.manifest, distDir),
    ...resetTags.filter((key) => key in (config.tags ?? {})).map((key) => `--reset-tag ${key}: a value is also given (config file or --tags); give one or the other`),
    ...resetTags.filter((key) => MANAGED_TAGS.includes(key)).map((key) => `--reset-tag ${key}: deploy sets it on every deploy; nothing to reset`),
  ];
  if (resetProblems.length > 0) throw new PreflightError(resetProblems);
  reporter.info(`preflight ok: account ${checked.account}, region ${config.region}, KMS key ${config.kmsKeyId} (alias/${config.kmsKeyAlias})`);
  const requests = stackRequests(config, checked.manifest, checked.templateParameters, reset, resetTags);
  const stackOptions = {
    reporter,
    ...(options.replaceFailed !== undefined ? { replaceFailed: options.replaceFailed } : {}),
    ...(options.pollSeconds !== undefined ? { pollSeconds: options.pollSeconds } : {}),
    ...(options.maxWaitSeconds !== undefined ? { maxWaitSeconds: options.maxWaitSeconds } : {}),
    terminationProtection: config.production === true,
    ...(options.onStep !== undefined ? { onStep: options.onStep } : {}),
    ...options.changeSets,
  };
  const cross = await deployStack(clients.cloudFormation, requests.cross, stackOptions);
  if (options.crossOnly) return { cross, outputs: {} };
  if (cross.action === 'change-set-kept' && Object.keys(cross.outputs).length === 0) {
    // The root imports the cross stack's exports, which exist only once its change set has run.
    reporter.info(`${config.rootStackName}: no change set yet: it imports the exports of ${config.crossStackName}, which exist once its change set is executed`);
    return { cross, outputs: {} };
  }
  const root = await deployStack(clients.cloudFormation, requests.root, stackOptions);
  const wanted = options.changeSets?.existingChangeSet;
  if (wanted !== undefined && cross.action === 'no-change-set' && root.action === 'no-change-set') {
    throw new StackError(
      `no change set named ${wanted} on ${config.crossStackName} or ${config.rootStackName}: nothing deployed; list the kept ones with \`aws cloudformation list-change-sets --stack-name <stack>\`, or keep new ones with \`bellflower deploy --env ${config.environment} --no-execute\``,
    );
  }
  if (root.action === 'change-set-kept') return { cross, root, outputs: root.outputs };
  if (Object.keys(synced.artifacts).length > 0 && cross.action !== 'change-set-kept') {
    const replaced = replacedBySync(synced, checked.manifest);
    if (replaced.length > 0) reporter.info(`replaced what \`bellflower sync\` had put on the stacks with the published version: ${replaced.join(', ')}`);
    removeSyncRecord(distDir, config.environment);
  }
  const outputsFile = writeOutputs(config.environment, root.outputs, distDir);
  return { cross, root, outputs: root.outputs, outputsFile };
}

/**
 * Problems of `--reset-parameter` names: each must be a parameter of the root or cross template
 * that deploy does not set itself, and not also given a value (config file or `--parameter`).
 */
export function resetParameterProblems(
  reset: readonly string[],
  config: BellflowerConfig,
  declared: PreflightResult['templateParameters'],
): string[] {
  return reset.flatMap((name) => {
    if (!(name in declared.root) && !(name in declared.cross)) return [`--reset-parameter ${name}: not a parameter of the root or cross stack`];
    if (name in config.parameters) return [`--reset-parameter ${name}: a value is also given (config file or --parameter); give one or the other`];
    if (name in MANAGED_PARAMETERS) return [`--reset-parameter ${name}: deploy sets it on every deploy (${MANAGED_PARAMETERS[name]}); nothing to reset`];
    return [];
  });
}
