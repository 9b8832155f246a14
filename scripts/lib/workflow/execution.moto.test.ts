/**
 * Commands against a deployment. S3 is moto's (respond's checks, the outbound token that
 * start-execution waits for); Step Functions is mocked with aws-sdk-client-mock, because moto's
 * engine runs no Lambda and cannot produce the history of this workflow.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXECUTION, history, TOKEN } from '../../../test/support/execution-history';
import { startMoto, type MotoServer } from '../../../test/support/moto';
import { requireTool } from '../../../test/support/tools';
import { respond, waitForExecutionId } from './execution';


// One mock for the whole file: a second mockClient(SFNClient) would replace this one.
const sfnMock = mockClient(SFNClient);
afterEach(() => sfnMock.reset());
// mockClient(SFNClient) stubs every SFNClient in the worker; other test files share it.
afterAll(() => sfnMock.restore());

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

  it('keeps waiting while only the task token is written: an answer is accepted once data.json is there', async () => {
    const id = randomUUID();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `outbound/${id}/task_token.txt`, Body: TOKEN }));
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: history(id).slice(0, 9) });
    const sfn = new SFNClient({ region: 'us-east-1' });
    await expect(waitForExecutionId({ sfn, s3, bucket, executionArn: EXECUTION, pollMs: 1, timeoutMs: 50 })).rejects.toThrow(
      new RegExp(`outbound/${id}/data\\.json did not appear in time`),
    );
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
