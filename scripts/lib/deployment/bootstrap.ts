/**
 * Bootstrap: the customer managed KMS key, its alias and the artifact bucket, deployed as the
 * bootstrap stack (`templates/bootstrap-stack.ts`) through the change sets of `stacks.ts`, then
 * recorded in the git-ignored `config/<env>.local.json` so that publish and deploy need no hand edit.
 *
 * What already exists is adopted, never replaced: a key the configuration names (or the alias
 * points at) and a bucket of this account with the chosen name stay outside the stack (its
 * `Create*` parameters are false) and are only recorded. What the stack created once stays its own.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DescribeStackResourcesCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, type KeyMetadata, type KMSClient } from '@aws-sdk/client-kms';
import { GetBucketEncryptionCommand, HeadBucketCommand, type S3Client, type ServerSideEncryptionByDefault } from '@aws-sdk/client-s3';
import { BOOTSTRAP } from '../../../templates/logical-ids';
import { ROOT_PARAMS, type EnvironmentName } from '../../../templates/names';
import type { AwsClients } from '../core/aws';
import { messageOf } from '../core/errors';
import { configFilePath, exampleFields, localConfigPath, type BellflowerConfig } from '../core/config';
import { displayPath } from '../core/paths';
import { callerAccount, httpStatus } from './artifact-bucket';
import { describeKeyPolicyGaps, keyPolicyGaps } from './key-policy';
import { silentReporter, type Reporter } from '../core/reporter';
import { deployStack, describeStack, type Polling, type StackDeployResult, type StackRequest } from './stacks';
import { BellflowerError } from '../core/errors';

import { bootstrapStackName, defaultArtifactBucket } from './bootstrap-names';
import { bootstrapTemplate, partitionOf } from './deployer-policy';

export { bootstrapStackName, defaultArtifactBucket };

/** Bootstrap cannot go on; the message says why and what to change. */
export class BootstrapError extends BellflowerError {
  override readonly name = 'BootstrapError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Where a resource comes from: `stack`, the bootstrap stack made it earlier and keeps it; `new`, the
 * stack creates it now; `existing`, it exists outside the stack and is adopted (recorded, untouched).
 */
export type Origin = 'stack' | 'new' | 'existing';

/** What bootstrap will do; computed with read-only calls. */
export interface BootstrapPlan {
  readonly stackName: string;
  readonly stackExists: boolean;
  /** `id` is unknown only for a key the stack is about to create. */
  readonly key: { readonly origin: Origin; readonly id?: string };
  /** Alias name without `alias/`. */
  readonly alias: { readonly origin: Origin; readonly name: string };
  readonly bucket: { readonly origin: Origin; readonly name: string };
}

/** The physical ids of what the bootstrap stack holds (absent: it holds no such resource). */
export interface BootstrapResources {
  readonly key?: string;
  readonly alias?: string;
  readonly bucket?: string;
  /** The execution role's name (its physical id). */
  readonly role?: string;
}

/** The key, alias, bucket and execution role the bootstrap stack holds now; empty when there is no stack. */
export async function bootstrapResources(cloudFormation: CloudFormationClient, stackName: string): Promise<BootstrapResources> {
  const stack = await describeStack(cloudFormation, stackName);
  if (!stack || stack.StackStatus === 'REVIEW_IN_PROGRESS') return {};
  const { StackResources: resources = [] } = await cloudFormation.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  const physical = (logicalId: string) => {
    const resource = resources.find((r) => r.LogicalResourceId === logicalId && !/^(DELETE_COMPLETE|CREATE_FAILED)$/.test(r.ResourceStatus ?? ''));
    return resource?.PhysicalResourceId ? { [keyOf[logicalId]!]: resource.PhysicalResourceId } : {};
  };
  return { ...physical(BOOTSTRAP.key), ...physical(BOOTSTRAP.alias), ...physical(BOOTSTRAP.bucket), ...physical(BOOTSTRAP.cfnExecutionRole) };
}

const keyOf: Record<string, keyof BootstrapResources> = { [BOOTSTRAP.key]: 'key', [BOOTSTRAP.alias]: 'alias', [BOOTSTRAP.bucket]: 'bucket', [BOOTSTRAP.cfnExecutionRole]: 'role' };

/** Input of {@link planBootstrap}. */
export interface PlanOptions {
  readonly config: BellflowerConfig;
  readonly clients: Pick<AwsClients, 'cloudFormation' | 'kms' | 's3'>;
  readonly account: string;
  /** `--bucket`: the artifact bucket's name, over the configuration's. */
  readonly bucket?: string;
}

/** Decides, with read-only calls, what the bootstrap stack creates and what it adopts. Throws {@link BootstrapError}. */
export async function planBootstrap(options: PlanOptions): Promise<BootstrapPlan> {
  const { config, clients, account } = options;
  const stackName = bootstrapStackName(config.environment);
  const stack = await describeStack(clients.cloudFormation, stackName);
  const held = await bootstrapResources(clients.cloudFormation, stackName);
  const examples = exampleFields(config);

  let key: BootstrapPlan['key'];
  if (held.key) {
    key = { origin: 'stack', id: held.key };
  } else {
    const adoptedBefore = stack?.Parameters?.find((p) => p.ParameterKey === 'ExistingKmsKeyId')?.ParameterValue || undefined;
    const named = adoptedBefore ?? (examples.includes('kmsKeyId') ? undefined : config.kmsKeyId);
    const found = named
      ? await describeKey(clients.kms, named, `the configuration names KMS key ${named}`)
      : await describeKey(clients.kms, `alias/${config.kmsKeyAlias}`, `alias/${config.kmsKeyAlias} exists`);
    if (named && !found) {
      throw new BootstrapError(
        `the configuration names KMS key ${named}, which does not exist in ${config.region}: remove "kmsKeyId" from ${configFilePath(config)} and ${configFilePath(config, '.local.json')} to have bootstrap create one`,
      );
    }
    key = found ? { origin: 'existing', id: found.KeyId! } : { origin: 'new' };
  }

  let alias: BootstrapPlan['alias'] = { origin: held.alias ? 'stack' : 'new', name: config.kmsKeyAlias };
  if (!held.alias) {
    const target = (await describeKey(clients.kms, `alias/${config.kmsKeyAlias}`, `alias/${config.kmsKeyAlias} exists`))?.KeyId;
    if (target !== undefined && target !== key.id) {
      throw new BootstrapError(
        `alias/${config.kmsKeyAlias} points at KMS key ${target}, not at ${key.id ?? 'the key bootstrap would create'}: set "kmsKeyAlias" to another name, or "kmsKeyId" to ${target}`,
      );
    }
    if (target !== undefined) alias = { origin: 'existing', name: config.kmsKeyAlias };
  }

  let bucket: BootstrapPlan['bucket'];
  if (held.bucket) {
    if (options.bucket !== undefined && options.bucket !== held.bucket) {
      throw new BootstrapError(`${stackName} already holds the artifact bucket ${held.bucket}; it does not move to ${options.bucket} (drop --bucket)`);
    }
    bucket = { origin: 'stack', name: held.bucket };
  } else {
    const name =
      options.bucket ?? (examples.includes('artifactBucket') ? defaultArtifactBucket(account, config.region, config.environment) : config.artifactBucket);
    bucket = { origin: (await bucketExists(clients.s3, name, account, config.region)) ? 'existing' : 'new', name };
  }
  return { stackName, stackExists: stack !== undefined && stack.StackStatus !== 'REVIEW_IN_PROGRESS', key, alias, bucket };
}

/**
 * A key's metadata (`keyId`: id, ARN or `alias/...`), checked usable for Bellflower (enabled,
 * customer managed, symmetric encryption; `why` starts the message when it is not); undefined when
 * there is no such key.
 */
async function describeKey(kms: KMSClient, keyId: string, why: string): Promise<KeyMetadata | undefined> {
  let key: KeyMetadata | undefined;
  try {
    key = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
  } catch (error) {
    if (error instanceof Error && error.name === 'NotFoundException') return undefined;
    throw new BootstrapError(`cannot read KMS key ${keyId}: ${messageOf(error)}`, { cause: error });
  }
  const problems = [
    key?.KeyState === 'PendingDeletion'
      ? `is pending deletion (keep it: aws kms cancel-key-deletion --key-id ${key.KeyId}, then aws kms enable-key --key-id ${key.KeyId})`
      : key?.KeyState !== 'Enabled'
        ? `is ${key?.KeyState ?? 'in an unknown state'}, not Enabled`
        : undefined,
    key?.KeyManager === 'AWS' ? 'is AWS managed: its key policy cannot let CloudWatch use it' : undefined,
    key?.KeySpec !== undefined && key.KeySpec !== 'SYMMETRIC_DEFAULT' ? `is ${key.KeySpec}, not a symmetric encryption key` : undefined,
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) throw new BootstrapError(`${why}, but KMS key ${key?.KeyId ?? keyId} ${problems.join(' and ')}`);
  return key;
}

/** True when the bucket exists and is this account's, in `region`; throws when the name is not usable. */
async function bucketExists(s3: S3Client, bucket: string, account: string, region: string): Promise<boolean> {
  try {
    const head = await s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: account }));
    if (head.BucketRegion !== undefined && head.BucketRegion !== region) {
      throw new BootstrapError(`bucket ${bucket} is in ${head.BucketRegion}, not ${region}: pass --bucket <another name>`);
    }
    return true;
  } catch (error) {
    if (error instanceof BootstrapError) throw error;
    const status = httpStatus(error);
    if (status === 404) return false;
    if (status === 403) {
      throw new BootstrapError(`bucket name ${bucket} is taken by another account (or access to it is denied): pass --bucket <another name>`, { cause: error });
    }
    if (status === 301) throw new BootstrapError(`bucket ${bucket} is in another region than ${region}: pass --bucket <another name>`, { cause: error });
    throw new BootstrapError(`cannot check bucket ${bucket}: ${messageOf(error)}`, { cause: error });
  }
}

