/**
 * The light half of the command layer, shared by every command: the shared flags and their
 * parsers, how a command is parsed and run ({@link parseCommand}, {@link run}) and the one way it
 * ends (one line per problem on stderr; exit code 0 ok, 1 failure, 2 usage error, 130 interrupted).
 * It loads no AWS SDK, so that `bellflower --help`, `synth` and `build` start fast; `cli.ts` adds
 * configuration and clients, loaded by each command's action when it runs.
 */
import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { awsAccessCause } from '../aws/aws-errors';
import type { Reporter } from './reporter';

/** The exit codes of every command, as shells and CI expect them. */
export const EXIT_CODES = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/**
 * The AWS SDK prints an 8-line notice about Node.js 20 on the first client it creates, which can
 * land between a question and its answer; it is switched off here (the SDK reads this variable when
 * a client is created) and `aws.ts` prints one line of its own before a command talks to AWS.
 */
export const SDK_NODE_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
/** True when the user switched the SDK's notice off themselves (then no notice at all is printed). */
export const sdkNodeWarningDisabledByUser = process.env[SDK_NODE_WARNING_SWITCH] === 'true';
process.env[SDK_NODE_WARNING_SWITCH] = 'true';

/** The command line was wrong (a flag's value, a missing companion flag): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The user stopped the command (Ctrl-C at a question): exit code 130. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor(message = 'interrupted', options?: ErrorOptions) {
    super(message, options);
  }
}

/** A check found problems before anything was changed; each problem is printed on its own line. */
export class PreflightError extends Error {
  override readonly name = 'PreflightError';
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(problems.join('\n'), options);
  }
}

/** An error's message on one line (SDK messages may span several). */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.replace(/\s+/g, ' ').trim();
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

/** Seconds between two progress lines when the output is not a terminal (a CI log). */
export const PLAIN_PROGRESS_INTERVAL_MS = 2000;

/**
 * Reporter writing to stderr: a rewritten status line on a TTY; otherwise plain lines, progress at
 * most one line every {@link PLAIN_PROGRESS_INTERVAL_MS} and the last state when it is done, so a
 * CI log gets a few lines, not one per uploaded part.
 */
export function terminalReporter(stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): Reporter {
  let open = false;
  let last = '';
  let pending: string | undefined;
  let printedAt: number | undefined;
  const tty = Boolean(stream.isTTY);
  const flush = (): void => {
    if (pending !== undefined) stream.write(`${pending}\n`);
    pending = undefined;
  };
  return {
    info(line) {
      if (open) stream.write('\n');
      open = false;
      flush();
      stream.write(`${line}\n`);
    },
    progress(line) {
      if (tty) {
        const width = stream.columns ?? 120;
        stream.write(`\r${line.slice(0, width - 1).padEnd(Math.min(last.length, width - 1))}`);
        open = true;
      } else if (line !== last) {
        if (printedAt === undefined || now() - printedAt >= PLAIN_PROGRESS_INTERVAL_MS) {
          stream.write(`${line}\n`);
          printedAt = now();
          pending = undefined;
        } else {
          pending = line;
        }
      }
      last = line;
    },
    progressDone() {
      if (open) stream.write('\n');
      open = false;
      flush();
      last = '';
      printedAt = undefined;
    },
  };
}

/**
 * Asks a yes/no question on the terminal; false without a TTY. Ctrl-C at the question throws
 * {@link InterruptedError} (exit code 130).
 */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  const interrupted = new Promise<never>((_, reject) => {
    readline.once('SIGINT', () => reject(new InterruptedError('interrupted at the question: nothing done')));
  });
  try {
    const answer = await Promise.race([readline.question(`${question} [y/N] `), interrupted]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    readline.close();
  }
}

/**
 * The lines printed for a failure: one per preflight problem, else the message on one line; when
 * an unreachable endpoint, missing or refused credentials or a refused call is behind it, what to
 * do about that follows on the same line.
 */
export function errorLines(command: string, error: unknown): string[] {
  if (error instanceof PreflightError) return error.problems.map((problem) => `${command}: preflight: ${problem}`);
  const access = awsAccessCause(error);
  if (access && access !== error) return [`${command}: ${messageOf(error)} (${access.hint})`];
  return [`${command}: ${messageOf(error)}`];
}

/** The exit code of a failed action: 2 for a usage error, 130 when interrupted, else 1. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT_CODES.usage;
  if (error instanceof InterruptedError) return EXIT_CODES.interrupted;
  return EXIT_CODES.failure;
}

/**
 * Runs a command's action; on failure prints {@link errorLines} to stderr and sets the exit code
 * ({@link exitCodeOf}). Every command's body runs through it, so every command fails the same way.
 */
