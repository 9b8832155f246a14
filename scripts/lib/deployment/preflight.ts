/**
 * The checks that deploy's and publish's preflights share, made before anything is built, uploaded
 * or changed: the shipped example values, the credentials, every parameter value against the
 * templates' own declared constraints and the rules deploy adds (callback queue, receives, expiry
 * against the callback wait), and S3's bucket naming rules. Each problem is one line naming the
 * value and the fix; the callers list them all at once (`PreflightError`).
 */
import { DEFAULT_CALLBACK_TIMEOUT_SECONDS } from '../../../asl/state-machine';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { ROOT_PARAMS } from '../../../templates/names';
import { NAME_LIMITS, patternParameters, resolvePattern, type PhysicalNamePattern } from '../../../templates/physical-names';
import { ConfigError, configFilePath, exampleFields, MAX_CALLBACK_TIMEOUT_SECONDS, type BellflowerConfig } from '../core/config';
import { messageOf } from '../core/errors';
import { checkBucketName, checkParameterValues, type ParameterSpec } from './parameter-constraints';

/** A template's `Parameters` section, as far as the preflights read it. */
export type DeclaredParameters = Readonly<Record<string, ParameterSpec & { readonly Default?: unknown }>>;

/** The declared parameters of the two stacks deploy creates (the root's include its nested stacks'). */
export interface StackParameters {
  readonly root: DeclaredParameters;
  readonly cross: DeclaredParameters;
  /** Every physical name the stacks produce (`physicalNamePatterns` in templates/physical-names.ts). */
  readonly names: readonly PhysicalNamePattern[];
}

/**
 * Problems of an environment's configuration (file, `config/<env>.local.json` and `--parameter`)
 * that deploy would meet later: shipped example values, a malformed e-mail, the artifact bucket's
 * name under S3's rules and, when the templates' parameters are known (`declared.root` not empty),
 * unknown parameter names, values outside the declared constraints, the integration bucket's
 * name and {@link checkRootParameters}. Sends nothing.
 */
export function checkConfiguration(config: BellflowerConfig, declared: Pick<StackParameters, 'root' | 'cross'>): string[] {
  const problems: string[] = [];
  for (const field of exampleFields(config)) {
    problems.push(
      `${configFilePath(config)}: "${field}" still holds the shipped example value; set your own (or run \`bellflower bootstrap --env ${config.environment}\`)`,
    );
  }
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(config.subscriptionEmail)) {
    problems.push(`subscription e-mail "${config.subscriptionEmail}" is not a well-formed address`);
  }
  problems.push(...checkBucketName(config.artifactBucket, 'artifactBucket'));
  if (Object.keys(declared.root).length === 0) return problems;
  try {
    checkParameterOverrides(config.parameters, [...Object.keys(declared.root), ...Object.keys(declared.cross)], config.environment);
  } catch (error) {
    problems.push(messageOf(error));
  }
  const effective = effectiveParameters(declared.root, config.parameters);
  problems.push(...checkRootParameters(config, effective));
  // What deploy sets from the configuration is checked against the same declared constraints.
  const setByDeploy = {
    [ROOT_PARAMS.environment]: config.environment,
    [ROOT_PARAMS.kmsMasterKeyAlias]: config.kmsKeyAlias,
    [ROOT_PARAMS.kmsMasterKeyId]: config.kmsKeyId,
    [ROOT_PARAMS.snsSubscriptionEmail]: config.subscriptionEmail,
    [ROOT_PARAMS.artifactBucket]: config.artifactBucket,
  };
  problems.push(
    ...checkParameterValues({ ...declared.cross, ...declared.root }, { ...effective, ...config.parameters, ...setByDeploy }),
  );
  const integrationBase = effective[INTEGRATION_BUCKET];
  if (integrationBase !== undefined) {
    problems.push(...checkBucketName(`${integrationBase}-${config.environment}-${config.region}`, `the integration bucket (${INTEGRATION_BUCKET})`));
  }
  return problems;
}

