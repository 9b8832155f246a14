/**
 * The one command layer of `scripts/*.ts`: the shared flags, the configuration, clients and
 * deployment outputs they resolve to, flag parsers, a terminal reporter (a status line on a TTY,
 * plain lines otherwise) and {@link run}, which prints one line per failure and sets exit code 1.
 */
import { createInterface } from 'node:readline/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createAwsClients, usesPlainHttpEndpoint, type AwsClients } from './aws';
import { loadConfig, type BellflowerConfig } from './config';
import { PreflightError } from './deploy';
import { deploymentTarget, type DeploymentTarget } from './execution';
import { DEFAULT_DIST_DIR, readOutputs } from './outputs';
import { messageOf, type PublishOptions } from './publish';
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
    .addOption(new Option('-e, --env <env>', 'environment: config/<env>.json, dist/outputs/<env>.json').choices(['devl', 'test', 'prod']).default('devl'))
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
  /** @default the project's `config/` */
  readonly configDir?: string;
  /** @default the project's `dist/` */
  readonly distDir?: string;
}

/** Loads the configuration and creates the clients (no request sent). */
export function commandContext(flags: EnvironmentFlags & { readonly parameter?: readonly string[] }, paths: ContextPaths = {}): CommandContext {
  const config = loadConfig({
    env: flags.env,
    ...(paths.configDir !== undefined ? { configDir: paths.configDir } : {}),
    ...(flags.region !== undefined ? { region: flags.region } : {}),
    ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
    parameters: flags.parameter ?? [],
  });
  const clients = createAwsClients({ region: config.region, ...(config.profile !== undefined ? { profile: config.profile } : {}) });
  return {
    config,
    clients,
    distDir: paths.distDir ?? DEFAULT_DIST_DIR,
    plainHttp: usesPlainHttpEndpoint({}),
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
  const env = context.config.environment;
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

/** Range accepted by {@link numberArgument}. */
export interface NumberRange {
  /** Smallest accepted value. @default 0 */
  readonly min?: number;
  /** Only whole numbers. @default false */
  readonly integer?: boolean;
  /** Shown in the message ("a number of seconds"). */
  readonly unit?: string;
}

/** A commander parser for a numeric flag; a bad value fails the command with the flag, range and value. */
export function numberArgument(flag: string, range: NumberRange = {}): (value: string) => number {
  const min = range.min ?? 0;
  return (value) => {
    const parsed = Number(value);
    const valid = value.trim() !== '' && Number.isFinite(parsed) && parsed >= min && (!range.integer || Number.isSafeInteger(parsed));
    if (!valid) {
      const kind = `${range.integer ? 'whole ' : ''}number${range.unit ? ` of ${range.unit}` : ''}`;
      throw new InvalidArgumentError(`${flag} must be a ${kind} >= ${min}, got "${value}"`);
    }
    return parsed;
  };
}

/** Parses a JSON flag such as `--input`; throws naming the flag. */
export function parseJsonFlag(flag: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${flag} is not valid JSON: ${text}`, { cause: error });
  }
}

/** Reporter writing to stderr: a rewritten status line on a TTY, plain lines otherwise. */
export function terminalReporter(stream: NodeJS.WriteStream = process.stderr): Reporter {
  let open = false;
  let last = '';
  const tty = Boolean(stream.isTTY);
  return {
    info(line) {
      if (open) stream.write('\n');
      open = false;
      stream.write(`${line}\n`);
    },
    progress(line) {
      if (tty) {
        const width = stream.columns ?? 120;
        stream.write(`\r${line.slice(0, width - 1).padEnd(Math.min(last.length, width - 1))}`);
        open = true;
      } else if (line !== last) {
        stream.write(`${line}\n`);
      }
      last = line;
    },
    progressDone() {
      if (open) stream.write('\n');
      open = false;
      last = '';
    },
  };
}

/** Asks a yes/no question on the terminal; false without a TTY. */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await readline.question(`${question} [y/N] `)).trim());
  } finally {
    readline.close();
  }
}

/** The lines printed for a failure: one per preflight problem, else the message on one line. */
export function errorLines(command: string, error: unknown): string[] {
  if (error instanceof PreflightError) return error.problems.map((problem) => `${command}: preflight: ${problem}`);
  return [`${command}: ${messageOf(error)}`];
}

/**
 * Runs a command's action; on failure prints {@link errorLines} to stderr and sets exit code 1.
 * Every command's body runs through it, so every command fails the same way.
 */
export async function run(command: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    for (const line of errorLines(command, error)) process.stderr.write(`${line}\n`);
    process.exitCode = 1;
  }
}
