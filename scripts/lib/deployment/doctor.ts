/**
 * `bellflower doctor`: what a command needs before it can work, one check per line with ok, warn
 * or fail and the fix: Node.js, the environment's configuration and region, the endpoint (an
 * emulator or AWS_ENDPOINT_URL* answers), the credentials (STS GetCallerIdentity), the artifact
 * bucket bootstrap records, and whether the command bundle and the handler zips match the sources.
 * Every check runs, whatever failed before it (a failure does not hide the next one).
 */
import { existsSync } from 'node:fs';
import { HANDLERS, type HandlerName } from '../../../templates/layout';
import { awsTarget, checkEndpointVariables, createAwsClients, endpointDescription, ENDPOINT_VARIABLES, sharedConfigRegions, type AwsClients } from '../core/aws';
import { awsAccessCause } from '../core/aws-errors';
import { handlerZipStaleness } from '../build/build';
import { cliStaleness } from '../build/cli-bundle';
import { configFilePath, exampleFields, loadConfig, type BellflowerConfig } from '../core/config';
import { messageOf } from '../core/errors';
import { nodeSupportNotice } from '../core/node-notice';
import { checkArtifactBucket } from './artifact-bucket';

/** The outcome of one check. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of the doctor's report. */
export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to do, for warn and fail. */
  readonly fix?: string;
}

/** The oldest Node.js the package runs on (package.json "engines"). */
export const MIN_NODE = [20, 19] as const;

/** The Node.js check: fail below {@link MIN_NODE}, warn below 22 (the SDK's notice), else ok. */
export function nodeCheck(version: string = process.version): Check {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const shown = version.replace(/^v/, '');
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    return { name: 'node', status: 'fail', detail: `Node.js ${shown} is older than ${MIN_NODE.join('.')} (package.json engines)`, fix: 'install Node.js 22 or later' };
  }
  // Shown whether or not the once-per-machine notice of the other commands was shown.
  const notice = nodeSupportNotice(version, false);
  return notice ? { name: 'node', status: 'warn', detail: notice.replace(/^note: /, '').replace(/; upgrade Node.js$/, ''), fix: 'upgrade to Node.js 22 or later' } : { name: 'node', status: 'ok', detail: `Node.js ${shown}` };
}

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  readonly env: string;
  readonly configDir?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly distDir: string;
  /** @default process.env */
  readonly processEnv?: NodeJS.ProcessEnv;
  /** Seconds an endpoint has to answer. @default 3 */
  readonly timeoutSeconds?: number;
}

/** The endpoint variables set, name -> URL. */
function endpointVariables(env: NodeJS.ProcessEnv): [string, string][] {
  return ENDPOINT_VARIABLES.filter((name) => env[name]).map((name) => [name, env[name]!]);
}

/** Whether something answers HTTP at `url` (any status counts: moto answers 404 at its root). */
async function answers(url: string, timeoutSeconds: number): Promise<string | undefined> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(timeoutSeconds * 1000) });
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return cause ?? messageOf(error);
  }
}

/** The command bundle and each handler zip against the sources. */
export function bundleChecks(distDir: string): Check[] {
  const cli = cliStaleness();
  // Handlers grouped by reason: one edit of a shared file makes every zip stale for the same reason.
  const reasons = new Map<string, HandlerName[]>();
  for (const name of Object.keys(HANDLERS) as HandlerName[]) {
    const why = handlerZipStaleness(distDir, name);
    if (why) reasons.set(why, [...(reasons.get(why) ?? []), name]);
  }
  const stale = [...reasons].map(([why, names]) => `${names.join(', ')}: ${why}`);
  return [
    cli ? { name: 'cli bundle', status: 'warn', detail: `dist/cli: ${cli}`, fix: 'nothing: the next command rebuilds it (or `npm run build:cli`)' } : { name: 'cli bundle', status: 'ok', detail: 'dist/cli matches the sources' },
    stale.length > 0
      ? { name: 'handler zips', status: 'warn', detail: stale.join('; '), fix: '`bellflower build` (publish and invoke build them too)' }
      : { name: 'handler zips', status: 'ok', detail: 'dist/code holds the build of the current handler sources' },
  ];
}