/**
 * {@link checkPhysicalNames} for the configuration's parameters in effect (template defaults, then
 * the configuration's `parameters` and `--parameter`). The preflights call it with
 * {@link checkConfiguration} and stop on a problem before any AWS call: such a name cannot be
 * deployed, whatever the account holds.
 */
export function checkNameLengths(config: BellflowerConfig, declared: StackParameters): string[] {
  if (Object.keys(declared.root).length === 0) return [];
  return checkPhysicalNames(config, declared.names, {
    root: effectiveParameters(declared.root, config.parameters),
    cross: effectiveParameters(declared.cross, config.parameters),
  });
}

/**
 * Names over AWS's limits, for this environment's name and region and the parameters in effect
 * (template defaults, then the configuration's `parameters` and `--parameter`). The templates'
 * MaxLengths are a coarse guard that admits the original's defaults; only here are the environment
 * and the region known, so only here is the exact length known. One line per name, naming the
 * resource, its length, the limit and what to shorten.
 */
export function checkPhysicalNames(
  config: Pick<BellflowerConfig, 'environment' | 'region' | 'configDir'>,
  names: readonly PhysicalNamePattern[],
  effective: { readonly root: Readonly<Record<string, string>>; readonly cross: Readonly<Record<string, string>> },
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { stack, logicalId, property, pattern } of names) {
    const values: Record<string, string> = { ...(stack === 'cross' ? effective.cross : effective.root), [ROOT_PARAMS.environment]: config.environment, 'AWS::Region': config.region };
    const name = resolvePattern(pattern, values);
    const { what, limit, source } = NAME_LIMITS[property];
    if (name.length <= limit || seen.has(`${property} ${name}`)) continue;
    seen.add(`${property} ${name}`);
    const excess = name.length - limit;
    const shorter = [
      ...(config.environment.length > excess
        ? [`the environment name "${config.environment}" to at most ${config.environment.length - excess} characters (a new config/<name>.json)`]
        : []),
      ...patternParameters(pattern)
        .filter((parameter) => (values[parameter] ?? '').length > excess)
        .map((parameter) => `${parameter} to at most ${values[parameter]!.length - excess} characters (--parameter ${parameter}=<name>, or "parameters" in ${configFilePath(config)})`),
    ];
    problems.push(
      `the ${what} name "${name}" (${logicalId} of the ${stack} stack) is ${name.length} characters, over AWS's limit of ${limit} (${source}): shorten ${shorter.join(', or ') || 'the environment name or the parameters in it'}`,
    );
  }
  return problems;
}

/** The caller's account, or undefined with a problem naming where the credentials came from. */
export async function checkCredentials(sts: STSClient, config: BellflowerConfig, problems: string[]): Promise<string | undefined> {
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return identity.Account;
  } catch (error) {
    const source = config.profile ? `profile "${config.profile}"` : 'the default credential chain';
    problems.push(`no usable AWS credentials from ${source} in ${config.region}: ${messageOf(error)}`);
    return undefined;
  }
}

