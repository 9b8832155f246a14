/**
 * Commands against a deployment, without a server: the deployment's names, starting an execution
 * and reading its history (Step Functions mocked with aws-sdk-client-mock; the S3 side is in
 * execution.moto.test.ts).
 */
import { GetExecutionHistoryCommand, SFNClient, StartExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EXECUTION, history, TOKEN } from '../../../test/support/execution-history';
import { ROOT_OUTPUTS } from '../../../templates/names';
import { deploymentTarget, executionArnOf, ExecutionCommandError, executionIdFromHistory, followExecution, HistoryTimeline, startExecution } from './execution';
import { formatTimeline, type TimelineEntry } from '../local/timeline';

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:bellflower-state-machine-devl-us-east-1';

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
// mockClient(SFNClient) stubs every SFNClient in the worker; other test files share it.
afterAll(() => sfnMock.restore());

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

