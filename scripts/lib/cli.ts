/**
 * What the deploy commands share: the common flags, the configuration and clients they resolve
 * to, a terminal reporter (a status line on a TTY, plain lines otherwise) and the error printer
 * (one line per failure, exit code 1).
 */
import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import { createAwsClients, usesPlainHttpEndpoint, type AwsClients } from './aws';
import { loadConfig, type BellflowerConfig } from './config';
import { PreflightError } from './deploy';
import { DEFAULT_DIST_DIR } from './outputs';
import { messageOf } from './publish';
import type { Reporter } from './reporter';

/** Flags every deploy command accepts. */
export interface CommonFlags {
  readonly env: string;
  readonly region?: string;
  readonly profile?: string;
  readonly parameter: readonly string[];
}

/** Adds `--env`, `--region`, `--profile` and the repeatable `--parameter Key=Value`. */
export function withCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--env <env>', 'environment: config/<env>.json').choices(['devl', 'test', 'prod']).default('devl'))
    .option('--region <region>', 'AWS region (overrides the config file and AWS_REGION)')
    .option('--profile <profile>', 'named AWS profile (overrides the config file and AWS_PROFILE)')
    .option(
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

/** Loads the configuration and creates the clients (no request sent). */
export function commandContext(flags: CommonFlags): CommandContext {
  const config = loadConfig({
    env: flags.env,
    ...(flags.region !== undefined ? { region: flags.region } : {}),
    ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
    parameters: flags.parameter,
  });
  const clients = createAwsClients({ region: config.region, ...(config.profile !== undefined ? { profile: config.profile } : {}) });
  return { config, clients, distDir: DEFAULT_DIST_DIR, plainHttp: usesPlainHttpEndpoint({}), reporter: terminalReporter() };
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

/** Runs a command's action; on failure prints {@link errorLines} to stderr and sets exit code 1. */
export async function run(command: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    for (const line of errorLines(command, error)) process.stderr.write(`${line}\n`);
    process.exitCode = 1;
  }
}