export async function run(command: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    for (const line of errorLines(command, error)) process.stderr.write(`${line}\n`);
    process.exitCode = exitCodeOf(error);
  }
}

/** How the `bellflower` binary runs a command module: the name it shows and the arguments it parses. */
export interface Invocation {
  /** Shown in usage lines, e.g. `bellflower deploy`. */
  readonly name: string;
  /** The arguments after the command name. */
  readonly args: readonly string[];
}

let invocation: Invocation | undefined;

/**
 * Set by `scripts/bellflower.ts` before it imports a command module, so that the module's
 * {@link parseCommand} parses the binary's arguments under the binary's name.
 */
export function setInvocation(value: Invocation | undefined): void {
  invocation = value;
}

let interruptHandled = false;

/**
 * Ctrl-C ends the command with exit code 130 and one line. A command that cleans up on SIGINT
 * itself (the local run stops its servers) registers its own listener; this one then stands back.
 */
export function handleInterrupts(): void {
  if (interruptHandled) return;
  interruptHandled = true;
  process.on('SIGINT', () => {
    if (process.listenerCount('SIGINT') > 1) return;
    process.stderr.write('\ninterrupted\n');
    process.exit(EXIT_CODES.interrupted);
  });
}

/** Exit code for an error commander raised while parsing: 0 for help and version, else 2. */
export function commanderExitCode(error: CommanderError): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_CODES.ok;
  return EXIT_CODES.usage;
}

/** Makes `command` and its subcommands throw instead of exiting, so that {@link parseCommand} picks the exit code. */
export function throwOnUsageErrors(command: Command): Command {
  command.exitOverride();
  for (const sub of command.commands) throwOnUsageErrors(sub);
  return command;
}

/**
 * Parses the command line with `program` and runs its action: the arguments after the script
 * (`tsx scripts/deploy.ts ...`) or, under the `bellflower` binary, those after the command name.
 * Usage errors (unknown option, bad value) exit with 2, help and `--version` with 0.
 */
export async function parseCommand(program: Command, args: readonly string[] = process.argv.slice(2)): Promise<void> {
  handleInterrupts();
  const current = invocation;
  if (current) program.name(current.name);
  throwOnUsageErrors(program);
  try {
    await program.parseAsync([...(current ? current.args : args)], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // commander has printed the message (and the help) already.
    process.exitCode = commanderExitCode(error);
  }
}

/** Flags naming the environment a command works on. */
export interface EnvironmentFlags {
  readonly env: string;
  readonly region?: string;
  readonly profile?: string;
  /** Folder of `<env>.json` (tests). @default the project's `config/` */
  readonly configDir?: string;
  /** Folder of the build, the manifest and the outputs (tests). @default the project's `dist/` */
  readonly dist?: string;
}

/** Variable naming another configuration folder (the emulator's, see `bellflower emulator`). */
export const CONFIG_DIR_VARIABLE = 'BELLFLOWER_CONFIG_DIR';

/** Variable naming another folder of the build, the manifests and the outputs (the emulator's). */
export const DIST_DIR_VARIABLE = 'BELLFLOWER_DIST_DIR';

/** The configuration folder: `--config-dir`, else {@link CONFIG_DIR_VARIABLE}; undefined means the project's `config/`. */
export function configDirOf(flags: Pick<EnvironmentFlags, 'configDir'>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flags.configDir ?? (env[CONFIG_DIR_VARIABLE] || undefined);
}

/** The build folder: `--dist`, else {@link DIST_DIR_VARIABLE}; undefined means the project's `dist/`. */
export function distDirOf(flags: Pick<EnvironmentFlags, 'dist'>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flags.dist ?? (env[DIST_DIR_VARIABLE] || undefined);
}

/** Flags of the commands that publish, deploy, diff or destroy. */
export interface CommonFlags extends EnvironmentFlags {
  readonly parameter: readonly string[];
}

/** Adds `-e, --env`, `--region` and `--profile` (and the hidden `--config-dir` and `--dist`). */
export function withEnvironmentOptions(command: Command): Command {
  return command
    .addOption(new Option('-e, --env <env>', 'environment: config/<env>.json').choices(['devl', 'test', 'prod']).default('devl'))
    .option('--region <region>', 'AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the config file, the profile\'s region)')
    .option('--profile <profile>', 'named AWS profile (else AWS_PROFILE, then the config file)')
    .addOption(new Option('--config-dir <dir>', 'folder of <env>.json').hideHelp())
    .addOption(new Option('--dist <dir>', 'folder of the build, manifest and outputs').hideHelp());
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

/** Adds `--json`: one JSON document on stdout instead of the readable lines (progress stays on stderr). */
export function withJsonOption(command: Command): Command {
  return command.option('--json', 'print one JSON document on stdout (for CI); progress and the AWS line go to stderr');
}
