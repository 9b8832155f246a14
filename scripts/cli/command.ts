/**
 * The command layer's plumbing, shared by every command: what a command is
 * ({@link BellflowerCommand}: a name, its options, and `run`; nothing runs when its module is
 * imported), how the program parses and runs one ({@link runCommand}), the shared flags and their
 * parsers, and the one way a command ends (one line per problem on stderr; exit code 0 ok,
 * 1 failure, 2 usage error, 130 interrupted: see `lib/core/errors.ts`). It loads no AWS SDK, so
 * that `bellflower --help`, `synth` and `build` start fast; `context.ts` adds configuration and
 * clients, loaded by each command's `run`.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { awsAccessCause } from '../lib/core/aws-errors';
import { IAM_ROLE_ARN } from '../lib/core/patterns';
import { ENVIRONMENT_NAME, isEnvironmentName } from '../../templates/names';
import { EXIT_CODES, exitCodeOf, InterruptedError, messageOf, PreflightError } from '../lib/core/errors';

/** What a command's `run` receives. */
export interface CommandRun<Flags> {
  /** The parsed flags (commander's `opts()`). */
  readonly flags: Flags;
  /** The positional arguments, in the order the command declares them. */
  readonly args: readonly string[];
  /** The parsed command (where a value came from: `getOptionValueSource`). */
  readonly parsed: Command;
}

/**
 * One command of the binary: `options` declares its description, arguments and flags on a fresh
 * commander command; `run` does the work and throws on failure (a {@link BellflowerError} picks
 * the exit code). Importing a command's module runs nothing.
 */
export interface BellflowerCommand<Flags = Record<string, unknown>> {
  readonly name: string;
  readonly options: (command: Command) => Command;
  readonly run: (context: CommandRun<Flags>) => Promise<void>;
}

/** The commander command of `command`, named as the user typed it (`bellflower deploy`), whose action runs it. */
export function commanderCommand<Flags>(command: BellflowerCommand<Flags>, displayName: string = command.name): Command {
  const parsed = command.options(new Command(command.name)).name(displayName);
  return parsed.action(async (...values: unknown[]) => {
    const flags = values.at(-2) as Flags;
    const args = values.slice(0, -2).map((value) => value as string);
    await run(command.name, () => command.run({ flags, args, parsed }));
  });
}

/**
 * Parses `args` (those after the command's name) for `command` and runs it. Usage errors (unknown
 * option, bad value) exit with 2, help with 0.
 */
export async function runCommand<Flags>(command: BellflowerCommand<Flags>, args: readonly string[], displayName?: string): Promise<void> {
  await parseProgram(commanderCommand(command, displayName), args);
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

/**
 * Asks a yes/no question on the terminal; false without a TTY. Ctrl-C at the question throws
 * {@link InterruptedError} (exit code 130).
 */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  // Loaded here: readline and the streams it needs would cost every command's start-up.
  const { createInterface } = await import('node:readline/promises');
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
 * Parses `args` with `program` and runs its action. Usage errors (unknown option, bad value) exit
 * with 2, help and `--version` with 0.
 */
export async function parseProgram(program: Command, args: readonly string[]): Promise<void> {
  handleInterrupts();
  throwOnUsageErrors(program);
  try {
    await program.parseAsync([...args], { from: 'user' });
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

/** `--role-arn` of deploy, diff and destroy (`--cfn-role-arn`: its earlier name, hidden). */
export interface CfnRoleFlags {
  readonly roleArn?: string;
  readonly cfnRoleArn?: string;
}

/** The `--role-arn` value, under either name. */
export function cfnRoleFlag(flags: CfnRoleFlags): string | undefined {
  return flags.roleArn ?? flags.cfnRoleArn;
}

/**
 * Adds `--role-arn <arn|none>` (the CDK and SAM CLIs' name): the role CloudFormation assumes
 * instead of the recorded execution role. `--cfn-role-arn`, its earlier name, stays as a hidden alias.
 */
export function withCfnRoleOption(command: Command): Command {
  const roleArn = (flag: string) => (value: string) => {
    if (value !== 'none' && !IAM_ROLE_ARN.test(value)) throw new InvalidArgumentError(`${flag} must be an IAM role ARN (arn:aws:iam::<account>:role/<name>) or none, got "${value}"`);
    return value;
  };
  return command
    .addOption(
      new Option('--role-arn <arn|none>', "role CloudFormation assumes for the stacks (default: the execution role bootstrap recorded); none: the caller's credentials").argParser(
        roleArn('--role-arn'),
      ),
    )
    .addOption(new Option('--cfn-role-arn <arn|none>', 'the earlier name of --role-arn').argParser(roleArn('--cfn-role-arn')).conflicts('roleArn').hideHelp());
}

/** Flags of the commands that publish, deploy, diff or destroy. */
export interface CommonFlags extends EnvironmentFlags {
  readonly parameter: readonly string[];
}

/** Adds `-e, --env`, `--region` and `--profile` (and the hidden `--config-dir` and `--dist`). */
export function withEnvironmentOptions(command: Command): Command {
  return command
    .addOption(
      new Option('-e, --env <env>', 'environment: any name with a config/<env>.json (shipped: devl, test, prod)')
        .argParser((value) => {
          if (!isEnvironmentName(value)) throw new InvalidArgumentError(`--env "${value}" is not an environment name: ${ENVIRONMENT_NAME.rule}`);
          return value;
        })
        .default('devl'),
    )
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
