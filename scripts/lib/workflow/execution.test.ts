/**
 * Commands against a deployment. S3 is moto's (respond's checks, the outbound token that
 * start-execution waits for); Step Functions is mocked with aws-sdk-client-mock, because moto's
 * engine runs no Lambda and cannot produce the history of this workflow.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetExecutionHistoryCommand, SFNClient, StartExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STATES } from '../../../asl/state-machine';
import { ROOT_OUTPUTS } from '../../../templates/names';
import { startMoto, type MotoServer } from '../../../test/support/moto';
import { requireTool } from '../../../test/support/tools';
import {
  deploymentTarget,
  executionArnOf,
  ExecutionCommandError,
  executionIdFromHistory,
  followExecution,
  HistoryTimeline,
  respond,
  startExecution,
  waitForExecutionId,
} from './execution';
import { formatTimeline, type TimelineEntry } from '../local/timeline';

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:bellflower-state-machine-devl-us-east-1';
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:bellflower-state-machine-devl-us-east-1:run-1';
const TOKEN = `AAAAKgAAAAIAAAAAAAAAA${'Zm9vYmFy'.repeat(40)}`;

/** The history of a successful execution whose first processing attempt failed. */
function history(executionId: string): HistoryEvent[] {
  let id = 0;
  let t = Date.parse('2026-01-01T00:00:00Z');
  const event = (type: string, details: Partial<HistoryEvent> = {}, ms = 100): HistoryEvent =>
    ({ id: ++id, type, timestamp: new Date((t += ms)), ...details }) as HistoryEvent;
  const output = { order: 1, execution_id: executionId, info: [], status_code: 200 };
  return [
    event('ExecutionStarted', { executionStartedEventDetails: { input: '{"order":1}' } }, 0),
    event('TaskStateEntered', { stateEnteredEventDetails: { name: STATES.processing } }),
    event('TaskScheduled', { taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: '{}' } }),
    event('TaskFailed', { taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'Error', cause: 'boom' } }),
    event('TaskScheduled', { taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: '{}' } }, 5000),
    event('TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: '{}' } }),
    event('TaskStateExited', { stateExitedEventDetails: { name: STATES.processing, output: JSON.stringify(output) } }),
    event('TaskStateEntered', { stateEnteredEventDetails: { name: STATES.waitForResponse } }),
    event('TaskScheduled', {
      taskScheduledEventDetails: {
        resourceType: 'sqs',
        resource: 'sendMessage.waitForTaskToken',
        region: 'us-east-1',
        parameters: JSON.stringify({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q-devl', MessageBody: { Input: output, TaskToken: TOKEN } }),
      },
    }),
    event('TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'sqs', resource: 'sendMessage.waitForTaskToken', output: '{}' } }, 2000),
    event('TaskStateExited', { stateExitedEventDetails: { name: STATES.waitForResponse, output: JSON.stringify(output) } }),
    event('TaskStateEntered', { stateEnteredEventDetails: { name: STATES.publishSuccess } }),
    event('TaskScheduled', {
      taskScheduledEventDetails: {
        resourceType: 'sns',
        resource: 'publish',
        region: 'us-east-1',
        parameters: JSON.stringify({ TopicArn: 't', Subject: 'Bellflower execution succeeded', Message: output }),
      },
    }),
    event('TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'sns', resource: 'publish', output: '{}' } }),
    event('TaskStateExited', { stateExitedEventDetails: { name: STATES.publishSuccess, output: '{}' } }),
    event('SucceedStateEntered', { stateEnteredEventDetails: { name: STATES.success } }),
    event('SucceedStateExited', { stateExitedEventDetails: { name: STATES.success, output: '{}' } }),
    event('ExecutionSucceeded', { executionSucceededEventDetails: { output: '{}' } }),
  ];
}

describe('deployment target and names', () => {
  it('reads the state machine and bucket from the stack outputs', () => {
    const outputs = { [ROOT_OUTPUTS.stepFunctionArn]: STATE_MACHINE, [ROOT_OUTPUTS.s3BucketName]: 'bucket' };
    expect(deploymentTarget(outputs, 'devl')).toEqual({ stateMachineArn: STATE_MACHINE, bucket: 'bucket' });
  });

  it('rejects outputs without the state machine', () => {
    expect(() => deploymentTarget({ [ROOT_OUTPUTS.s3BucketName]: 'b' }, 'devl')).toThrow(/BellflowerStepFunctionArn/);
  });

  it('resolves an execution name against the state machine', () => {
    expect(executionArnOf('run-1', STATE_MACHINE)).toBe(EXECUTION);
    expect(executionArnOf(EXECUTION)).toBe(EXECUTION);
    expect(() => executionArnOf('run-1')).toThrow(ExecutionCommandError);
  });
});

describe('history timeline (watch)', () => {
  it('shows states, the retry, the message without its token, the notification and the end', () => {
    const id = randomUUID();
    const timeline = new HistoryTimeline();
    const entries: TimelineEntry[] = history(id).flatMap((e) => timeline.add(e));
    const text = formatTimeline(entries);

    expect(text).not.toContain(TOKEN);
    expect(text.split('\n')).toEqual([
      '   +0.000s  execution started, input {"order":1}',
      '   +0.100s  -> Processing Lambda',
      '   +0.300s     Processing Lambda failed: Error (boom)',
      '   +5.300s     Processing Lambda: retry 1',
      '   +5.500s  <- Processing Lambda (5.400 s)',
      '   +5.600s  -> Wait For Response',
      `   +5.700s     SQS message to q-devl (task token ${TOKEN.slice(0, 8)}...)`,
      '   +7.800s  <- Wait For Response (2.200 s)',
      '   +7.900s  -> SNS Publish (Success)',
      `   +8.100s     SNS notification "Bellflower execution succeeded": {"order":1,"execution_id":"${id}","info":[],"status_code":200}`,
      '   +8.200s  <- SNS Publish (Success) (0.300 s)',
      '   +8.300s  -> Success',
      '   +8.400s  <- Success (0.100 s)',
      '   +8.500s  == SUCCEEDED in 8.500 s',
    ]);
    expect(executionIdFromHistory(history(id))).toBe(id);
  });
});

// One mock for the whole file: a second mockClient(SFNClient) would replace this one.
const sfnMock = mockClient(SFNClient);
afterEach(() => sfnMock.reset());

describe('start and follow an execution (Step Functions mocked)', () => {
  it('starts an execution with the input as JSON', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });
    const arn = await startExecution({ sfn: new SFNClient({ region: 'us-east-1' }), stateMachineArn: STATE_MACHINE, input: { a: 1 } });
    expect(arn).toBe(EXECUTION);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input).toMatchObject({
      stateMachineArn: STATE_MACHINE,
      input: '{"a":1}',
    });
  });

  it('rejects a start the service refuses, naming the state machine', async () => {
    sfnMock.on(StartExecutionCommand).rejects(new Error('StateMachineDoesNotExist'));
    await expect(startExecution({ sfn: new SFNClient({ region: 'us-east-1' }), stateMachineArn: STATE_MACHINE })).rejects.toThrow(
      /cannot start an execution of arn:aws:states/,
    );
  });

  it('follows the history across pages until the execution ends', async () => {
    const events = history(randomUUID());
    sfnMock
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: events.slice(0, 5) })
      .resolvesOnce({ events: events.slice(0, 10), nextToken: 'page-2' })
      .resolvesOnce({ events: events.slice(10) });
    const seen: HistoryEvent[] = [];
    for await (const event of followExecution({ sfn: new SFNClient({ region: 'us-east-1' }), executionArn: EXECUTION, pollMs: 1 })) {
      seen.push(event);
    }
    expect(seen.map((e) => e.id)).toEqual(events.map((e) => e.id));
  });
});

