/**
 * The light half of the command layer, shared by every command: flag parsers and the one way a
 * command fails (one line per problem on stderr, exit code 1). It loads no AWS SDK, so that
 * `npm run synth` and `npm run build` start fast; `cli.ts` adds configuration and clients.
 */
import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError } from 'commander';
import type { Reporter } from './reporter';

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
