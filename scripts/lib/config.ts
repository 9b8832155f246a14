/**
 * Per-environment configuration: `config/<env>.json`, validated on load, with command-line flags
 * layered on top (`--region`, `--profile`, `--parameter Key=Value`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { displayPath } from './paths';
import { DEFAULT_KEY_PREFIX } from '../../templates/layout';
import { CROSS_PARAMS, ENVIRONMENTS, ROOT_PARAMS, type EnvironmentName } from '../../templates/names';

/** Folder of the `config/<env>.json` files. */
export const DEFAULT_CONFIG_DIR = fileURLToPath(new URL('../../config', import.meta.url));

/** The resolved configuration of one environment (file + flags + defaults). */
export interface BellflowerConfig {
  /** The configuration's name (`--env`, `config/<name>.json`, `dist/outputs/<name>.json`). @default environment */
  readonly name?: ConfigName;
  /** The stacks' `Environment` parameter: the name itself, or the file's `environment` field. */
  readonly environment: EnvironmentName;
  /** AWS region of the stacks and of the artifact bucket. */
  readonly region: string;
  /** Named AWS profile; when absent the standard credential chain (incl. `AWS_PROFILE`) applies. */
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
  /** Address subscribed to the result topic. */
  readonly subscriptionEmail: string;
  /** Timeout of the "Wait For Response" state; see `asl/state-machine.ts`. */
  readonly callbackTimeoutSeconds?: number;
  /** HeartbeatSeconds of "Wait For Response"; none by default. */
  readonly callbackHeartbeatSeconds?: number;
  /** Overrides of root/cross stack parameters that deploy does not set itself. */
  readonly parameters: Readonly<Record<string, string>>;
  /**
   * A local AWS API emulator every client talks to, with dummy credentials (`npm run emulator`);
   * `AWS_ENDPOINT_URL` overrides it. Never set for AWS.
   */
  readonly endpoint?: string;
}

/** The configuration's name: {@link BellflowerConfig.name}, else its environment. */
export function configName(config: Pick<BellflowerConfig, 'name' | 'environment'>): ConfigName {
  return config.name ?? config.environment;
}

/** Names accepted by `--env`: the three stack environments and the local emulator's rehearsal. */
export const CONFIG_NAMES = [...ENVIRONMENTS, 'emulator'] as const;

/** One of {@link CONFIG_NAMES}. */
export type ConfigName = (typeof CONFIG_NAMES)[number];

/** A configuration file or flag is missing or invalid; the message names the field and the file. */
export class ConfigError extends Error {
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

/** KMS key id in the shipped example files: a valid shape, but never a real key. */
export const EXAMPLE_KMS_KEY_ID = '00000000-0000-0000-0000-000000000000';

/** Step Functions' limit on a state's `TimeoutSeconds` (one year); the bound of `callbackTimeoutSeconds`. */
export const MAX_CALLBACK_TIMEOUT_SECONDS = 31_536_000;

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
      .describe('AWS region; --region, then this field, then AWS_REGION / AWS_DEFAULT_REGION'),
    profile: z.string().min(1).optional().describe('named AWS profile; --profile overrides it'),
    environment: z
      .enum(ENVIRONMENTS)
      .optional()
      .describe("the stacks' Environment parameter; default the file's name (required for config/emulator.json)"),
    endpoint: z
      .string()
      .regex(/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/, 'must be a local emulator such as "http://127.0.0.1:4599" (never AWS)')
      .optional()
      .describe('a local AWS API emulator (npm run emulator) every command talks to with dummy credentials; AWS_ENDPOINT_URL overrides it'),
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
    subscriptionEmail: z.email('must be an e-mail address').describe('address subscribed to the result topic'),
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
}

/** Reads, validates and resolves `config/<env>.json`. Throws {@link ConfigError}. */
export function loadConfig(options: LoadConfigOptions): BellflowerConfig {
  const name = parseConfigName(options.env);
  const file = join(options.configDir ?? DEFAULT_CONFIG_DIR, `${name}.json`);
  const shown = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${shown}: create it (see config/devl.json for the fields)`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${shown} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = configFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field "${issue.keys.join('", "')}" (allowed: ${Object.keys(configFileSchema.shape).join(', ')})`
        : `field "${issue.path.join('.') || '(root)'}" ${issue.message}`;
    throw new ConfigError(`${shown}: ${message}`, { cause: parsed.error });
  }
  const data = parsed.data;
  const environment = data.environment ?? (ENVIRONMENTS as readonly string[]).find((env) => env === name);
  if (environment === undefined) {
    throw new ConfigError(`${shown}: field "environment" is required (the stacks' Environment: ${ENVIRONMENTS.join(', ')})`);
  }
  const region = options.region ?? data.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ConfigError(`no region: set "region" in ${shown}, pass --region, or set AWS_REGION`);
  }
  if (options.region !== undefined && !configFileSchema.shape.region.safeParse(options.region).success) {
    throw new ConfigError(`--region "${options.region}" is not an AWS region such as "eu-west-1"`);
  }
  const parameters = { ...data.parameters, ...parseParameterFlags(options.parameters ?? []) };
  for (const [key, hint] of Object.entries(MANAGED_PARAMETERS)) {
    if (key in parameters) throw new ConfigError(`parameter ${key} is managed by deploy (${hint}); remove it from --parameter / ${shown}`);
  }
  const profile = options.profile ?? data.profile;
  return {
    name,
    environment: environment as EnvironmentName,
    region,
    ...(profile !== undefined ? { profile } : {}),
    artifactBucket: data.artifactBucket,
    keyPrefix: data.keyPrefix,
    crossStackName: data.crossStackName ?? `bellflower-s3-custom-resource-stack-${name}`,
    rootStackName: data.rootStackName ?? `bellflower-root-stack-${name}`,
    kmsKeyAlias: data.kmsKeyAlias,
    kmsKeyId: data.kmsKeyId,
    subscriptionEmail: data.subscriptionEmail,
    ...(data.callbackTimeoutSeconds !== undefined ? { callbackTimeoutSeconds: data.callbackTimeoutSeconds } : {}),
    ...(data.callbackHeartbeatSeconds !== undefined ? { callbackHeartbeatSeconds: data.callbackHeartbeatSeconds } : {}),
    parameters,
    ...(data.endpoint !== undefined ? { endpoint: data.endpoint.replace(/\/$/, '') } : {}),
  };
}

function parseConfigName(env: string): ConfigName {
  if ((CONFIG_NAMES as readonly string[]).includes(env)) return env as ConfigName;
  throw new ConfigError(`--env "${env}" is not one of ${CONFIG_NAMES.join(', ')}`);
}

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

/**
 * Fields that still hold the shipped example values (e.g. {@link EXAMPLE_KMS_KEY_ID}, an address at
 * example.com); deploy's preflight refuses them.
 */
export function exampleFields(config: BellflowerConfig): string[] {
  const fields: string[] = [];
  if (/^[0-]+$/.test(config.kmsKeyId)) fields.push('kmsKeyId');
  if (/@example\.(com|org|net)$/i.test(config.subscriptionEmail)) fields.push('subscriptionEmail');
  if (/example/.test(config.artifactBucket)) fields.push('artifactBucket');
  return fields;
}
