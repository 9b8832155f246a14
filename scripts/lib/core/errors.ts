/**
 * The errors a command ends with. Every error of the library derives from {@link BellflowerError},
 * which carries the exit code the command ends with and, where there is one, what to do about it
 * (`hint`); the command layer prints one line per failure and exits with that code. Any other
 * error (a bug, an SDK error the library did not wrap) ends the command with exit code 1.
 */

/** The exit codes of every command, as shells and CI expect them. */
export const EXIT_CODES = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** Base of the library's errors: the exit code a command ends with, and what to do (when known). */
export class BellflowerError extends Error {
  /** The exit code of a command that fails with this error. */
  readonly exitCode: number = EXIT_CODES.failure;
  /** What the user can do about it, when the message alone does not say. */
  readonly hint?: string;
}

/** The command line was wrong (a flag's value, a missing companion flag): exit code 2. */
export class UsageError extends BellflowerError {
  override readonly name = 'UsageError';
  override readonly exitCode: number = EXIT_CODES.usage;
}

/** The user stopped the command (Ctrl-C at a question): exit code 130. */
export class InterruptedError extends BellflowerError {
  override readonly name = 'InterruptedError';
  override readonly exitCode: number = EXIT_CODES.interrupted;
  constructor(message = 'interrupted', options?: ErrorOptions) {
    super(message, options);
  }
}

/** A check found problems before anything was changed; each problem is printed on its own line. */
export class PreflightError extends BellflowerError {
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

/** The exit code of a failed command: the error's own ({@link BellflowerError}), else 1. */
export function exitCodeOf(error: unknown): number {
  return error instanceof BellflowerError ? error.exitCode : EXIT_CODES.failure;
}
