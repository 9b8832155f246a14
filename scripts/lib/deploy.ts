/**
 * Deploy: preflight checks that touch nothing, then the cross stack and the root stack through
 * change sets, then the root outputs in `dist/outputs/<env>.json`.
 */
import { DEFAULT_CALLBACK_TIMEOUT_SECONDS } from '../../asl/state-machine';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeKeyCommand, ListAliasesCommand, type KMSClient } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { codePath, STATE_MACHINE_PATH, TEMPLATE_PATHS } from '../../templates/layout';
import { CROSS_PARAMS, ROOT_PARAMS } from '../../templates/names';
import { parseYaml } from '../../templates/yaml';
import type { AwsClients } from './aws';
import { ConfigError, configName, exampleFields, MAX_CALLBACK_TIMEOUT_SECONDS, type BellflowerConfig } from './config';
import { writeOutputs } from './outputs';
import { displayPath } from './paths';
import { sha256Hex } from '../../templates/layout';
import { artifactPaths, manifestKey, readManifest, type PublishManifest } from './publish';
import { messageOf, PreflightError } from './command';
import { checkBucketName, checkParameterValues, type ParameterSpec } from './parameter-constraints';
import { silentReporter, type Reporter } from './reporter';
import { deployStack, type Polling, type StackDeployResult, type StackRequest } from './stacks';

/** What the preflight learned, for the deploy that follows. */
export interface PreflightResult {
  readonly account: string;
  readonly manifest: PublishManifest;
  /** Declared parameter names of the root and cross templates. */
  readonly templateParameters: { readonly root: readonly string[]; readonly cross: readonly string[] };
}

/**
 * Checks credentials, KMS key, e-mail, manifest, parameter overrides and the effective root
 * parameters (see {@link checkRootParameters}). Sends only read requests.
 */
export async function preflight(options: {
  readonly config: BellflowerConfig;
  readonly clients: Pick<AwsClients, 'sts' | 'kms'>;
  readonly distDir: string;
}): Promise<PreflightResult> {
  const { config, clients, distDir } = options;
  const problems: string[] = [];
  for (const field of exampleFields(config)) {
    problems.push(`config/${configName(config)}.json: "${field}" still holds the shipped example value; set your own`);
  }
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(config.subscriptionEmail)) {
    problems.push(`subscription e-mail "${config.subscriptionEmail}" is not a well-formed address`);
  }
  const account = await checkCredentials(clients.sts, config, problems);
  if (account !== undefined) await checkKmsKey(clients.kms, config, problems);
  const manifest = checkManifest(distDir, config, problems);
  const rootDeclared = declaredParameters(distDir, TEMPLATE_PATHS.root, problems);
  const crossDeclared = declaredParameters(distDir, TEMPLATE_PATHS.cross, problems);
  const templateParameters = {
    root: Object.keys(rootDeclared),
    cross: Object.keys(crossDeclared),
  };
  if (templateParameters.root.length > 0) {
    try {
      checkParameterOverrides(config.parameters, [...templateParameters.root, ...templateParameters.cross]);
    } catch (error) {
      problems.push(messageOf(error));
    }
    const effective = effectiveParameters(rootDeclared, config.parameters);
    problems.push(...checkRootParameters(config, effective));
    // Every value against the template's own constraints, and the buckets' names against S3's rules.
    const setByDeploy = {
      [ROOT_PARAMS.environment]: config.environment,
      [ROOT_PARAMS.kmsMasterKeyAlias]: config.kmsKeyAlias,
      [ROOT_PARAMS.kmsMasterKeyId]: config.kmsKeyId,
      [ROOT_PARAMS.snsSubscriptionEmail]: config.subscriptionEmail,
      [ROOT_PARAMS.artifactBucket]: config.artifactBucket,
    };
    problems.push(
      ...checkParameterValues({ ...crossDeclared, ...rootDeclared } as Record<string, ParameterSpec>, { ...effective, ...setByDeploy }),
      ...checkBucketName(config.artifactBucket, 'artifactBucket'),
    );
    const integrationBase = effective[INTEGRATION_BUCKET];
    if (integrationBase !== undefined) {
      problems.push(...checkBucketName(`${integrationBase}-${config.environment}-${config.region}`, `the integration bucket (${INTEGRATION_BUCKET})`));
    }
  }
  if (problems.length > 0 || account === undefined || manifest === undefined) throw new PreflightError(problems);
  return { account, manifest, templateParameters };
}

async function checkCredentials(sts: STSClient, config: BellflowerConfig, problems: string[]): Promise<string | undefined> {
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return identity.Account;
  } catch (error) {
    const source = config.profile ? `profile "${config.profile}"` : 'the default credential chain';
    problems.push(`no usable AWS credentials from ${source} in ${config.region}: ${messageOf(error)}`);
    return undefined;
  }
}

