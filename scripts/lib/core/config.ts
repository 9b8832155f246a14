/**
 * Per-environment configuration: `config/<env>.json`, then the git-ignored `config/<env>.local.json`
 * (what `npm run bootstrap` recorded for this machine's account) over it, validated on load, with
 * command-line flags layered on top (`--region`, `--profile`, `--parameter Key=Value`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_CONFIG_DIR, displayPath } from './paths';
import { DEFAULT_KEY_PREFIX } from '../../../templates/layout';
import { CROSS_PARAMS, ENVIRONMENT_NAME, isEnvironmentName, ROOT_PARAMS, type EnvironmentName } from '../../../templates/names';
import { BellflowerError } from './errors';
import { IAM_ROLE_ARN } from './patterns';

/** The resolved configuration of one environment (file + flags + defaults). */
export interface BellflowerConfig {
  /** The environment's name: `config/<environment>.json` (see ENVIRONMENT_NAME in templates/names.ts). */
  readonly environment: EnvironmentName;
  /**
   * A production environment: deploy turns on the stacks' termination protection and asks about
   * every change (`--require-approval any-change` unless the flag says otherwise), load needs
   * `--yes`. The name decides nothing. @default false
   */
  readonly production?: boolean;
  /** Tags of both stacks besides ProjectName and Environment (CloudFormation propagates them to the resources). @default none */
  readonly tags?: Readonly<Record<string, string>>;
  /** AWS region of the stacks and of the artifact bucket. */
  readonly region: string;
  /** Where {@link region} came from (`--region`, `AWS_REGION`, the file, the profile), for the messages. */
  readonly regionSource?: string;
  /** Folder the configuration was read from, when not the project's `config/` (`--config-dir`, BELLFLOWER_CONFIG_DIR). */
  readonly configDir?: string;
  /** Named AWS profile; when absent the standard credential chain applies. */
  readonly profile?: string;
  /** Bucket holding templates, handler zips and the state machine definition. */
  readonly artifactBucket: string;
  /** Key prefix of every artifact in the artifact bucket. @default 'bellflower' */
  readonly keyPrefix: string;
  /** @default `bellflower-s3-custom-resource-stack-<env>` */
  readonly crossStackName: string;
  /** @default `bellflower-root-stack-<env>` */
  readonly rootStackName: string;
  /** KMS alias name without the `alias/` prefix (the root stack's `KmsMasterKeyAlias`). */
  readonly kmsKeyAlias: string;
  /** KMS key id (a UUID) the alias points to (the stacks' `KmsMasterKeyId`). */
  readonly kmsKeyId: string;
  /**
   * The role CloudFormation assumes for the root, nested and cross stacks (bootstrap records it);
   * deploy and destroy pass it as RoleARN. Absent: the caller's credentials.
   */
  readonly cfnExecutionRoleArn?: string;
  /** Address subscribed to the result topic. */
  readonly subscriptionEmail: string;
  /** The business application's principal (account id or IAM ARN), recorded by bootstrap for its access. */
  readonly businessApplicationPrincipal?: string;
  /**
   * Accept a business application in another account without `BusinessApplicationExternalId`
   * (only when that account is yours: a third party needs an external id). @default false
   */
  readonly allowBusinessApplicationWithoutExternalId?: boolean;
  /** Timeout of the "Wait For Response" state; see `asl/state-machine.ts`. */
  readonly callbackTimeoutSeconds?: number;
  /** HeartbeatSeconds of "Wait For Response"; none by default. */
  readonly callbackHeartbeatSeconds?: number;
  /** Overrides of root/cross stack parameters that deploy does not set itself. */
  readonly parameters: Readonly<Record<string, string>>;
}

