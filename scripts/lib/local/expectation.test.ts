import { describe, expect, it } from 'vitest';
import { STATES } from '../../../asl/state-machine';
import type { ExecutionReport } from './engine';
import { judge } from './expectation';
import type { TimelineEntry } from './timeline';

function report(status: ExecutionReport['status'], failedState?: string, error = 'E'): ExecutionReport {
  const timeline: TimelineEntry[] = failedState ? [{ at: 1, kind: 'state-failed', state: failedState, error, cause: '' }] : [];
  return { name: 'n', executionArn: 'arn', status, startedAt: 0, durationMs: 1, timeline, ...(failedState ? { error } : {}) };
}

describe('judge', () => {
  it('expects in manual mode only what an answer can produce', () => {
    const manual = { manual: true, answer: 'none' } as const;

    expect(judge(manual, report('SUCCEEDED')).met).toBe(true);
    expect(judge(manual, report('FAILED', STATES.waitForResponse, 'Rejected')).met).toBe(true);
    expect(judge(manual, report('FAILED', STATES.waitForResponse, 'States.Timeout')).met).toBe(true);
  });

  it('rejects an aborted run, or one failed outside the wait, in manual mode', () => {
    const manual = { manual: true, answer: 'none' } as const;

    expect(judge(manual, report('ABORTED'))).toEqual({ met: false, expected: `SUCCEEDED or FAILED at "${STATES.waitForResponse}"` });
    expect(judge(manual, report('FAILED', STATES.processing)).met).toBe(false);
  });

  it('expects the status the automatic answer produces', () => {
    expect(judge({ answer: 'success' }, report('SUCCEEDED')).met).toBe(true);
    expect(judge({ answer: 'failure' }, report('SUCCEEDED'))).toEqual({ met: false, expected: 'FAILED' });
    expect(judge({ answer: 'success', failProcessing: true }, report('FAILED', STATES.processing)).met).toBe(true);
  });
});