/** The change-set request of the bootstrap stack for a plan (also used by `diff --bootstrap`). */
export function bootstrapStackRequest(plan: BootstrapPlan, config: BellflowerConfig): StackRequest {
  const projectName = config.parameters[ROOT_PARAMS.projectName] ?? 'bellflower';
  const creates = (origin: Origin) => (origin === 'existing' ? 'false' : 'true');
  return {
    stackName: plan.stackName,
    templateBody: bootstrapTemplate().text,
    includeNestedStacks: false,
    // The same tag keys as the other stacks; CloudFormation puts them on the key too.
    tags: { ProjectName: projectName, Environment: config.environment },
    parameters: {
      ProjectName: projectName,
      Environment: config.environment,
      KmsMasterKeyAlias: plan.alias.name,
      ExistingKmsKeyId: plan.key.origin === 'existing' ? plan.key.id! : '',
      CreateKmsKeyAlias: creates(plan.alias.origin),
      ArtifactBucketName: plan.bucket.name,
      CreateArtifactBucket: creates(plan.bucket.origin),
      ArtifactKeyPrefix: config.keyPrefix,
      RootStackName: config.rootStackName,
      CrossStackName: config.crossStackName,
    },
  };
}

/** Values bootstrap writes to `config/<env>.local.json` (undefined: left as they are). */
export interface RecordedConfig {
  readonly region?: string;
  readonly profile?: string;
  readonly artifactBucket?: string;
  readonly kmsKeyAlias?: string;
  readonly kmsKeyId?: string;
  readonly cfnExecutionRoleArn?: string;
  readonly subscriptionEmail?: string;
  readonly businessApplicationPrincipal?: string;
}