/** A configuration file or flag is missing or invalid; the message names the field and the file. */
export class ConfigError extends BellflowerError {
  override readonly name = 'ConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Stack parameters that deploy derives from configuration fields or from the publish manifest; a
 * `--parameter` override of these would silently fight the configuration, so it is refused.
 */
export const MANAGED_PARAMETERS: Readonly<Record<string, string>> = {
  [ROOT_PARAMS.environment]: 'chosen with --env',
  [ROOT_PARAMS.kmsMasterKeyAlias]: 'set "kmsKeyAlias" in the config file',
  [ROOT_PARAMS.kmsMasterKeyId]: 'set "kmsKeyId" in the config file',
  [ROOT_PARAMS.snsSubscriptionEmail]: 'set "subscriptionEmail" in the config file',
  [ROOT_PARAMS.artifactBucket]: 'set "artifactBucket" in the config file',
  [ROOT_PARAMS.artifactKeyPrefix]: 'set "keyPrefix" in the config file',
  [ROOT_PARAMS.crossStackName]: 'set "crossStackName" in the config file',
  [ROOT_PARAMS.processingCodeKey]: 'taken from the publish manifest',
  [ROOT_PARAMS.integrationCodeKey]: 'taken from the publish manifest',
  [ROOT_PARAMS.stateMachineDefinitionKey]: 'taken from the publish manifest',
  [CROSS_PARAMS.s3FoldersCodeKey]: 'taken from the publish manifest',
  [CROSS_PARAMS.s3NotificationCodeKey]: 'taken from the publish manifest',
};

/** Addresses of the reserved example domains, as in the shipped files; deploy refuses them. */
export const EXAMPLE_EMAIL = /@example\.(com|org|net)$/i;

/** KMS key id in the shipped example files: a valid shape, but never a real key. */
export const EXAMPLE_KMS_KEY_ID = '00000000-0000-0000-0000-000000000000';

/** Step Functions' limit on a state's `TimeoutSeconds` (one year); the bound of `callbackTimeoutSeconds`. */
export const MAX_CALLBACK_TIMEOUT_SECONDS = 31_536_000;

/** A 12-digit account id, or the ARN of an account root, an IAM role or an IAM user. */
export const BUSINESS_APPLICATION_PRINCIPAL = /^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+))$/;

/** The git-ignored file next to `config/<env>.json` whose fields win (written by `npm run bootstrap`). */
export function localConfigPath(env: string, configDir: string = DEFAULT_CONFIG_DIR): string {
  return join(configDir, `${env}.local.json`);
}

/** An IAM role ARN (any partition; a path allowed). */
export { IAM_ROLE_ARN };

/**
 * The configuration with `--role-arn` applied: an ARN replaces the recorded execution role,
 * `none` removes it (CloudFormation then uses the caller's credentials), absent keeps it.
 */
export function withCfnRole(config: BellflowerConfig, flag: string | undefined): BellflowerConfig {
  if (flag === undefined) return config;
  const { cfnExecutionRoleArn: _recorded, ...rest } = config;
  return flag === 'none' ? rest : { ...rest, cfnExecutionRoleArn: flag };
}

const stackName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'must start with a letter and contain only letters, digits and "-" (max 128)');