async function checkKmsKey(kms: KMSClient, config: BellflowerConfig, problems: string[]): Promise<void> {
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
  } catch (error) {
    const notFound = error instanceof Error && error.name === 'NotFoundException';
    problems.push(
      notFound
        ? `KMS key ${config.kmsKeyId} does not exist in ${config.region}`
        : `cannot check KMS key ${config.kmsKeyId}: ${messageOf(error)}`,
    );
  }
}

function checkManifest(distDir: string, config: BellflowerConfig, problems: string[]): PublishManifest | undefined {
  let manifest: PublishManifest;
  try {
    manifest = readManifest(distDir);
  } catch (error) {
    problems.push(messageOf(error));
    return undefined;
  }
  const expected = { bucket: config.artifactBucket, prefix: config.keyPrefix, region: config.region };
  for (const [field, value] of Object.entries(expected) as [keyof typeof expected, string][]) {
    if (manifest[field] !== value) {
      problems.push(`the publish manifest is for ${field} "${manifest[field]}", the configuration says "${value}": run \`npm run publish -- --env ${configName(config)}\``);
    }
  }
  for (const { path } of artifactPaths()) {
    const entry = manifest.artifacts.find((artifact) => artifact.path === path);
    let actual: string | undefined;
    try {
      actual = sha256Hex(readFileSync(join(distDir, path)));
    } catch {
      actual = undefined;
    }
    if (!entry || entry.sha256 !== actual) {
      problems.push(
        `${displayPath(join(distDir, path))} does not match the last publish: run \`npm run publish -- --env ${configName(config)}\``,
      );
    }
  }
  return manifest;
}

/** A template's `Parameters` section, as far as preflight reads it. */
type DeclaredParameters = Readonly<Record<string, { readonly Default?: unknown }>>;

function declaredParameters(distDir: string, path: string, problems: string[]): DeclaredParameters {
  try {
    const template = parseYaml(readFileSync(join(distDir, path), 'utf8')) as { Parameters?: DeclaredParameters };
    return template.Parameters ?? {};
  } catch (error) {
    problems.push(`cannot read ${displayPath(join(distDir, path))}: ${messageOf(error)} (run \`npm run publish\`)`);
    return {};
  }
}

/** The root parameters a deploy would use: template defaults, then the overrides (config file + `--parameter`). */
export function effectiveParameters(
  declared: DeclaredParameters,
  overrides: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  const effective: Record<string, string> = {};
  for (const [name, { Default: fallback }] of Object.entries(declared)) {
    const value = overrides[name] ?? (fallback === undefined ? undefined : String(fallback));
    if (value !== undefined) effective[name] = value;
  }
  return effective;
}

/** Root parameters checked together (names of `templates/parameters.ts`). */
const VISIBILITY_TIMEOUT = 'VisibilityTimeout';
const LAMBDA_TIMEOUT = 'LambdaFunctionTimeoutSecs';
const MAX_RECEIVE_COUNT = 'MaxReceiveCount';
const EXPIRATION_DAYS = 'S3ObjectExpirationInDays';
const INTEGRATION_BUCKET = 'S3IntegrationBucketName';

/**
 * AWS recommends a visibility timeout of at least six times the function timeout for a Lambda
 * event source: retries after throttling then happen before the message is received again.
 */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** Fewer receives than this dead-letter callback messages that were only throttled. */
export const MIN_MAX_RECEIVE_COUNT = 5;

/**
 * Problems CloudFormation would only report halfway through a deploy, or that would make the
 * workflow lose callbacks: a visibility timeout under six times the functions' timeout, fewer than
 * five receives before the dead-letter queue, exchange files expiring before the callback wait
 * ends, and a callback timeout Step Functions refuses. One line each, naming values and fix.
 */
