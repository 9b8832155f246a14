import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { STATES } from '../../../asl/state-machine';
import { history } from '../../../test/support/execution-history';
import { currentWait, formatSeconds, waitLine, WaitDisplay } from './wait';

const ID = '8c1e3f0a-1b2c-4d5e-8f90-123456789abc';

/** The fixture's history up to the wait's TaskScheduled (and TaskStarted), with the timeouts in force. */
function waiting(details: { timeoutInSeconds?: number; heartbeatInSeconds?: number } = { timeoutInSeconds: 600 }): HistoryEvent[] {
  const events = history(ID);
  const index = events.findIndex((event) => event.taskScheduledEventDetails?.resource === 'sendMessage.waitForTaskToken');
  const scheduled = events[index]!;
  const started: HistoryEvent = { id: 99, type: 'TaskStarted', timestamp: new Date(new Date(scheduled.timestamp!).getTime() + 40), taskStartedEventDetails: { resourceType: 'sqs', resource: 'sendMessage.waitForTaskToken' } };
  return [...events.slice(0, index), { ...scheduled, taskScheduledEventDetails: { ...scheduled.taskScheduledEventDetails!, ...details } }, started];
}

describe('the wait of an execution for its answer', () => {
  it('is the waitForTaskToken task under way: its state, its start, the outbound folder and the timeouts in force', () => {
    const events = waiting({ timeoutInSeconds: 600, heartbeatInSeconds: 60 });
    expect(currentWait(events)).toEqual({
      state: STATES.waitForResponse,
      since: new Date(events.at(-1)!.timestamp!).getTime(),
      outboundFolder: `outbound/${ID}/`,
      timeoutSeconds: 600,
      heartbeatSeconds: 60,
    });
  });

  it('is over once the task ends (the answer came) or the execution ends, and none before the task starts', () => {
    expect(currentWait(history(ID))).toBeUndefined();
    const events = history(ID);
    const answered = events.findIndex((event) => event.taskSucceededEventDetails?.resource === 'sendMessage.waitForTaskToken');
    expect(currentWait(events.slice(0, answered))).toBeDefined();
    expect(currentWait(events.slice(0, answered + 1))).toBeUndefined();
    expect(currentWait(events.slice(0, answered - 1))).toBeUndefined();
  });

  it('says the state, since when (timestamp and elapsed), the outbound folder and the timeout left', () => {
    const wait = currentWait(waiting())!;
    expect(waitLine(wait, wait.since + 125_000)).toBe(
      `waiting in "Wait For Response" since ${new Date(wait.since).toISOString().replace(/\.\d{3}Z$/, 'Z')} (2m 05s) for the answer to outbound/${ID}/; times out in 7m 55s (TimeoutSeconds 600)`,
    );
    expect(waitLine(wait, wait.since + 600_500)).toMatch(/; timeout due now \(TimeoutSeconds 600\)$/);
    expect(waitLine(currentWait(waiting({ timeoutInSeconds: 86_400, heartbeatInSeconds: 300 }))!, wait.since)).toMatch(/; times out in 24h 00m \(TimeoutSeconds 86400\); a heartbeat is due every 5m 00s \(HeartbeatSeconds\)$/);
    expect(formatSeconds(3_725)).toBe('1h 02m');
  });

  it('prints in a pipe a line when a wait begins, then at most one a minute', () => {
    const written: string[] = [];
    let now = 0;
    const display = new WaitDisplay({ write: (text) => written.push(text), tty: false, now: () => now });
    const wait = currentWait(waiting())!;
    now = wait.since + 1_000;
    display.show(wait);
    now += 2_000;
    display.show(wait);
    now += 30_000;
    display.show(wait);
    expect(written).toHaveLength(1);
    now += 30_000;
    display.show(wait);
    expect(written).toHaveLength(2);
    expect(written[1]).toMatch(/\(1m 03s\) .*times out in 8m 57s/);
    expect(written.every((text) => text.endsWith('\n') && !text.includes('\x1b'))).toBe(true);
    display.show(undefined);
    display.show(wait);
    expect(written).toHaveLength(3);
  });

  it('updates one line in place on a terminal, erased before a timeline line and when the wait ends', () => {
    const written: string[] = [];
    const display = new WaitDisplay({ write: (text) => written.push(text), tty: true, now: () => 0 });
    const wait = currentWait(waiting())!;
    display.show(wait);
    display.show(wait);
    expect(written.map((text) => text.startsWith('\r\x1b[2Kwaiting in') && !text.includes('\n'))).toEqual([true, true]);
    display.clear();
    display.clear();
    display.show(undefined);
    expect(written.slice(2)).toEqual(['\r\x1b[2K']);
  });
});