const RECORDED_ORDER: readonly (keyof RecordedConfig)[] = [
  'region',
  'profile',
  'artifactBucket',
  'kmsKeyAlias',
  'kmsKeyId',
  'cfnExecutionRoleArn',
  'subscriptionEmail',
  'businessApplicationPrincipal',
];

/**
 * Merges `values` into `config/<env>.local.json` (other fields kept; recorded fields first, in a
 * fixed order) and writes it only when its text changes. Returns the file and whether it changed.
 */
export function recordConfig(
  env: EnvironmentName,
  values: RecordedConfig,
  configDir?: string,
): { readonly file: string; readonly changed: boolean } {
  const file = localConfigPath(env, configDir);
  const before = readText(file);
  const current = before === undefined ? {} : (JSON.parse(before) as Record<string, unknown>);
  const merged: Record<string, unknown> = {};
  for (const field of RECORDED_ORDER) {
    const value = values[field] ?? current[field];
    if (value !== undefined) merged[field] = value;
  }
  for (const [field, value] of Object.entries(current)) if (!(field in merged)) merged[field] = value;
  const text = `${JSON.stringify(merged, null, 2)}\n`;
  if (text === before) return { file, changed: false };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return { file, changed: true };
}

/** Removes the recorded key id and bucket from `config/<env>.local.json` when they are the given ones. */
export function forgetBootstrapOutputs(env: EnvironmentName, deleted: BootstrapResources, configDir?: string): boolean {
  const file = localConfigPath(env, configDir);
  const before = readText(file);
  if (before === undefined) return false;
  const current = JSON.parse(before) as Record<string, unknown>;
  if (deleted.key !== undefined && current.kmsKeyId === deleted.key) delete current.kmsKeyId;
  if (deleted.bucket !== undefined && current.artifactBucket === deleted.bucket) delete current.artifactBucket;
  // The execution role is always the deleted stack's.
  delete current.cfnExecutionRoleArn;
  const text = `${JSON.stringify(current, null, 2)}\n`;
  if (text === before) return false;
  writeFileSync(file, text);
  return true;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Options of {@link bootstrap}. */
export interface BootstrapOptions extends Polling {
  readonly config: BellflowerConfig;
  readonly clients: AwsClients;
  /** @default the project's `config/` */
  readonly configDir?: string;
  /** `--bucket`. */
  readonly bucket?: string;
  /** Recorded along with the outputs (region, profile, e-mail, business application principal). */
  readonly record?: RecordedConfig;
  readonly reporter?: Reporter;
  /** Delete and re-create a bootstrap stack whose creation failed. @default false */
  readonly replaceFailed?: boolean;
  /** Asked with the plan before the stack changes (`--guided`); false cancels. @default none: go on */
  readonly confirm?: (plan: BootstrapPlan) => Promise<boolean>;
}

/** Result of {@link bootstrap}. */
export interface BootstrapResult {
  readonly plan: BootstrapPlan;
  readonly stack: StackDeployResult;
  readonly keyArn: string;
  readonly recorded: RecordedConfig;
  readonly configFile: string;
  readonly configChanged: boolean;
  /** What an adopted key or bucket lacks (rotation, the CloudWatch statement, SSE-KMS); bootstrap changes none of it. */
  readonly warnings: readonly string[];
}

/** Plans, deploys the bootstrap stack (when it holds anything), checks adopted resources and records the outputs. */
export async function bootstrap(options: BootstrapOptions): Promise<BootstrapResult> {
  const { config, clients } = options;
  const reporter = options.reporter ?? silentReporter;
  const account = await callerAccount(clients.sts);
  const plan = await planBootstrap({ config, clients, account, ...(options.bucket !== undefined ? { bucket: options.bucket } : {}) });
  reporter.info(`account ${account}, region ${config.region}, stack ${plan.stackName}`);
  reporter.info(`  KMS key: ${describeOrigin(plan.key.origin, plan.key.id)}`);
  reporter.info(`  alias/${plan.alias.name}: ${describeOrigin(plan.alias.origin)}`);
  reporter.info(`  artifact bucket ${plan.bucket.name}: ${describeOrigin(plan.bucket.origin)}`);

  reporter.info(`  CloudFormation execution role: held by the bootstrap stack`);

  // The stack always holds the execution role, even when the key, its alias and the bucket are adopted.
  if (options.confirm && !(await options.confirm(plan))) throw new BootstrapError('cancelled: nothing changed');
  const stack = await deployStack(clients.cloudFormation, bootstrapStackRequest(plan, config), {
    reporter,
    terminationProtection: config.production === true,
    ...(options.replaceFailed !== undefined ? { replaceFailed: options.replaceFailed } : {}),
    ...(options.pollSeconds !== undefined ? { pollSeconds: options.pollSeconds } : {}),
    ...(options.maxWaitSeconds !== undefined ? { maxWaitSeconds: options.maxWaitSeconds } : {}),
  });
  const held = await bootstrapResources(clients.cloudFormation, plan.stackName);
  if (held.role === undefined) throw new BootstrapError(`${plan.stackName} holds no CloudFormation execution role after the deploy`);
  // The role has no path: its ARN follows from its name (the same as the stack's CfnExecutionRoleArn output).
  const cfnExecutionRoleArn = `arn:${partitionOf(config.region).partition}:iam::${account}:role/${held.role}`;

  const keyId = plan.key.id ?? held.key;
  if (keyId === undefined) throw new BootstrapError(`${plan.stackName} holds no KMS key after the deploy`);
  const key = await describeKey(clients.kms, keyId, `${plan.stackName} holds KMS key ${keyId}`);
  if (!key?.Arn) throw new BootstrapError(`KMS key ${keyId} of ${plan.stackName} does not exist in ${config.region}`);
  const warnings = [
    ...(plan.key.origin === 'existing' ? await adoptedKeyWarnings(clients.kms, key.Arn) : []),
    ...(plan.bucket.origin === 'existing' ? await adoptedBucketWarnings(clients.s3, plan.bucket.name, account, key.Arn) : []),
  ];
  for (const warning of warnings) reporter.info(`warning: ${warning}`);

  const recorded: RecordedConfig = {
    ...options.record,
    region: config.region,
    artifactBucket: plan.bucket.name,
    kmsKeyAlias: plan.alias.name,
    kmsKeyId: keyId,
    cfnExecutionRoleArn,
  };
  const { file, changed } = recordConfig(config.environment, recorded, options.configDir);
  reporter.info(`${displayPath(file)}: ${changed ? 'written' : 'unchanged'}`);
  return { plan, stack, keyArn: key.Arn, recorded, configFile: file, configChanged: changed, warnings };
}

function describeOrigin(origin: Origin, id?: string): string {
  const name = id ? `${id}, ` : '';
  if (origin === 'stack') return `${name}held by the bootstrap stack`;
  if (origin === 'new') return `${name}created by the bootstrap stack`;
  return `${name}exists, adopted as it is (the stack does not manage it)`;
}

/**
 * Rotation off, or a key policy without the account-root or the CloudWatch statement (with the
 * statement to add): said, not changed (deploy's preflight refuses the policy gaps).
 */
async function adoptedKeyWarnings(kms: KMSClient, keyArn: string): Promise<string[]> {
  const warnings: string[] = [];
  const [, partition = 'aws', , , accountId = '', resource = ''] = keyArn.split(':');
  const keyId = resource.replace(/^key\//, '');
  try {
    const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    if (!rotation.KeyRotationEnabled) warnings.push(`KMS key ${keyId} has automatic rotation off (aws kms enable-key-rotation --key-id ${keyId})`);
    const { Policy: text = '{}' } = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }));
    warnings.push(...describeKeyPolicyGaps(keyId, keyPolicyGaps(text, { accountId, partition, alarms: true })));
  } catch (error) {
    warnings.push(`cannot check KMS key ${keyId} (rotation, key policy): ${messageOf(error)}`);
  }
  return warnings;
}

/** Default encryption other than SSE-KMS with the key: said, not changed. */
async function adoptedBucketWarnings(s3: S3Client, bucket: string, account: string, keyArn: string): Promise<string[]> {
  let rule: ServerSideEncryptionByDefault | undefined;
  try {
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket, ExpectedBucketOwner: account }));
    rule = encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ServerSideEncryptionConfigurationNotFoundError')) {
      return [`cannot check the default encryption of bucket ${bucket}: ${messageOf(error)}`];
    }
  }
  if (rule?.SSEAlgorithm === 'aws:kms' && rule.KMSMasterKeyID === keyArn) return [];
  const current = rule ? `encrypts with ${rule.SSEAlgorithm}${rule.KMSMasterKeyID ? ` (${rule.KMSMasterKeyID})` : ''}` : 'has no default encryption';
  return [`bucket ${bucket} ${current}, not SSE-KMS with ${keyArn}`];
}
