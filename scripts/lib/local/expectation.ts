/**
 * Which end of a local run its mode expects; `npm run local` exits non-zero otherwise.
 */
import { STATES } from '../../../asl/state-machine';
import type { ExecutionReport } from './engine';
import type { ExecutionStatus } from './timeline';

/** The mode of a local run, as the flags chose it. */
export interface RunMode {
  /** Nobody answers automatically; the user answers (or the wait times out). */
  readonly manual?: boolean;
  readonly failProcessing?: boolean;
  /** The automatic answer; 'none' when nobody answers. */
  readonly answer: 'success' | 'failure' | 'none';
}

/** The verdict on a report. */
export interface Expectation {
  readonly met: boolean;
  /** What the mode expects, in words: `SUCCEEDED`, `FAILED`, `SUCCEEDED or FAILED at "Wait For Response"`. */
  readonly expected: string;
}

/** True when the run failed in "Wait For Response": failure.json answered, or the wait timed out. */
function failedWaiting(report: ExecutionReport): boolean {
  return report.timeline.some((e) => e.kind === 'state-failed' && e.state === STATES.waitForResponse && e.error === report.error);
}

/**
 * Judges a report against the mode. In manual mode only what an answer can produce counts: success
 * (SUCCEEDED), or a failure in "Wait For Response" (failure.json, or the callback timeout); an
 * aborted run, or one failed elsewhere, is not expected.
 */
export function judge(mode: RunMode, report: ExecutionReport): Expectation {
  const status: ExecutionStatus = report.status;
  if (mode.failProcessing) return { met: status === 'FAILED', expected: 'FAILED' };
  if (mode.manual) {
    return {
      met: status === 'SUCCEEDED' || (status === 'FAILED' && failedWaiting(report)),
      expected: `SUCCEEDED or FAILED at "${STATES.waitForResponse}"`,
    };
  }
  const expected = mode.answer === 'success' ? 'SUCCEEDED' : 'FAILED';
  return { met: status === expected, expected };
}
