/**
 * For `npm run local -- --json`: standard output carries the JSON report alone. The handler
 * bundles run in this process and log through their own `Console` on `process.stdout` (Powertools
 * writes INFO and DEBUG there, as Lambda expects); the bundles are run unmodified, so their
 * output is diverted to standard error at the stream instead.
 */

/** A diversion of `process.stdout` to `process.stderr`. */
export interface StdoutDiversion {
  /** Writes to the real standard output. */
  write(text: string): void;
  /** Puts `process.stdout.write` back. */
  restore(): void;
}

/** Sends everything written to `process.stdout` to `process.stderr` until {@link StdoutDiversion.restore}. */
export function divertStdout(): StdoutDiversion {
  const stdout = process.stdout;
  const original = stdout.write;
  stdout.write = process.stderr.write.bind(process.stderr) as typeof stdout.write;
  return {
    write: (text) => {
      original.call(stdout, text);
    },
    restore: () => {
      stdout.write = original;
    },
  };
}
