import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { STATES } from '../../../asl/state-machine';
import { conservation, endStatus, errorGroups, loadFigures, percentiles, settledQueues, stageTimes, type BucketObservation } from './report';
import { LOAD_FAILURE_ERROR, type ExecutionRecord } from './run';

const ID = '2f1c9a8e-3b7d-4e21-9c55-0d6a1b2c3d4e';
const t = (ms: number): Date => new Date(1_000_000 + ms);

/** The history of an execution that went the whole way, answered `answer`, with one notification. */
function history(answer: 'success' | 'failure', notifications = 1): HistoryEvent[] {
  const publish = answer === 'success' ? STATES.publishSuccess : STATES.publishFailure;
  const events: HistoryEvent[] = [
    { type: 'ExecutionStarted', timestamp: t(0), id: 1 },
    { type: 'TaskStateEntered', timestamp: t(10), stateEnteredEventDetails: { name: STATES.processing } } as HistoryEvent,
    { type: 'TaskStateExited', timestamp: t(510), stateExitedEventDetails: { name: STATES.processing } } as HistoryEvent,
    { type: 'TaskStateEntered', timestamp: t(520), stateEnteredEventDetails: { name: STATES.waitForResponse } } as HistoryEvent,
    answer === 'success'
      ? ({ type: 'TaskSucceeded', timestamp: t(2_000), taskSucceededEventDetails: { resourceType: 'sqs' } } as HistoryEvent)
      : ({ type: 'TaskFailed', timestamp: t(2_000), taskFailedEventDetails: { resourceType: 'sqs', error: LOAD_FAILURE_ERROR } } as HistoryEvent),
    { type: 'TaskStateEntered', timestamp: t(2_010), stateEnteredEventDetails: { name: publish } } as HistoryEvent,
    ...Array.from({ length: notifications }, () => ({ type: 'TaskSucceeded', timestamp: t(2_100), taskSucceededEventDetails: { resourceType: 'sns' } }) as HistoryEvent),
    { type: 'TaskStateExited', timestamp: t(2_110), stateExitedEventDetails: { name: publish } } as HistoryEvent,
    answer === 'success'
      ? ({ type: 'ExecutionSucceeded', timestamp: t(2_120) } as HistoryEvent)
      : ({ type: 'ExecutionFailed', timestamp: t(2_120), executionFailedEventDetails: { error: LOAD_FAILURE_ERROR, cause: 'no' } } as HistoryEvent),
  ];
  return events;
}

const record = (answer: 'success' | 'failure', overrides: Partial<ExecutionRecord> = {}): ExecutionRecord => ({
  index: 0,
  plan: answer,
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:sm:load-1',
  executionId: ID,
  tokenSeenAt: 1_000_000 + 900,
  answerWrittenAt: 1_000_000 + 1_500,
  history: history(answer),
  ...overrides,
});

const bucket = (ids: string[], inbound: string[]): BucketObservation => ({ outboundIds: new Set(ids), tokenIds: new Set(ids), inboundKeys: new Set(inbound) });

describe('percentiles', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(values)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(percentiles([7])).toEqual({ count: 1, p50: 7, p95: 7, p99: 7, max: 7 });
    expect(percentiles([])).toBeUndefined();
  });
});

describe('stageTimes', () => {
  it('measures each stage from the history and the times the load saw', () => {
    expect(stageTimes(record('success'))).toEqual({ processing: 500, callbackToOutbound: 380, answerToResume: 500, publish: 100, endToEnd: 2_120 });
  });

  it('leaves out the stages an execution did not reach', () => {
    const processingOnly = record('success', { history: history('success').slice(0, 3), tokenSeenAt: undefined, answerWrittenAt: undefined });
    expect(stageTimes(processingOnly)).toEqual({ processing: 500 });
    expect(endStatus(processingOnly)).toBe('RUNNING');
  });
});