/** Schema of `config/<env>.json`; field descriptions double as documentation. */
export const configFileSchema = z
  .object({
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as "eu-west-1"')
      .optional()
      .describe("AWS region; --region, AWS_REGION and AWS_DEFAULT_REGION override it; else the profile's region"),
    profile: z.string().min(1).optional().describe('named AWS profile; --profile and AWS_PROFILE override it'),
    artifactBucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name (3-63 lowercase letters, digits, "." and "-")')
      .describe('artifact bucket (templates, code, definition); created by publish when missing'),
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/, 'must be a key prefix without leading or trailing "/"')
      .default(DEFAULT_KEY_PREFIX)
      .describe('key prefix of every artifact'),
    crossStackName: stackName.optional().describe('cross stack name; default bellflower-s3-custom-resource-stack-<env>'),
    rootStackName: stackName.optional().describe('root stack name; default bellflower-root-stack-<env>'),
    kmsKeyAlias: z
      .string()
      .transform((alias) => alias.replace(/^alias\//, ''))
      .pipe(z.string().regex(/^[a-zA-Z0-9-]{5,20}$/, 'must be 5-20 letters, digits or "-" (with or without "alias/")'))
      .describe('KMS alias name of the customer managed key'),
    kmsKeyId: z
      .string()
      .regex(/^[a-z0-9-]{36}$/, 'must be a KMS key id (36 lowercase letters, digits and "-"), not an ARN or alias')
      .describe('KMS key id the alias points to'),
    cfnExecutionRoleArn: z
      .string()
      .regex(IAM_ROLE_ARN, 'must be an IAM role ARN')
      .optional()
      .describe('role CloudFormation assumes to deploy the stacks (recorded by bootstrap); deploy --role-arn overrides it'),
    subscriptionEmail: z.email('must be an e-mail address').describe('address subscribed to the result topic'),
    businessApplicationPrincipal: z
      .string()
      .regex(BUSINESS_APPLICATION_PRINCIPAL, 'must be a 12-digit account id or an IAM role, user or root ARN')
      .optional()
      .describe("the business application's principal: account id or IAM ARN (bootstrap --business-application-principal)"),
    allowBusinessApplicationWithoutExternalId: z
      .boolean()
      .optional()
      .describe('accept a business application in another account without BusinessApplicationExternalId (only when that account is yours)'),
    callbackTimeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(MAX_CALLBACK_TIMEOUT_SECONDS)
      .optional()
      .describe('timeout of the "Wait For Response" state in seconds'),
    callbackHeartbeatSeconds: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('HeartbeatSeconds of the "Wait For Response" state (shorter than the callback timeout); none by default'),
    production: z
      .boolean()
      .optional()
      .describe('a production environment: termination protection, deploy asks about every change, load needs --yes (default false)'),
    tags: z
      .record(z.string(), z.string())
      .optional()
      .describe('stack tags besides ProjectName and Environment, propagated to the resources; deploy --tags adds to them'),
    parameters: z
      .record(z.string().regex(/^[A-Za-z0-9]+$/, 'parameter names are alphanumeric'), z.string())
      .default({})
      .describe('overrides of stack parameters deploy does not set itself'),
  })
  .strict();

/** Input of {@link loadConfig}: the environment and the command-line flags. */
export interface LoadConfigOptions {
  readonly env: string;
  /** @default the project's `config/` folder */
  readonly configDir?: string;
  readonly region?: string;
  readonly profile?: string;
  /** `Key=Value` strings from `--parameter`, applied over the file's `parameters`. */
  readonly parameters?: readonly string[];
  /** `Key=Value` strings from `--tags`, applied over the file's `tags`. */
  readonly tags?: readonly string[];
  /**
   * The `region` of each profile in `~/.aws/config` (see `sharedConfigRegions` in aws.ts): the
   * last place a region is looked for, as the AWS CLI does. @default none
   */
  readonly profileRegions?: Readonly<Record<string, string>>;
  /** The variables read (AWS_PROFILE, AWS_REGION, AWS_DEFAULT_REGION). @default process.env */
  readonly processEnv?: NodeJS.ProcessEnv;
}

/** Reads, validates and resolves `config/<env>.json` with `config/<env>.local.json` over it. Throws {@link ConfigError}. */
export function loadConfig(options: LoadConfigOptions): BellflowerConfig {
  const configDir = options.configDir ?? DEFAULT_CONFIG_DIR;
  const environment = parseEnvironment(options.env, configDir);
  const file = join(configDir, `${environment}.json`);
  const localFile = localConfigPath(environment, configDir);
  const base = readJsonObject(file, true) ?? {};
  const local = readJsonObject(localFile, false) ?? {};
  const merged: Record<string, unknown> = { ...base, ...local };
  if (isRecord(base.parameters) && isRecord(local.parameters)) merged.parameters = { ...base.parameters, ...local.parameters };
  const shown = displayPath(file);
  const parsed = configFileSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.code === 'unrecognized_keys' ? issue.keys[0]! : String(issue.path[0] ?? '');
    const inLocal = field === 'parameters' && isRecord(local.parameters) ? String(issue.path[1]) in local.parameters : field in local;
    const where = displayPath(inLocal ? localFile : file);
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field "${issue.keys.join('", "')}" (allowed: ${Object.keys(configFileSchema.shape).join(', ')})`
        : `field "${issue.path.join('.') || '(root)'}" ${issue.message}`;
    throw new ConfigError(`${where}: ${message}`, { cause: parsed.error });
  }
  const data = parsed.data;
  const env = options.processEnv ?? process.env;
  // The AWS CLI's order: flag, then AWS_PROFILE, then (ours) the file; the SDK is given the result.
  const profile = options.profile ?? (env.AWS_PROFILE || undefined) ?? data.profile;
  const { region, regionSource } = resolveRegion({ flag: options.region, env, file: data.region, fileName: shown, profile, profileRegions: options.profileRegions ?? {} });
  if (!configFileSchema.shape.region.safeParse(region).success) {
    throw new ConfigError(`region "${region}" from ${regionSource} is not an AWS region such as "eu-west-1"`);
  }
  const parameters = { ...data.parameters, ...parseParameterFlags(options.parameters ?? []) };
  for (const [key, hint] of Object.entries(MANAGED_PARAMETERS)) {
    if (key in parameters) throw new ConfigError(`parameter ${key} is managed by deploy (${hint}); remove it from --parameter / ${shown}`);
  }
  const tags = { ...data.tags, ...parseKeyValueFlags('--tags', options.tags ?? []) };
  const tagProblems = stackTagProblems(tags);
  if (tagProblems.length > 0) throw new ConfigError(`${tagProblems.join('; ')} (--tags / "tags" in ${shown})`);
  return {
    environment,
    ...(data.production ? { production: true } : {}),
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
    region,
    regionSource,
    ...(options.configDir !== undefined ? { configDir: options.configDir } : {}),
    ...(profile !== undefined ? { profile } : {}),
    artifactBucket: data.artifactBucket,
    keyPrefix: data.keyPrefix,
    crossStackName: data.crossStackName ?? `bellflower-s3-custom-resource-stack-${environment}`,
    rootStackName: data.rootStackName ?? `bellflower-root-stack-${environment}`,
    kmsKeyAlias: data.kmsKeyAlias,
    kmsKeyId: data.kmsKeyId,
    ...(data.cfnExecutionRoleArn !== undefined ? { cfnExecutionRoleArn: data.cfnExecutionRoleArn } : {}),
    subscriptionEmail: data.subscriptionEmail,
    ...(data.businessApplicationPrincipal !== undefined ? { businessApplicationPrincipal: data.businessApplicationPrincipal } : {}),
    ...(data.allowBusinessApplicationWithoutExternalId !== undefined
      ? { allowBusinessApplicationWithoutExternalId: data.allowBusinessApplicationWithoutExternalId }
      : {}),
    ...(data.callbackTimeoutSeconds !== undefined ? { callbackTimeoutSeconds: data.callbackTimeoutSeconds } : {}),
    ...(data.callbackHeartbeatSeconds !== undefined ? { callbackHeartbeatSeconds: data.callbackHeartbeatSeconds } : {}),
    parameters,
  };
}

/** A JSON object from `file`; undefined when an optional file is missing. Throws {@link ConfigError}. */
function readJsonObject(file: string, required: boolean): Record<string, unknown> | undefined {
  const shown = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read ${shown}: create it (see config/devl.json for the fields)`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${shown} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isRecord(json)) throw new ConfigError(`${shown}: must be a JSON object`);
  return json;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The region as the AWS CLI finds it: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, then (ours)
 * the config file, then the profile's `region` in `~/.aws/config`. Throws {@link ConfigError}
 * naming every place when none has one.
 */
export function resolveRegion(options: {
  readonly flag?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly file?: string;
  readonly fileName: string;
  readonly profile?: string;
  readonly profileRegions: Readonly<Record<string, string>>;
}): { readonly region: string; readonly regionSource: string } {
  const profileName = options.profile ?? 'default';
  const candidates: [string | undefined, string][] = [
    [options.flag, '--region'],
    [options.env.AWS_REGION, 'AWS_REGION'],
    [options.env.AWS_DEFAULT_REGION, 'AWS_DEFAULT_REGION'],
    [options.file, options.fileName],
    [options.profileRegions[profileName], `profile "${profileName}" in ~/.aws/config`],
  ];
  for (const [value, source] of candidates) {
    if (value) return { region: value, regionSource: source };
  }
  throw new ConfigError(
    `no region: pass --region, set AWS_REGION, set "region" in ${options.fileName}, or give profile "${profileName}" one (aws configure set region <region>${options.profile ? ` --profile ${options.profile}` : ''})`,
  );
}

/**
 * The environments configured in `configDir`: the names of its `<name>.json` files that are
 * environment names (`<name>.local.json` files are the machine's additions to one).
 */
export function configuredEnvironments(configDir: string = DEFAULT_CONFIG_DIR): string[] {
  let files: string[];
  try {
    files = readdirSync(configDir);
  } catch {
    return [];
  }
  return files
    .filter((file) => file.endsWith('.json') && !file.endsWith('.local.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .filter(isEnvironmentName)
    .sort();
}

/**
 * `name` when it is an environment name with a configuration file in `configDir`; else a
 * {@link ConfigError} with the rule, the configured environments and how to add one.
 */
export function parseEnvironment(name: string, configDir: string = DEFAULT_CONFIG_DIR): EnvironmentName {
  if (!isEnvironmentName(name)) {
    throw new ConfigError(`--env "${name}" is not an environment name: ${ENVIRONMENT_NAME.rule}`);
  }
  const configured = configuredEnvironments(configDir);
  if (!configured.includes(name)) {
    const folder = displayPath(configDir);
    throw new ConfigError(
      `--env ${name}: no ${displayPath(join(configDir, `${name}.json`))}; configured: ${configured.join(', ') || 'none'}. To add ${name}, copy one (cp ${join(folder, `${configured[0] ?? 'devl'}.json`)} ${join(folder, `${name}.json`)}) and edit it, then run bellflower bootstrap --env ${name}`,
    );
  }
  return name;
}

/**
 * Problems of stack tags against CloudFormation's limits (AWS CloudFormation API Reference, `Tag`:
 * a key 1-128 characters, the prefix `aws:` reserved for AWS, a value 1-256 characters;
 * `CreateChangeSet`: at most 50 tags) counting the two deploy sets itself. CloudFormation
 * propagates stack tags to the resources, so the characters are those every tagged service
 * accepts (Tagging AWS Resources User Guide, "Tag naming limits and requirements": letters,
 * digits, spaces and `_ . : / = + - @`).
 */
export function stackTagProblems(tags: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > 128) problems.push(`tag key "${key}" must be 1-128 characters`);
    if (/^aws:/i.test(key)) problems.push(`tag key "${key}" must not start with "aws:" (reserved for AWS)`);
    if (MANAGED_TAGS.includes(key)) problems.push(`tag ${key} is set by deploy (the templates' tag on every resource); choose another key`);
    if (value.length < 1 || value.length > 256) problems.push(`tag ${key}: the value must be 1-256 characters (it has ${value.length})`);
    if (!TAG_TEXT.test(key) || !TAG_TEXT.test(value)) problems.push(`tag ${key}=${value}: only letters, digits, spaces and _ . : / = + - @`);
  }
  const count = Object.keys(tags).length + MANAGED_TAGS.length;
  if (count > MAX_STACK_TAGS) problems.push(`${count} tags with ProjectName and Environment: CloudFormation takes at most ${MAX_STACK_TAGS}`);
  return problems;
}

const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Tags deploy puts on both stacks itself (the same keys the templates put on every resource). */
export const MANAGED_TAGS: readonly string[] = ['ProjectName', 'Environment'];

/** CloudFormation's limit on a stack's tags (CreateChangeSet `Tags`: "You can specify a maximum of 50 tags"). */
export const MAX_STACK_TAGS = 50;

/** Parses `Key=Value` flags (the value may contain "="). */
export function parseParameterFlags(flags: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const flag of flags) {
    const match = /^([A-Za-z0-9]+)=(.*)$/s.exec(flag);
    if (!match) throw new ConfigError(`--parameter "${flag}" must look like Key=Value (Key alphanumeric)`);
    result[match[1]!] = match[2]!;
  }
  return result;
}

