import { describe, expect, it } from 'vitest';
import { PLAIN_PROGRESS_INTERVAL_MS, terminalReporter } from './reporter';

/** A stream that records what is written; a terminal or not. */
function recorder(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = { isTTY, columns: 80, write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

describe('terminal reporter', () => {
  it('writes progress to a log at most every interval, and the last state when done', () => {
    const { stream, text } = recorder(false);
    let clock = 0;
    const reporter = terminalReporter(stream, () => clock);
    for (let part = 1; part <= 30; part++) {
      reporter.progress(`upload: ${part}/30`);
      clock += 100;
    }
    reporter.progressDone();
    reporter.info('published');
    const lines = text().trimEnd().split('\n');
    // 3 s of progress at one line per 2 s: the first, the one after 2 s, then the final state.
    expect(lines).toEqual(['upload: 1/30', `upload: ${PLAIN_PROGRESS_INTERVAL_MS / 100 + 1}/30`, 'upload: 30/30', 'published']);
  });

  it('rewrites one status line on a terminal and ends it before the next line', () => {
    const { stream, text } = recorder(true);
    const reporter = terminalReporter(stream);
    reporter.progress('upload: 1/2');
    reporter.progress('upload: 2/2');
    reporter.info('published');
    expect(text()).toBe('\rupload: 1/2\rupload: 2/2\npublished\n');
  });
});
