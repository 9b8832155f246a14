/**
 * The page's summary from the two sources that feed it: a deployed execution's history (what
 * `npm run watch -- --report` reads) and the local engine's timeline (covered in the browser test).
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { buildStateMachine, STATES } from '../../../asl/state-machine';
import { HistoryTimeline } from '../workflow/execution';
import { buildReportPage, summarizeRun } from './report';

/** The history of an execution whose processing failed three times (AWS's event types and details). */
function processingFailureHistory(): HistoryEvent[] {
  let t = Date.parse('2026-01-01T00:00:00Z');
  const at = (ms: number): Date => new Date((t += ms));
  const failure = { error: 'SimulatedProcessingError', cause: '{"errorMessage":"simulateFailure is true"}' };
  const attempt = (): HistoryEvent[] => [
    { type: 'TaskScheduled', timestamp: at(5), id: 0, taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: '{}' } },
    { type: 'TaskFailed', timestamp: at(100), id: 0, taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', ...failure } },
  ];
  return [
    { type: 'ExecutionStarted', timestamp: at(0), id: 1, executionStartedEventDetails: { input: '{"simulateFailure":true}' } },
    { type: 'TaskStateEntered', timestamp: at(1), id: 2, stateEnteredEventDetails: { name: STATES.processing } },
    ...attempt(),
    ...attempt(),
    ...attempt(),
    { type: 'TaskStateExited', timestamp: at(1), id: 9, stateExitedEventDetails: { name: STATES.processing } },
    { type: 'TaskStateEntered', timestamp: at(1), id: 10, stateEnteredEventDetails: { name: STATES.publishFailure } },
    { type: 'TaskScheduled', timestamp: at(1), id: 11, taskScheduledEventDetails: { resourceType: 'sns', resource: 'publish', region: 'us-east-1', parameters: '{"Subject":"Bellflower execution failed","Message":{}}' } },
    { type: 'TaskSucceeded', timestamp: at(30), id: 12, taskSucceededEventDetails: { resourceType: 'sns', resource: 'publish', output: '{}' } },
    { type: 'TaskStateExited', timestamp: at(1), id: 13, stateExitedEventDetails: { name: STATES.publishFailure } },
    { type: 'FailStateEntered', timestamp: at(1), id: 14, stateEnteredEventDetails: { name: STATES.fail } },
    { type: 'ExecutionFailed', timestamp: at(1), id: 15, executionFailedEventDetails: failure },
  ];
}

describe('report summary', () => {
  it('draws a deployed execution from its history as the local run does: path, attempts, the failing state', () => {
    const timeline = new HistoryTimeline();
    const entries = processingFailureHistory().flatMap((event) => timeline.add(event));

    const run = summarizeRun(buildStateMachine(), entries, 'exec');

    expect(run).toMatchObject({ status: 'FAILED', error: 'SimulatedProcessingError', path: [STATES.processing, STATES.publishFailure, STATES.fail] });
    expect(run.states.find((s) => s.name === STATES.processing)).toMatchObject({
      attempts: 3,
      retries: 2,
      outcome: 'caught',
      failing: true,
      error: 'SimulatedProcessingError',
      cause: 'simulateFailure is true',
    });
    expect(run.states.find((s) => s.name === STATES.fail)).toMatchObject({ outcome: 'failed', failing: false });
    expect(run.states.find((s) => s.name === STATES.waitForResponse)).toMatchObject({ visits: 0, attempts: 0, outcome: undefined });
    expect(run.edges.filter((e) => e.taken).map((e) => [e.from, e.to, e.kind])).toEqual([
      [STATES.processing, STATES.publishFailure, 'catch'],
      [STATES.publishFailure, STATES.fail, 'next'],
    ]);
    expect(run.bars.map((b) => [b.state, b.endMs - b.startMs])).toEqual([
      [STATES.processing, 316],
      [STATES.publishFailure, 32],
      [STATES.fail, 1],
    ]);
  });

  it('writes a page that needs nothing else: no external reference, data safe inside its script element', () => {
    const timeline = new HistoryTimeline();
    const entries = processingFailureHistory().flatMap((event) => timeline.add(event));

    const page = buildReportPage({ definition: buildStateMachine(), entries, title: '</script><b>x</b>' });

    expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    expect(page).not.toContain('sourceMappingURL');
    expect(page.match(/<\/script>/g)).toHaveLength(3);
    expect(page).toContain('&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;');
  });
});