/** Parses `--tags Key=Value` flags (the value may contain "="; the key is checked by {@link stackTagProblems}). */
function parseKeyValueFlags(flag: string, values: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at < 1) throw new ConfigError(`${flag} "${value}" must look like Key=Value`);
    result[value.slice(0, at)] = value.slice(at + 1);
  }
  return result;
}

/**
 * Fields that still hold the shipped example values (e.g. {@link EXAMPLE_KMS_KEY_ID}, an address at
 * example.com); deploy's preflight refuses them.
 */
export function exampleFields(config: BellflowerConfig): string[] {
  const fields: string[] = [];
  if (/^[0-]+$/.test(config.kmsKeyId)) fields.push('kmsKeyId');
  if (EXAMPLE_EMAIL.test(config.subscriptionEmail)) fields.push('subscriptionEmail');
  if (/example/.test(config.artifactBucket)) fields.push('artifactBucket');
  return fields;
}

/** The file an environment's configuration comes from, as messages name it (e.g. `config/devl.json`). */
export function configFilePath(config: Pick<BellflowerConfig, 'environment' | 'configDir'>, suffix: '.json' | '.local.json' = '.json'): string {
  return displayPath(join(config.configDir ?? DEFAULT_CONFIG_DIR, `${config.environment}${suffix}`));
}