export function checkRootParameters(config: BellflowerConfig, effective: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const visibility = Number(effective[VISIBILITY_TIMEOUT]);
  const lambdaTimeout = Number(effective[LAMBDA_TIMEOUT]);
  if (Number.isFinite(visibility) && Number.isFinite(lambdaTimeout) && visibility < VISIBILITY_TIMEOUT_FACTOR * lambdaTimeout) {
    problems.push(
      `${VISIBILITY_TIMEOUT} ${visibility} s of the callback queue is less than ${VISIBILITY_TIMEOUT_FACTOR} times ${LAMBDA_TIMEOUT} ${lambdaTimeout} s (AWS's recommendation for a Lambda event source, so that throttled messages are retried, not dead-lettered): pass --parameter ${VISIBILITY_TIMEOUT}=${VISIBILITY_TIMEOUT_FACTOR * lambdaTimeout} or more, or lower ${LAMBDA_TIMEOUT}`,
    );
  }
  const receives = Number(effective[MAX_RECEIVE_COUNT]);
  if (Number.isFinite(receives) && receives < MIN_MAX_RECEIVE_COUNT) {
    problems.push(
      `${MAX_RECEIVE_COUNT} ${receives} moves a callback message to the dead-letter queue after fewer than ${MIN_MAX_RECEIVE_COUNT} receives (throttling alone can do that): pass --parameter ${MAX_RECEIVE_COUNT}=${MIN_MAX_RECEIVE_COUNT} or more`,
    );
  }
  const callback = config.callbackTimeoutSeconds;
  if (callback !== undefined && !(Number.isInteger(callback) && callback >= 1 && callback <= MAX_CALLBACK_TIMEOUT_SECONDS)) {
    problems.push(
      `callbackTimeoutSeconds ${callback} in config/${configName(config)}.json is not a whole number of seconds within 1..${MAX_CALLBACK_TIMEOUT_SECONDS} (Step Functions' limit): set it in that range or remove it (default 86400)`,
    );
  }
  const expirationDays = Number(effective[EXPIRATION_DAYS]);
  const waitSeconds = callback ?? DEFAULT_CALLBACK_TIMEOUT_SECONDS;
  if (Number.isFinite(expirationDays) && expirationDays * 86_400 <= waitSeconds) {
    problems.push(
      `${EXPIRATION_DAYS} ${expirationDays} would expire task tokens and answers before the callback wait of ${waitSeconds} s ends: pass --parameter ${EXPIRATION_DAYS}=${Math.floor(waitSeconds / 86_400) + 1} or more, or shorten callbackTimeoutSeconds`,
    );
  }
  return problems;
}

/**
 * Throws {@link ConfigError} when an override names no parameter of the templates, suggesting
 * the closest names.
 */
export function checkParameterOverrides(parameters: Readonly<Record<string, string>>, declared: readonly string[]): void {
  for (const name of Object.keys(parameters)) {
    if (declared.includes(name)) continue;
    const near = nearMatches(name, declared);
    throw new ConfigError(
      `parameter ${name} is not a parameter of the root or cross stack${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''}`,
    );
  }
}

/** Up to three names close to `name` (edit distance or a shared substring, case-insensitive). */
export function nearMatches(name: string, candidates: readonly string[]): string[] {
  const lower = name.toLowerCase();
  return candidates
    .map((candidate) => ({ candidate, distance: editDistance(lower, candidate.toLowerCase()) }))
    .filter(
      ({ candidate, distance }) =>
        distance <= Math.max(2, Math.floor(name.length / 4)) ||
        (lower.length >= 4 && candidate.toLowerCase().includes(lower)),
    )
    .sort((a, b) => a.distance - b.distance)
    .slice(0, 3)
    .map(({ candidate }) => candidate);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
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
): { readonly cross: StackRequest; readonly root: StackRequest } {
  const overridesFor = (declared: readonly string[]) =>
    Object.fromEntries(Object.entries(config.parameters).filter(([name]) => declared.includes(name)));
  // The same tag keys as the templates put on every resource, so stack tags do not add a second set.
  const tags = { ProjectName: config.parameters[ROOT_PARAMS.projectName] ?? 'bellflower', Environment: config.environment };
  const url = (path: string) => templateUrl(manifest.bucket, manifest.region, manifestKey(manifest, path));
  return {
    cross: {
      stackName: config.crossStackName,
      templateUrl: url(TEMPLATE_PATHS.cross),
      includeNestedStacks: false,
      tags,
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
  const checked = await preflight({ config, clients, distDir });
  reporter.info(`preflight ok: account ${checked.account}, region ${config.region}, KMS key ${config.kmsKeyId} (alias/${config.kmsKeyAlias})`);
  const requests = stackRequests(config, checked.manifest, checked.templateParameters);
  const stackOptions = {
    reporter,
    ...(options.replaceFailed !== undefined ? { replaceFailed: options.replaceFailed } : {}),
    ...(options.pollSeconds !== undefined ? { pollSeconds: options.pollSeconds } : {}),
    ...(options.maxWaitSeconds !== undefined ? { maxWaitSeconds: options.maxWaitSeconds } : {}),
    terminationProtection: config.environment === 'prod',
  };
  const cross = await deployStack(clients.cloudFormation, requests.cross, stackOptions);
  if (options.crossOnly) return { cross, outputs: {} };
  const root = await deployStack(clients.cloudFormation, requests.root, stackOptions);
  const outputsFile = writeOutputs(configName(config), root.outputs, distDir);
  return { cross, root, outputs: root.outputs, outputsFile };
}
