/** A reporter that records every `info` line, for assertions. */
import type { Reporter } from '../../scripts/lib/core/reporter';

/** Reporter that records every `info` line (tests). */
export function recordingReporter(): Reporter & { readonly lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (line) => lines.push(line), progress: () => undefined, progressDone: () => undefined };
}
