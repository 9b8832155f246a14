/**
 * Destroy's wait for the batches in flight of the disabled event source mapping
 * (aws-sdk-client-mock, a test clock): what it polls, how long it sleeps, what it says, its bound.
 */
import { GetEventSourceMappingCommand, GetFunctionConfigurationCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { recordingReporter } from '../../../test/support/reporter';
import { DISABLE_MARGIN_SECONDS, waitForMappingIdle, type QuiesceClock } from './quiesce';

const MAPPING = 'a1b2c3d4-5678-90ab-cdef-11111EXAMPLE';
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/111122223333/bellflower-root-stack-devl-SQSQueue-1';
const lambda = mockClient(LambdaClient);
const sqs = mockClient(SQSClient);
afterAll(() => {
  lambda.restore();
  sqs.restore();
});
const clients = { lambda: new LambdaClient({ region: 'eu-west-1' }), sqs: new SQSClient({ region: 'eu-west-1' }) };

/** A clock that advances only when slept on, recording every sleep. */
function testClock(): QuiesceClock & { readonly sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

/** The mapping reports these states, the queue these counts of messages not visible, one per poll (the last repeats). */
function observe(states: readonly string[], notVisible: readonly number[], timeout = 30): void {
  let polls = 0;
  lambda.on(GetEventSourceMappingCommand, { UUID: MAPPING }).callsFake(() => ({
    UUID: MAPPING,
    State: states[Math.min(polls++, states.length - 1)],
    EventSourceArn: 'arn:aws:sqs:eu-west-1:111122223333:bellflower-root-stack-devl-SQSQueue-1',
    FunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:bellflower-integration-lambda-devl-eu-west-1',
  }));
  lambda.on(GetFunctionConfigurationCommand).resolves({ Timeout: timeout });
  sqs.on(GetQueueUrlCommand, { QueueName: 'bellflower-root-stack-devl-SQSQueue-1', QueueOwnerAWSAccountId: '111122223333' }).resolves({ QueueUrl: QUEUE_URL });
  let reads = 0;
  sqs.on(GetQueueAttributesCommand, { QueueUrl: QUEUE_URL, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }).callsFake(() => ({
    Attributes: { ApproximateNumberOfMessagesNotVisible: String(notVisible[Math.min(reads++, notVisible.length - 1)]) },
  }));
}

beforeEach(() => {
  lambda.reset();
  sqs.reset();
});

describe('waitForMappingIdle: the disabled mapping reports Disabled and its queue has no message in flight', () => {
  it('polls the mapping and the queue, 1 s then 2 s then 4 s apart, until Disabled with nothing in flight, and says what it waited for', async () => {
    observe(['Disabling', 'Disabling', 'Disabled', 'Disabled'], [3, 2, 1, 0]);
    const clock = testClock();
    const reporter = recordingReporter();

    await waitForMappingIdle(clients, MAPPING, reporter, clock);

    expect(clock.sleeps).toEqual([1000, 2000, 4000]);
    expect(lambda.commandCalls(GetEventSourceMappingCommand)).toHaveLength(4);
    expect(sqs.commandCalls(GetQueueAttributesCommand)).toHaveLength(4);
    expect(reporter.lines).toEqual([
      `event source mapping ${MAPPING}: waiting for the batches in flight until it reports Disabled and bellflower-root-stack-devl-SQSQueue-1 has no message in flight (at most ${30 + DISABLE_MARGIN_SECONDS} s: the function's timeout 30 s + ${DISABLE_MARGIN_SECONDS} s)`,
      `event source mapping ${MAPPING}: Disabled, no message in flight after 7.0 s (at first: Disabling, 3 in flight)`,
    ]);
  });

  it('keeps waiting while the mapping says Disabled but a message is still in flight', async () => {
    observe(['Disabled'], [1, 1, 0]);
    const clock = testClock();

    await waitForMappingIdle(clients, MAPPING, recordingReporter(), clock);

    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it('keeps waiting while nothing is in flight but the mapping is still Disabling', async () => {
    observe(['Disabling', 'Disabling', 'Disabled'], [0]);
    const clock = testClock();

    await waitForMappingIdle(clients, MAPPING, recordingReporter(), clock);

    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it('returns without sleeping when the mapping is already Disabled with nothing in flight', async () => {
    observe(['Disabled'], [0]);
    const clock = testClock();

    await waitForMappingIdle(clients, MAPPING, recordingReporter(), clock);

    expect(clock.sleeps).toEqual([]);
  });

  it('stops at its bound (the function timeout plus the margin), polling at most 5 s apart, says so and goes on', async () => {
    observe(['Disabling'], [2], 3);
    const clock = testClock();
    const reporter = recordingReporter();

    await waitForMappingIdle(clients, MAPPING, reporter, clock);

    const bound = (3 + DISABLE_MARGIN_SECONDS) * 1000;
    expect(Math.max(...clock.sleeps)).toBe(5000);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(bound);
    expect(clock.sleeps.reduce((a, b) => a + b, 0) - clock.sleeps.at(-1)!).toBeLessThan(bound);
    expect(reporter.lines.at(-1)).toBe(
      `warning: event source mapping ${MAPPING}: still Disabling, 2 messages not visible after ${3 + DISABLE_MARGIN_SECONDS} s; going on: no invocation begun before the disable outlives the function's timeout (3 s), and a failed message waits out its visibility timeout without writing`,
    );
  });

  it('stops waiting when the mapping is gone (deleted meanwhile)', async () => {
    observe(['Disabling'], [1]);
    let polls = 0;
    lambda.on(GetEventSourceMappingCommand).callsFake(() => {
      if (polls++ > 0) throw new ResourceNotFoundException({ message: 'The resource you requested does not exist.', $metadata: {} });
      return { UUID: MAPPING, State: 'Disabling', EventSourceArn: 'arn:aws:sqs:eu-west-1:111122223333:bellflower-root-stack-devl-SQSQueue-1' };
    });
    const clock = testClock();

    await waitForMappingIdle(clients, MAPPING, recordingReporter(), clock);

    expect(clock.sleeps).toEqual([1000]);
  });

  it('waits for the mapping alone when its queue and function are already gone, bounded by Lambda\'s largest timeout', async () => {
    observe(['Disabling', 'Disabled'], [0]);
    sqs.on(GetQueueUrlCommand).rejects(Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist' }));
    lambda.on(GetFunctionConfigurationCommand).rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
    const clock = testClock();
    const reporter = recordingReporter();

    await waitForMappingIdle(clients, MAPPING, reporter, clock);

    expect(clock.sleeps).toEqual([1000]);
    expect(sqs.commandCalls(GetQueueAttributesCommand)).toEqual([]);
    expect(reporter.lines[0]).toContain(`(at most ${900 + DISABLE_MARGIN_SECONDS} s: the function's timeout 900 s`);
  });

  it('rejects, naming the function, when its timeout cannot be read for another reason', async () => {
    observe(['Disabling'], [1]);
    lambda.on(GetFunctionConfigurationCommand).rejects(Object.assign(new Error('not authorized to perform: lambda:GetFunctionConfiguration'), { name: 'AccessDeniedException' }));

    await expect(waitForMappingIdle(clients, MAPPING, recordingReporter(), testClock())).rejects.toThrow(
      /^cannot read the timeout of arn:aws:lambda:eu-west-1:111122223333:function:bellflower-integration-lambda-devl-eu-west-1 while waiting for the batches in flight of event source mapping a1b2c3d4-5678-90ab-cdef-11111EXAMPLE: not authorized/,
    );
  });

  it('rejects, naming the queue, when the messages in flight cannot be read', async () => {
    observe(['Disabling'], [1]);
    sqs.on(GetQueueAttributesCommand).rejects(Object.assign(new Error('not authorized to perform: sqs:GetQueueAttributes'), { name: 'AccessDenied' }));

    await expect(waitForMappingIdle(clients, MAPPING, recordingReporter(), testClock())).rejects.toThrow(
      `cannot read the messages in flight of ${QUEUE_URL}: not authorized to perform: sqs:GetQueueAttributes`,
    );
  });
});
