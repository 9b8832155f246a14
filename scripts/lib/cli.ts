/**
 * The one command layer of `scripts/*.ts`: the shared flags, the configuration, clients and
 * deployment outputs they resolve to, flag parsers, a terminal reporter (a status line on a TTY,
 * plain lines otherwise) and {@link run}, which prints one line per failure and sets exit code 1.
 */
import { Command, Option } from 'commander';
import { createAwsClients, usesPlainHttpEndpoint, type AwsClients } from './aws';
import { CONFIG_NAMES, configName, loadConfig, type BellflowerConfig } from './config';
import { deploymentTarget, type DeploymentTarget } from './execution';
import { DEFAULT_DIST_DIR, readOutputs } from './outputs';
import type { PublishOptions } from './publish';
import { terminalReporter } from './command';
import type { Reporter } from './reporter';

/** Flags naming the environment a command works on. */
export interface EnvironmentFlags {
  readonly env: string;
  readonly region?: string;
  readonly profile?: string;
}

/** Flags of the commands that publish, deploy, diff or destroy. */
export interface CommonFlags extends EnvironmentFlags {
  readonly parameter: readonly string[];
}

/** Adds `-e, --env`, `--region` and `--profile`. */
export function withEnvironmentOptions(command: Command): Command {
  return command
    .addOption(new Option('-e, --env <env>', 'environment: config/<env>.json, dist/outputs/<env>.json').choices(CONFIG_NAMES).default('devl'))
    .option('--region <region>', 'AWS region (overrides the config file and AWS_REGION)')
    .option('--profile <profile>', 'named AWS profile (overrides the config file and AWS_PROFILE)');
}

/** Adds the environment flags and the repeatable `--parameter Key=Value`. */
export function withCommonOptions(command: Command): Command {
  return withEnvironmentOptions(command).option(
    '--parameter <Key=Value>',
    'override a root/cross stack parameter (repeatable)',
    (value: string, previous: string[]) => [...previous, value],
    [] as string[],
  );
}

/** Configuration, clients and paths of one command run. */
export interface CommandContext {
  readonly config: BellflowerConfig;
  readonly clients: AwsClients;
  readonly distDir: string;
  /** True when S3 is an emulator over plain http (no TLS-only bucket policy there). */
  readonly plainHttp: boolean;
  readonly reporter: Reporter;
}

/** Where a context reads its files from (tests). */
export interface ContextPaths {
  /** @default `BELLFLOWER_CONFIG_DIR`, else the project's `config/` */
  readonly configDir?: string;
  /** @default `BELLFLOWER_DIST_DIR`, else the project's `dist/` */
  readonly distDir?: string;
}

/** Dummy credentials for a local emulator (`endpoint` in the configuration), unless the environment sets some. */
export function emulatorCredentials(env = process.env): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } {
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'testing',
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'testing',
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

/** Loads the configuration and creates the clients (no request sent). */
export function commandContext(flags: EnvironmentFlags & { readonly parameter?: readonly string[] }, paths: ContextPaths = {}): CommandContext {
  const configDir = paths.configDir ?? process.env.BELLFLOWER_CONFIG_DIR;
  const config = loadConfig({
    env: flags.env,
    ...(configDir !== undefined ? { configDir } : {}),
    ...(flags.region !== undefined ? { region: flags.region } : {}),
    ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
    parameters: flags.parameter ?? [],
  });
  // An emulator's endpoint from the configuration; AWS_ENDPOINT_URL, when set, still wins.
  const endpoint = config.endpoint !== undefined ? (process.env.AWS_ENDPOINT_URL ?? config.endpoint) : undefined;
  const clients = createAwsClients({
    region: config.region,
    ...(config.profile !== undefined ? { profile: config.profile } : {}),
    ...(endpoint !== undefined ? { endpoint, credentials: emulatorCredentials() } : {}),
  });
  return {
    config,
    clients,
    distDir: paths.distDir ?? process.env.BELLFLOWER_DIST_DIR ?? DEFAULT_DIST_DIR,
    plainHttp: usesPlainHttpEndpoint(endpoint !== undefined ? { endpoint } : {}),
    reporter: terminalReporter(),
  };
}

/** A command context plus the deployed resources (`dist/outputs/<env>.json`). */
export interface DeploymentContext extends CommandContext {
  readonly target: DeploymentTarget;
}

/** {@link commandContext} plus the root stack outputs of the last deploy; throws when they are missing. */
export function deploymentContext(flags: EnvironmentFlags, paths: ContextPaths = {}): DeploymentContext {
  const context = commandContext(flags, paths);
  const env = configName(context.config);
  return { ...context, target: deploymentTarget(readOutputs(env, context.distDir), env) };
}

/** The publish request of an environment: its bucket, prefix and region, with the given clients. */
export function publishOptions(options: {
  readonly config: BellflowerConfig;
  readonly clients: Pick<AwsClients, 's3' | 'sts'>;
  readonly distDir: string;
  readonly reporter?: Reporter;
  /** @default true */
  readonly tlsOnlyPolicy?: boolean;
}): PublishOptions {
  const { config, clients } = options;
  return {
    s3: clients.s3,
    sts: clients.sts,
    region: config.region,
    bucket: config.artifactBucket,
    prefix: config.keyPrefix,
    distDir: options.distDir,
    ...(options.tlsOnlyPolicy !== undefined ? { tlsOnlyPolicy: options.tlsOnlyPolicy } : {}),
    ...(options.reporter !== undefined ? { reporter: options.reporter } : {}),
  };
}