describe.runIf(requireTool('moto_server'))('respond and wait for the outbound files (moto S3)', () => {
  let moto: MotoServer;
  let s3: S3Client;
  const bucket = 'bellflower-integration-bucket-devl-us-east-1';

  beforeAll(async () => {
    moto = await startMoto();
    s3 = new S3Client(moto.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
  });

  const writeToken = async (id: string): Promise<void> => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `outbound/${id}/task_token.txt`, Body: TOKEN }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `outbound/${id}/data.json`, Body: '{"info":[]}' }));
  };

  it('uploads success.json for a waiting execution', async () => {
    const id = randomUUID();
    await writeToken(id);
    const key = await respond({ s3, bucket, executionId: id });
    expect(key).toBe(`inbound/${id}/success.json`);
    const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    expect(JSON.parse(body)).toEqual({ status: 'Response Received' });
  });

  it('uploads failure.json with the reason', async () => {
    const id = randomUUID();
    await writeToken(id);
    const key = await respond({ s3, bucket, executionId: id, failure: { cause: 'out of stock', error: 'Rejected' } });
    const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    expect(JSON.parse(body)).toEqual({ error: 'Rejected', cause: 'out of stock' });
  });

  it('rejects an id that is not a UUID', async () => {
    await expect(respond({ s3, bucket, executionId: '../x' })).rejects.toThrow(/is not an execution id/);
  });

  it('rejects an id with no outbound token', async () => {
    await expect(respond({ s3, bucket, executionId: randomUUID() })).rejects.toThrow(/no execution with id .* is waiting/);
  });

  it('returns the execution id once the history names it and the token file exists', async () => {
    const id = randomUUID();
    await writeToken(id);
    const events = history(id);
    sfnMock
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: events.slice(0, 3) })
      .resolves({ events: events.slice(0, 9) });
    const sfn = new SFNClient({ region: 'us-east-1' });
    expect(await waitForExecutionId({ sfn, s3, bucket, executionArn: EXECUTION, pollMs: 1 })).toBe(id);
  });

  it('fails the wait when the execution ends before its outbound files appear', async () => {
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, type: 'ExecutionStarted', timestamp: new Date() },
        { id: 2, type: 'ExecutionFailed', timestamp: new Date(), executionFailedEventDetails: { error: 'Error' } },
      ],
    });
    const sfn = new SFNClient({ region: 'us-east-1' });
    await expect(waitForExecutionId({ sfn, s3, bucket, executionArn: EXECUTION, pollMs: 1 })).rejects.toThrow(
      /ended \(ExecutionFailed: Error\)/,
    );
  });
});
