/**
 * The emulator's SQS event source mapping (emulator/patches/sqs_poller.py) polls as Lambda's does:
 * SendMessage returns at once, batches run in their own threads, a batch in flight finishes after
 * the mapping is disabled or deleted and after its function is deleted (the mapping reports
 * Disabling/Deleting meanwhile), a successful batch's messages are deleted and a failed record
 * waits out the queue's visibility timeout. A probe function sleeps as its message says.
 */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  GetEventSourceMappingCommand,
  LambdaClient,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { strToU8, zipSync } from 'fflate';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../../test/support/tools';
import { EMULATOR_CREDENTIALS, startEmulator, type RunningEmulator } from './emulator';

/** Sleeps the message's sleepMs; reports the records whose body says fail as batch item failures. */
const PROBE = `export const handler = async (event) => {
  const failures = [];
  for (const record of event.Records) {
    const body = JSON.parse(record.body);
    await new Promise((r) => setTimeout(r, body.sleepMs ?? 0));
    if (body.fail) failures.push({ itemIdentifier: record.messageId });
  }
  return { batchItemFailures: failures };
};
`;

describe.runIf(requireTool('moto_server'))('the SQS event source mapping on the emulator polls asynchronously', () => {
  let emulator: RunningEmulator;
  let lambda: LambdaClient;
  let sqs: SQSClient;
  let roleArn: string;
  let count = 0;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    const config = { region: 'us-east-1', endpoint: emulator.endpoint, credentials: EMULATOR_CREDENTIALS };
    lambda = new LambdaClient(config);
    sqs = new SQSClient(config);
    const role = await new IAMClient(config).send(
      new CreateRoleCommand({
        RoleName: 'probe',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    roleArn = role.Role!.Arn!;
  }, 60_000);

  afterAll(async () => {
    await emulator?.stop();
  });

  /** A queue, a probe function and an enabled mapping between them, all new. */
  async function mapped(visibilityTimeout = 30, attributes: Record<string, string> = {}): Promise<{ queueUrl: string; uuid: string; functionName: string }> {
    count += 1;
    const { QueueUrl: queueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: `q${count}`, Attributes: { VisibilityTimeout: String(visibilityTimeout), ...attributes } }),
    );
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    const functionName = `probe${count}`;
    await lambda.send(
      new CreateFunctionCommand({ FunctionName: functionName, Runtime: 'nodejs22.x', Handler: 'index.handler', Role: roleArn, Timeout: 30, Code: { ZipFile: zipSync({ 'index.mjs': strToU8(PROBE) }) } }),
    );
    const { UUID: uuid } = await lambda.send(
      new CreateEventSourceMappingCommand({ FunctionName: functionName, EventSourceArn: Attributes!.QueueArn, BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] }),
    );
    return { queueUrl: queueUrl!, uuid: uuid!, functionName };
  }

  async function counts(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return { visible: Number(Attributes!.ApproximateNumberOfMessages), inFlight: Number(Attributes!.ApproximateNumberOfMessagesNotVisible) };
  }

  const state = async (uuid: string) => (await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State;

  /** Polls until `check` holds, failing after `seconds`. */
  async function until<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, seconds = 20): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const value = await read();
      if (check(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${seconds} s`);
      await sleep(100);
    }
  }

  it('returns from SendMessage before the batch has run; the batch runs after and its messages are deleted once it succeeded', async () => {
    const { queueUrl } = await mapped();
    const started = Date.now();
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ sleepMs: 3000 }) }));
    expect(Date.now() - started).toBeLessThan(2000);
    await until('the batch received', () => counts(queueUrl), (c) => c.inFlight === 1);
    await until('the batch done', () => counts(queueUrl), (c) => c.inFlight === 0 && c.visible === 0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
  }, 60_000);

  it('finishes a batch in flight after the mapping is disabled: Disabling until it ended, then Disabled; a new message waits', async () => {
    const { queueUrl, uuid } = await mapped();
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ sleepMs: 3000 }) }));
    await until('the batch received', () => counts(queueUrl), (c) => c.inFlight === 1);

    const disabled = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
    expect(disabled.State).toBe('Disabling');
    expect(await state(uuid)).toBe('Disabling');
    await until('the mapping disabled', () => state(uuid), (s) => s === 'Disabled');
    // Disabled only once the batch ended: it succeeded, so its message is gone.
    expect(await counts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });

    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ sleepMs: 0 }) }));
    await sleep(2500);
    expect(await counts(queueUrl)).toEqual({ visible: 1, inFlight: 0 });
  }, 60_000);

  it('finishes a batch in flight after the mapping and the function are deleted: the mapping is Deleting until then, then gone', async () => {
    const { queueUrl, uuid, functionName } = await mapped();
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ sleepMs: 3000 }) }));
    await until('the batch received', () => counts(queueUrl), (c) => c.inFlight === 1);

    expect((await lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }))).State).toBe('Deleting');
    await lambda.send(new DeleteFunctionCommand({ FunctionName: functionName }));
    expect(await state(uuid)).toBe('Deleting');
    await until(
      'the mapping deleted',
      () => state(uuid).catch((error: { name?: string }) => error.name),
      (s) => s === 'ResourceNotFoundException',
    );
    expect(await counts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  }, 60_000);

  it('fails a record only: it stays in flight for the visibility timeout, then is visible again, while the others are deleted', async () => {
    const { queueUrl, uuid } = await mapped(4);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ fail: true }) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({}) }));
    await until('the batch done', () => counts(queueUrl), (c) => c.inFlight === 1 && c.visible === 0);
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
    await until('the mapping disabled', () => state(uuid), (s) => s === 'Disabled');
    // moto made a failed message visible at once; SQS keeps it hidden until its visibility timeout.
    expect(await counts(queueUrl)).toEqual({ visible: 0, inFlight: 1 });
    await until('the failed record visible again', () => counts(queueUrl), (c) => c.visible === 1 && c.inFlight === 0, 10);
  }, 60_000);

  it('redrives a record that keeps failing to the dead-letter queue after maxReceiveCount receives', async () => {
    const { QueueUrl: deadLetterUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `dlq${count}` }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }));
    const { queueUrl } = await mapped(1, { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: 2 }) });
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ fail: true }) }));
    await until('the record in the dead-letter queue', () => counts(deadLetterUrl!), (c) => c.visible === 1, 15);
    expect(await counts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  }, 60_000);
});
