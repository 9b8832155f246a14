/**
 * How the library reports progress without printing: the command passes a {@link Reporter}
 * ({@link terminalReporter}), tests pass a recording one (`test/support/reporter.ts`).
 */

/** Receives human-readable lines from the library. */
export interface Reporter {
  /** A line to keep (a created bucket, a stack event, a result). */
  info(line: string): void;
  /** A status line that replaces the previous one (on a terminal) until {@link progressDone}. */
  progress(line: string): void;
  /** Ends the current status line. */
  progressDone(): void;
}

/** Reporter that drops everything. */
export const silentReporter: Reporter = {
  info: () => undefined,
  progress: () => undefined,
  progressDone: () => undefined,
};

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