/** The root parameters a deploy would use: template defaults, then the overrides (config file + `--parameter`). */
export function effectiveParameters(
  declared: Readonly<Record<string, { readonly Default?: unknown }>>,
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
 * ends, and a callback timeout or heartbeat Step Functions refuses (publish bakes both into the
 * definition). One line each, naming values and fix.
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
      `callbackTimeoutSeconds ${callback} in ${configFilePath(config)} is not a whole number of seconds within 1..${MAX_CALLBACK_TIMEOUT_SECONDS} (Step Functions' limit): set it in that range or remove it (default 86400)`,
    );
  }
  const waitSeconds = callback ?? DEFAULT_CALLBACK_TIMEOUT_SECONDS;
  const heartbeat = config.callbackHeartbeatSeconds;
  if (heartbeat !== undefined && !(Number.isInteger(heartbeat) && heartbeat >= 1 && heartbeat < waitSeconds)) {
    problems.push(
      `callbackHeartbeatSeconds ${heartbeat} in ${configFilePath(config)} is not a whole number of seconds shorter than the callback timeout of ${waitSeconds} s: lower it, or remove it (no heartbeat)`,
    );
  }
  const expirationDays = Number(effective[EXPIRATION_DAYS]);
  if (Number.isFinite(expirationDays) && expirationDays * 86_400 <= waitSeconds) {
    problems.push(
      `${EXPIRATION_DAYS} ${expirationDays} would expire task tokens and answers before the callback wait of ${waitSeconds} s ends: pass --parameter ${EXPIRATION_DAYS}=${Math.floor(waitSeconds / 86_400) + 1} or more, or shorten callbackTimeoutSeconds`,
    );
  }
  return problems;
}

/** The account of a `BusinessApplicationPrincipal` (an account id or an IAM ARN); undefined for anything else. */
export function principalAccount(principal: string): string | undefined {
  return /^\d{12}$/.test(principal) ? principal : /^arn:[^:]+:iam::(\d{12}):/.exec(principal)?.[1];
}

/**
 * Refuses a business application in another account without an external id: a third party's role
 * trusted without one is the confused deputy of AWS's third-party access guidance
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html),
 * unless the configuration says that account is the owner's own
 * (`allowBusinessApplicationWithoutExternalId`). One line, naming both accounts and both fixes.
 */
export function checkBusinessApplicationTrust(config: BellflowerConfig, effective: Readonly<Record<string, string>>, account: string): string[] {
  const principal = effective[BUSINESS_APPLICATION_PRINCIPAL] ?? '';
  const other = principalAccount(principal);
  if (principal === '' || other === undefined || other === account) return [];
  if ((effective[BUSINESS_APPLICATION_EXTERNAL_ID] ?? '') !== '' || config.allowBusinessApplicationWithoutExternalId === true) return [];
  return [
    `${BUSINESS_APPLICATION_PRINCIPAL} ${principal} is in account ${other}, not this account ${account}, and ${BUSINESS_APPLICATION_EXTERNAL_ID} is empty: any role of that account's owner could then act for it (the confused deputy AWS's third-party guidance describes). Agree on an external id with the business application and pass --parameter ${BUSINESS_APPLICATION_EXTERNAL_ID}=<id>, or, if account ${other} is yours, set "allowBusinessApplicationWithoutExternalId": true in ${configFilePath(config)}`,
  ];
}

const BUSINESS_APPLICATION_PRINCIPAL = 'BusinessApplicationPrincipal';
const BUSINESS_APPLICATION_EXTERNAL_ID = 'BusinessApplicationExternalId';

/**
 * Settings that look like stack parameters but are configuration fields: publish bakes them into
 * the state machine definition, so a `--parameter` cannot reach them (matched without case).
 */
export const DEFINITION_SETTINGS: Readonly<Record<string, string>> = {
  callbacktimeoutseconds: 'callbackTimeoutSeconds',
  callbackheartbeatseconds: 'callbackHeartbeatSeconds',
};

/**
 * Throws {@link ConfigError} when an override names no parameter of the templates, suggesting
 * the closest names (or, for a setting of the state machine definition, the config field).
 */
export function checkParameterOverrides(
  parameters: Readonly<Record<string, string>>,
  declared: readonly string[],
  environment = '<env>',
): void {
  for (const name of Object.keys(parameters)) {
    if (declared.includes(name)) continue;
    const field = DEFINITION_SETTINGS[name.toLowerCase()];
    if (field !== undefined) {
      throw new ConfigError(
        `parameter ${name} is not a stack parameter: publish bakes "${field}" into the state machine definition; set "${field}" in config/${environment}.json, then run bellflower publish --env ${environment}`,
      );
    }
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