/** Runs every check, in the order a user meets them. */
export async function runDoctor(options: DoctorOptions): Promise<Check[]> {
  const env = options.processEnv ?? process.env;
  const timeout = options.timeoutSeconds ?? 3;
  const checks: Check[] = [nodeCheck()];
  let config: BellflowerConfig | undefined;
  try {
    config = loadConfig({
      env: options.env,
      ...(options.configDir !== undefined ? { configDir: options.configDir } : {}),
      ...(options.region !== undefined ? { region: options.region } : {}),
      ...(options.profile !== undefined ? { profile: options.profile } : {}),
      profileRegions: await sharedConfigRegions(),
      processEnv: env,
    });
    const examples = exampleFields(config);
    checks.push(
      examples.length > 0
        ? { name: 'config', status: 'warn', detail: `${configFilePath(config)}: ${examples.join(', ')} still hold the shipped example values`, fix: `\`bellflower bootstrap --env ${config.environment}\`` }
        : {
            name: 'config',
            status: 'ok',
            detail: existsSync(configFilePath(config, '.local.json'))
              ? `${configFilePath(config)} with ${configFilePath(config, '.local.json')} (what bootstrap recorded) over it`
              : `${configFilePath(config)} (no ${configFilePath(config, '.local.json')}: bootstrap has recorded nothing here)`,
          },
      { name: 'region', status: 'ok', detail: `${config.region} (${config.regionSource})` },
    );
  } catch (error) {
    checks.push({ name: 'config', status: 'fail', detail: messageOf(error), fix: 'fix the file (see config/devl.json for the fields), or pass --region' });
  }
  const variables = endpointVariables(env);
  try {
    checkEndpointVariables(env);
    if (variables.length === 0) {
      checks.push({ name: 'endpoint', status: 'ok', detail: config ? endpointDescription(config.region, {}, env) : 'AWS (no AWS_ENDPOINT_URL*)' });
    } else {
      for (const [name, url] of variables) {
        const problem = await answers(url, timeout);
        checks.push(
          problem === undefined
            ? { name: 'endpoint', status: 'ok', detail: `${url} (${name}) answers` }
            : { name: 'endpoint', status: 'fail', detail: `nothing answers at ${url} (${name}): ${problem}`, fix: `start it (\`bellflower emulator\`), or unset ${name} to use AWS` },
        );
      }
    }
  } catch (error) {
    checks.push({ name: 'endpoint', status: 'fail', detail: messageOf(error), fix: awsAccessCause(error)?.hint ?? 'fix the variable' });
  }
  if (!config) {
    checks.push({ name: 'credentials', status: 'fail', detail: 'not checked: no configuration (region)', fix: 'fix the configuration first' });
    return [...checks, ...bundleChecks(options.distDir)];
  }
  const clients: AwsClients = createAwsClients({ region: config.region, ...(config.profile !== undefined ? { profile: config.profile } : {}) });
  let account: string | undefined;
  try {
    const target = await awsTarget(clients, { endpoint: endpointDescription(config.region, {}, env), ...(config.profile !== undefined ? { profile: config.profile } : {}) });
    account = target.account;
    checks.push({ name: 'credentials', status: 'ok', detail: `account ${target.account} (${target.arn}) at ${target.endpoint}` });
  } catch (error) {
    const access = awsAccessCause(error);
    checks.push(access ? { name: 'credentials', status: 'fail', detail: access.problem, fix: access.hint } : { name: 'credentials', status: 'fail', detail: messageOf(error), fix: 'see the message' });
  }
  if (account === undefined) {
    checks.push({ name: 'artifact bucket', status: 'fail', detail: 'not checked: no credentials', fix: 'fix the credentials first' });
  } else if (exampleFields(config).includes('artifactBucket')) {
    checks.push({ name: 'artifact bucket', status: 'warn', detail: `"${config.artifactBucket}" is the shipped example: bootstrap has not recorded one`, fix: `\`bellflower bootstrap --env ${config.environment}\`` });
  } else {
    try {
      const exists = await checkArtifactBucket({ s3: clients.s3, bucket: config.artifactBucket, region: config.region, account });
      checks.push(
        exists
          ? { name: 'artifact bucket', status: 'ok', detail: `s3://${config.artifactBucket} exists in ${config.region}, account ${account}` }
          : { name: 'artifact bucket', status: 'warn', detail: `s3://${config.artifactBucket} does not exist yet`, fix: `\`bellflower bootstrap --env ${config.environment}\` (or publish, which creates it)` },
      );
    } catch (error) {
      checks.push({ name: 'artifact bucket', status: 'fail', detail: messageOf(error), fix: 'choose another "artifactBucket", or run bootstrap' });
    }
  }
  return [...checks, ...bundleChecks(options.distDir)];
}

/** One line per check: status, name, detail and, for warn and fail, the fix. */
export function doctorLines(checks: readonly Check[]): string[] {
  const width = Math.max(...checks.map((check) => check.name.length));
  const lines = checks.map((check) => `${check.status.padEnd(4)} ${check.name.padEnd(width)}  ${check.detail}${check.fix ? ` -> ${check.fix}` : ''}`);
  const failed = checks.filter((check) => check.status === 'fail').length;
  lines.push(failed === 0 ? 'doctor: ready' : `doctor: ${failed} check${failed === 1 ? '' : 's'} failed`);
  return lines;
}