describe('conservation', () => {
  const clean = { before: bucket([], []), after: bucket([ID], [`inbound/${ID}/success.json`]), queues: [{ name: 'q', url: 'u', messages: 0, inFlight: 0 }] };

  it('is clean when every execution ended as answered and nothing is left over', () => {
    expect(conservation({ records: [record('success')], ...clean }).every((check) => check.ok)).toBe(true);
  });

  it('fails a queue that still holds a message', () => {
    const checks = conservation({ records: [record('success')], ...clean, queues: [{ name: 'dlq', url: 'u', messages: 1, inFlight: 0 }] });
    expect(checks.filter((check) => !check.ok).map((check) => check.check)).toEqual(['queue dlq empty']);
  });

  it('fails an outbound folder no execution of the load owns, and an answer that is missing', () => {
    const stray = '11111111-2222-4333-8444-555555555555';
    const checks = conservation({ records: [record('success')], ...clean, after: bucket([ID, stray], []) });
    expect(checks.filter((check) => !check.ok).map((check) => check.check)).toEqual(['every outbound folder accounted for', 'every inbound answer accounted for']);
    expect(checks.find((check) => check.check === 'every outbound folder accounted for')?.detail).toContain(stray);
  });

  it('fails an answer not consumed and an end the answer does not explain', () => {
    // Answered failure, but the wait timed out: the answer was never used.
    const timedOut = history('failure').map((event) => (event.type === 'TaskFailed' ? ({ ...event, type: 'TaskTimedOut' } as HistoryEvent) : event));
    const checks = conservation({ records: [record('failure', { history: timedOut })], ...clean, after: bucket([ID], [`inbound/${ID}/failure.json`]) });
    expect(checks.filter((check) => !check.ok).map((check) => check.check)).toEqual(['every answer consumed']);
    const wrongEnd = record('success', { history: history('failure') });
    expect(conservation({ records: [wrongEnd], ...clean }).filter((check) => !check.ok).map((check) => check.check)).toContain('every execution ended as its answer asks');
  });

  it('fails an execution the load had to stop, without asking it for a notification', () => {
    const aborted = [...history('success').slice(0, 4), { type: 'ExecutionAborted', timestamp: t(9_000) } as HistoryEvent];
    const checks = conservation({ records: [record('success', { history: aborted, stopped: true, answerWrittenAt: undefined })], ...clean, after: bucket([ID], []) });
    expect(checks.filter((check) => !check.ok).map((check) => check.check)).toEqual(['every execution ended as its answer asks']);
  });

  it('fails two notifications for one execution', () => {
    const checks = conservation({ records: [record('success', { history: history('success', 2) })], ...clean });
    expect(checks.filter((check) => !check.ok).map((check) => check.check)).toEqual(['one notification per execution']);
  });
});

describe('errorGroups and loadFigures', () => {
  it('groups errors by type with one example, and counts statuses and throughput', () => {
    const records = [
      record('success'),
      record('success', { error: { type: 'ThrottlingException', message: 'slow down' } }),
      record('success', { error: { type: 'ThrottlingException', message: 'again' } }),
      record('success', { history: history('failure') }),
    ];
    expect(errorGroups(records)).toEqual([
      { type: 'ThrottlingException', count: 2, example: 'slow down' },
      { type: `ended FAILED (${LOAD_FAILURE_ERROR}), expected SUCCEEDED`, count: 1, example: expect.stringContaining('no') },
    ]);
    const figures = loadFigures({ records, startedAt: 0, endedAt: 2_000, interrupted: false, executionsAsked: 4 });
    expect(figures.executions).toEqual({ asked: 4, started: 4, ended: 4, byStatus: { SUCCEEDED: 3, FAILED: 1 } });
    expect(figures.throughputPerSecond).toBe(2);
    expect(figures.stagesMs.processing?.p50).toBe(500);
  });
});

describe('settledQueues', () => {
  const sqs = mockClient(SQSClient);
  afterAll(() => sqs.restore());
  const attributes = (visible: number, inFlight: number) => ({ Attributes: { ApproximateNumberOfMessages: String(visible), ApproximateNumberOfMessagesNotVisible: String(inFlight), ApproximateNumberOfMessagesDelayed: '0' } });
  /** A clock the sleeps advance, so that the bound is reached without waiting. */
  const clock = () => {
    let time = 0;
    return { now: () => time, sleep: async (ms: number) => void (time += ms) };
  };

  it('reads again while messages of the last batches are in flight, and counts the queue once they are deleted', async () => {
    sqs.reset();
    sqs.on(GetQueueAttributesCommand).resolvesOnce(attributes(0, 10)).resolvesOnce(attributes(0, 4)).resolves(attributes(0, 0));
    const [queue] = await settledQueues(new SQSClient({ region: 'us-east-1' }), ['https://sqs/q'], clock());
    expect(queue).toEqual({ name: 'q', url: 'https://sqs/q', messages: 0, inFlight: 0 });
    expect(sqs.commandCalls(GetQueueAttributesCommand)).toHaveLength(3);
  });

  it('fails the check with what is left when messages stay in flight past the bound (a failing batch)', async () => {
    sqs.reset();
    sqs.on(GetQueueAttributesCommand).resolves(attributes(1, 3));
    const [queue] = await settledQueues(new SQSClient({ region: 'us-east-1' }), ['https://sqs/q'], { ...clock(), boundMs: 5_000, pollMs: 1_000 });
    expect(queue).toMatchObject({ messages: 4, inFlight: 3 });
    expect(sqs.commandCalls(GetQueueAttributesCommand)).toHaveLength(6);
  });
});
