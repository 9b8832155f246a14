/**
 * How the library reports progress without printing: the command passes a {@link Reporter}
 * (see `cli.ts` for the terminal one), tests pass a recording one.
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

/** Reporter that records every `info` line (tests). */
export function recordingReporter(): Reporter & { readonly lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (line) => lines.push(line), progress: () => undefined, progressDone: () => undefined };
}
