import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { S3Event, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../test/support/recording-logger';
import {
  codePoints,
  decodeS3Key,
  ERROR_NAMES,
  MAX_ANSWER_BYTES,
  ANSWER_LIMIT_METADATA,
  STATE_RESERVE_BYTES,
  handleS3Event,
  handleSqsEvent,
  IntegrationRetryableError,
  isS3Event,
  isSqsEvent,
  LIMITS,
  type IntegrationDeps,
} from './integrate';

const ID = '0b5c2a1e-8f3d-4c6b-9a7e-1d2f3e4a5b6c';
const OTHER_ID = '7e6d5c4b-3a29-4810-8f7e-6d5c4b3a2918';
const TOKEN = 'AAAAAAAA-secret-rest-of-the-task-token';
const BUCKET = 'integration-bucket';

const s3 = new S3Client({ region: 'us-east-1' });
const sfn = new SFNClient({ region: 'us-east-1' });
const s3Mock = mockClient(s3);
const sfnMock = mockClient(sfn);
afterAll(() => {
  s3Mock.restore();
  sfnMock.restore();
});
let logger: RecordingLogger;
let deps: IntegrationDeps;

beforeEach(() => {
  s3Mock.reset();
  sfnMock.reset();
  logger = new RecordingLogger();
  deps = { s3, sfn, bucket: BUCKET, logger, now: () => FIXED_NOW };
});

function sqsEvent(...bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `m${index}`,
      receiptHandle: 'r',
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 's',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
      awsRegion: 'us-east-1',
    })),
  };
}

function message(input: Record<string, unknown>, token: unknown = TOKEN): string {
  return JSON.stringify({ Input: input, TaskToken: token });
}

function s3Event(...keys: string[]): S3Event {
  return {
    Records: keys.map((key) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2025-01-01T00:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'p' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'r', 'x-amz-id-2': 'i' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'c',
        bucket: { name: BUCKET, ownerIdentity: { principalId: 'p' }, arn: `arn:aws:s3:::${BUCKET}` },
        object: { key, size: 1, eTag: 'e', sequencer: '0' },
      },
    })),
  };
}

/** Bytes a fake body handed out, to prove a large answer is not read whole. */
let bytesPulled = 0;

/** A body streamed in 64 KiB chunks, counting what the reader pulls. */
async function* chunked(bytes: Buffer): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += 65_536) {
    const chunk = bytes.subarray(offset, offset + 65_536);
    bytesPulled += chunk.byteLength;
    yield chunk;
  }
}

/** Serves objects from `files` as streamed bodies; a missing key answers NoSuchKey as S3 does. */
function serveObjects(files: Record<string, string>, options: { readonly withLength?: boolean } = {}): void {
  s3Mock.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const text = files[input.Key];
    if (text === undefined) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
    const bytes = Buffer.from(text);
    return { Body: chunked(bytes), ...(options.withLength ? { ContentLength: bytes.byteLength } : {}) };
  });
}

/** The rejection notices written for the business application, by key. */
function notices(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    s3Mock
      .commandCalls(PutObjectCommand)
      .filter((c) => /\/rejected\//.test(String(c.args[0].input.Key)))
      .map((c) => [c.args[0].input.Key!, JSON.parse(String(c.args[0].input.Body)) as Record<string, unknown>]),
  );
}

const FIXED_NOW = new Date('2026-11-25T10:20:30.456Z');

function answered(kind: 'success' | 'failure', text: string, id = ID): void {
  serveObjects({ [`outbound/${id}/task_token.txt`]: `${TOKEN}\n`, [`inbound/${id}/${kind}.json`]: text });
}

describe('event source detection', () => {
  it('tells SQS batches from S3 notifications', () => {
    expect(isSqsEvent(sqsEvent('{}'))).toBe(true);
    expect(isS3Event(sqsEvent('{}'))).toBe(false);
    expect(isS3Event(s3Event('k'))).toBe(true);
    expect(isSqsEvent({ Records: [] })).toBe(false);
    expect(isS3Event({})).toBe(false);
  });
});

describe('decodeS3Key', () => {
  it('decodes + as space, then percent escapes (moto encodes / as %2F)', () => {
    expect(decodeS3Key(`inbound%2F${ID}%2Fsuccess.json`)).toBe(`inbound/${ID}/success.json`);
    expect(decodeS3Key('a+b%2Bc')).toBe('a b+c');
  });

  it('rejects a malformed escape', () => {
    expect(() => decodeS3Key('inbound/%E0%A4%A/success.json')).toThrow(/not validly URL-encoded/);
  });
});

describe('handleSqsEvent', () => {
  it('writes the token and the data file of every record', async () => {
    s3Mock.on(PutObjectCommand).resolves({});

    const result = await handleSqsEvent(
      sqsEvent(message({ execution_id: ID, info: ['abcde'] }), message({ execution_id: OTHER_ID, info: [] }, 'BBBBBBBBtoken')),
      deps,
    );

    expect(result).toEqual({ batchItemFailures: [] });
    expect(s3Mock.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.Key, c.args[0].input.Body])).toEqual([
      [`outbound/${ID}/task_token.txt`, TOKEN],
      [`outbound/${ID}/data.json`, '{"info":["abcde"]}'],
      [`outbound/${OTHER_ID}/task_token.txt`, 'BBBBBBBBtoken'],
      [`outbound/${OTHER_ID}/data.json`, '{"info":[]}'],
    ]);
    expect(s3Mock.commandCalls(PutObjectCommand).every((c) => c.args[0].input.Bucket === BUCKET)).toBe(true);
    // The token carries the answer budget: 256 KiB less the input and the reserve.
    expect(s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input.Metadata).toEqual({
      [ANSWER_LIMIT_METADATA]: String(MAX_ANSWER_BYTES - JSON.stringify({ execution_id: ID, info: ['abcde'] }).length - STATE_RESERVE_BYTES),
    });
    expect(logger.at('INFO').map((l) => [l.execution_id, l.task_token])).toEqual([
      [ID, 'AAAAAAAA...'],
      [OTHER_ID, 'BBBBBBBB...'],
    ]);
    expect(logger.text()).not.toContain(TOKEN);
  });

  it.each([
    ['a body that is not JSON', 'not json', /SQS body is not JSON/, undefined],
    ['a body without TaskToken', JSON.stringify({ Input: { execution_id: ID, info: [] } }), /no TaskToken/, ID],
  ])('rejects %s (no token to fail), reports it for retry and keeps the other records', async (_case, body, problem, executionId) => {
    s3Mock.on(PutObjectCommand).resolves({});

    const result = await handleSqsEvent(sqsEvent(body, message({ execution_id: OTHER_ID, info: [] })), deps);

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(2);
    const errors = logger.at('ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message_id: 'm0', error: { message: expect.stringMatching(problem) } });
    expect(errors[0]?.execution_id).toBe(executionId);
    expect(logger.text()).not.toContain(TOKEN);
  });

  it.each([
    ['a body without execution_id', message({ info: [] }), /no execution_id/],
    ['an execution_id that is not a UUID', message({ execution_id: '42', info: [] }), /"42" is not a UUID/],
    ['a body without info', message({ execution_id: ID }), /no info list/],
    ['an input that is not an object', JSON.stringify({ Input: [1, 2], TaskToken: TOKEN }), /not a JSON object/],
    [
      'an input that leaves no room for the answer in the 256 KiB state',
      message({ execution_id: ID, info: [], blob: 'x'.repeat(MAX_ANSWER_BYTES - 1_500) }),
      /leaves less than 1024 bytes for the answer .* start the execution with a smaller input/,
    ],
  ])('fails the execution at once for %s (Bellflower.InvalidInput), without retry', async (_case, body, cause) => {
    s3Mock.on(PutObjectCommand).resolves({});
    sfnMock.on(SendTaskFailureCommand).resolves({});

    const result = await handleSqsEvent(sqsEvent(body, message({ execution_id: OTHER_ID, info: [] })), deps);

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sfnMock.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: TOKEN, error: ERROR_NAMES.invalidInput, cause: expect.stringMatching(cause) },
    ]);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(2);
    expect(logger.at('ERROR')[0]).toMatchObject({ error_name: 'Bellflower.InvalidInput', task_token: 'AAAAAAAA...' });
    expect(logger.text()).not.toContain(TOKEN);
  });

  it('retries an invalid input when failing the execution hits a transient error, and drops it when the task is finished', async () => {
    sfnMock.on(SendTaskFailureCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    expect(await handleSqsEvent(sqsEvent(message({ execution_id: 'x', info: [] })), deps)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });

    sfnMock.on(SendTaskFailureCommand).rejects(new TaskTimedOut({ message: 'timed out', $metadata: {} }));
    expect(await handleSqsEvent(sqsEvent(message({ execution_id: 'x', info: [] })), deps)).toEqual({ batchItemFailures: [] });
    expect(logger.at('WARN')).toHaveLength(1);
  });

  it('writes nothing twice on a duplicate delivery, completes a data.json the first delivery missed', async () => {
    const preconditionFailed = new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } });
    s3Mock.on(PutObjectCommand, { Key: `outbound/${ID}/task_token.txt` }).rejects(preconditionFailed);
    s3Mock.on(PutObjectCommand, { Key: `outbound/${ID}/data.json` }).rejectsOnce(preconditionFailed).resolves({});
    serveObjects({ [`outbound/${ID}/task_token.txt`]: TOKEN });

    await handleSqsEvent(sqsEvent(message({ execution_id: ID, info: [] })), deps);
    await handleSqsEvent(sqsEvent(message({ execution_id: ID, info: [] })), deps);

    const puts = s3Mock.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.Key, c.args[0].input.IfNoneMatch]);
    expect(puts).toEqual([
      [`outbound/${ID}/task_token.txt`, '*'],
      [`outbound/${ID}/data.json`, '*'],
      [`outbound/${ID}/task_token.txt`, '*'],
      [`outbound/${ID}/data.json`, '*'],
    ]);
    expect(logger.at('INFO').map((l) => l.message)).toEqual([
      'duplicate delivery: outbound files already written',
      'duplicate delivery: data.json completed',
    ]);
  });

  it('replaces the outbound files when the task was retried with a new token (upper-case id normalized)', async () => {
    const preconditionFailed = new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } });
    s3Mock.on(PutObjectCommand, { IfNoneMatch: '*' }).rejects(preconditionFailed);
    s3Mock.on(PutObjectCommand, { IfNoneMatch: undefined }).resolves({});
    serveObjects({ [`outbound/${ID}/task_token.txt`]: 'OLDTOKEN-of-the-first-attempt' });

    await handleSqsEvent(sqsEvent(message({ execution_id: ID.toUpperCase(), info: ['x'] })), deps);

    const unconditional = s3Mock.commandCalls(PutObjectCommand).filter((c) => c.args[0].input.IfNoneMatch === undefined);
    expect(unconditional.map((c) => [c.args[0].input.Key, c.args[0].input.Body])).toEqual([
      [`outbound/${ID}/task_token.txt`, TOKEN],
      [`outbound/${ID}/data.json`, '{"info":["x"]}'],
    ]);
  });

  it('fails a record whose S3 write fails, reporting it for retry', async () => {
    s3Mock.on(PutObjectCommand).rejectsOnce(new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: {} })).resolves({});

    const result = await handleSqsEvent(
      sqsEvent(message({ execution_id: ID, info: [] }), message({ execution_id: OTHER_ID, info: [] })),
      deps,
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm0' }]);
    expect(logger.at('ERROR')[0]).toMatchObject({ execution_id: ID, error: { name: 'SlowDown' } });
  });
});

describe('handleS3Event', () => {
  it('sends the success file as task output', async () => {
    answered('success', '{"approved": true}');
    sfnMock.on(SendTaskSuccessCommand).resolves({});

    await handleS3Event(s3Event(`inbound%2F${ID}%2Fsuccess.json`), deps);

    expect(sfnMock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: TOKEN,
      output: '{"approved":true}',
    });
    expect(logger.at('INFO')[0]).toMatchObject({ execution_id: ID, task_token: 'AAAAAAAA...' });
    expect(logger.text()).not.toContain(TOKEN);
  });

  it('sends the default output for an empty success file', async () => {
    answered('success', '  \n');
    sfnMock.on(SendTaskSuccessCommand).resolves({});

    await handleS3Event(s3Event(`inbound/${ID}/success.json`), deps);

    expect(sfnMock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.output).toBe('{"status":"Response Received"}');
  });

  it('cuts error and cause to whole code points, leaving no lone surrogate', () => {
    expect(codePoints('a😀b', 2)).toBe('a😀');
    expect(codePoints('\uD83D' + 'x', 5)).toBe('\uFFFDx');
  });

  it('sends SendTaskFailure with error and cause from the failure file, truncated to the API limits', async () => {
    answered('failure', JSON.stringify({ error: 'E'.repeat(300), cause: 'C'.repeat(40_000) }));
    sfnMock.on(SendTaskFailureCommand).resolves({});

    await handleS3Event(s3Event(`inbound/${ID}/failure.json`), deps);

    const input = sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;
    expect(input?.taskToken).toBe(TOKEN);
    expect(input?.error).toBe('E'.repeat(LIMITS.error));
    expect(input?.cause).toBe('C'.repeat(LIMITS.cause));
  });

  it.each([
    ['a key outside inbound/<id>/(success|failure).json', `inbound/${ID}/other.json`, /is not inbound\/<execution id>/],
    ['a key with a malformed escape', 'inbound/%E0%A4%A/success.json', /not validly URL-encoded/],
    ['an execution id that is not a UUID', 'inbound/not-a-uuid/success.json', /"not-a-uuid" .* is not a UUID/],
    ['an unknown execution (no task_token.txt)', `inbound/${OTHER_ID}/success.json`, /unknown execution/],
  ])('rejects %s with one error line and no retry', async (_case, key, problem) => {
    answered('success', '{}');

    await handleS3Event(s3Event(key), deps);

    expect(sfnMock.calls()).toHaveLength(0);
    const errors = logger.at('ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toMatchObject({ name: 'InvalidAnswerError', message: expect.stringMatching(problem) });
  });

  it('rejects a malformed JSON answer naming the execution, and tells the business application in its own prefix', async () => {
    answered('success', '{"approved": tru');

    await handleS3Event(s3Event(`inbound/${ID}/success.json`), deps);

    expect(sfnMock.calls()).toHaveLength(0);
    expect(logger.at('ERROR')[0]).toMatchObject({ execution_id: ID, error: { message: expect.stringMatching(/not valid JSON/) } });
    expect(notices()).toEqual({
      [`outbound/${ID}/rejected/20261125T102030.456Z-success.json`]: {
        key: `inbound/${ID}/success.json`,
        reason: `inbound/${ID}/success.json is not valid JSON`,
        rejectedAt: '2026-11-25T10:20:30.456Z',
      },
    });
    expect(JSON.stringify(notices())).not.toContain(TOKEN);
  });

  it('refuses an answer larger than 256 KiB from the event size, without reading it', async () => {
    answered('success', '{}');
    const event = s3Event(`inbound/${ID}/success.json`);
    event.Records[0]!.s3.object.size = 50 * 1024 * 1024;

    await handleS3Event(event, deps);

    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(Object.values(notices())).toEqual([expect.objectContaining({ limitBytes: MAX_ANSWER_BYTES, reason: expect.stringMatching(/52428800 bytes/) })]);
  });

  it('stops reading an answer whose event size was wrong past 256 KiB, and refuses it', async () => {
    answered('success', JSON.stringify({ blob: 'x'.repeat(50 * 1024 * 1024) }));
    bytesPulled = 0;

    await handleS3Event(s3Event(`inbound/${ID}/success.json`), deps);

    // The token file, then at most one 64 KiB chunk past the limit: not the 50 MiB.
    expect(bytesPulled).toBeLessThanOrEqual(`${TOKEN}\n`.length + MAX_ANSWER_BYTES + 65_536);
    expect(sfnMock.calls()).toHaveLength(0);
    expect(Object.values(notices())).toEqual([expect.objectContaining({ limitBytes: MAX_ANSWER_BYTES })]);
  });

  it('sends a heartbeat for heartbeat.json, and accepts an upper-case execution id as the same execution', async () => {
    serveObjects({ [`outbound/${ID}/task_token.txt`]: TOKEN });
    sfnMock.on(SendTaskHeartbeatCommand).resolves({});

    await handleS3Event(s3Event(`inbound/${ID.toUpperCase()}/heartbeat.json`), deps);

    expect(sfnMock.commandCalls(SendTaskHeartbeatCommand).map((c) => c.args[0].input)).toEqual([{ taskToken: TOKEN }]);
  });

  it('rejects a failure.json whose error uses the reserved States. prefix', async () => {
    answered('failure', JSON.stringify({ error: 'States.Timeout', cause: 'pretending' }));

    await handleS3Event(s3Event(`inbound/${ID}/failure.json`), deps);

    expect(sfnMock.calls()).toHaveLength(0);
    expect(Object.values(notices())[0]?.reason).toMatch(/"States\.Timeout" uses the "States\." prefix/);
  });

  it('rejects an event for another bucket without writing anything there or here', async () => {
    answered('success', '{}');
    const event = s3Event(`inbound/${ID}/success.json`);
    event.Records[0]!.s3.bucket.name = 'somebody-elses-bucket';

    await handleS3Event(event, deps);

    expect(s3Mock.calls()).toHaveLength(0);
    expect(sfnMock.calls()).toHaveLength(0);
    expect(logger.at('ERROR')[0]?.error).toMatchObject({ message: expect.stringMatching(/not the integration bucket/) });
  });

  it('rejects a failure file that is not a JSON object', async () => {
    answered('failure', '"just text"');

    await handleS3Event(s3Event(`inbound/${ID}/failure.json`), deps);

    expect(sfnMock.calls()).toHaveLength(0);
    expect(logger.at('ERROR')[0]?.error).toMatchObject({ message: expect.stringMatching(/must be a JSON object/) });
  });

  it('rejects an answer larger than the task output limit', async () => {
    answered('success', JSON.stringify({ blob: 'x'.repeat(LIMITS.outputBytes) }));

    await handleS3Event(s3Event(`inbound/${ID}/success.json`), deps);

    expect(sfnMock.calls()).toHaveLength(0);
    expect(logger.at('ERROR')[0]?.error).toMatchObject({ message: expect.stringMatching(/limit of a Step Functions task output/) });
  });

  it.each([
    ['TaskTimedOut', new TaskTimedOut({ message: 'timed out', $metadata: {} })],
    ['InvalidToken', new InvalidToken({ message: 'already used', $metadata: {} })],
    ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'gone', $metadata: {} })],
  ])('rejects a duplicate or late answer (%s) with a warning and no retry', async (name, error) => {
    answered('success', '{}');
    sfnMock.on(SendTaskSuccessCommand).rejects(error);

    await handleS3Event(s3Event(`inbound/${ID}/success.json`), deps);

    expect(logger.at('WARN')).toEqual([
      expect.objectContaining({ execution_id: ID, task_token: 'AAAAAAAA...', error: expect.objectContaining({ name }) }),
    ]);
    expect(logger.text()).not.toContain(TOKEN);
  });

  it('fails with IntegrationRetryableError after trying every record when Step Functions is unavailable', async () => {
    serveObjects({
      [`outbound/${ID}/task_token.txt`]: TOKEN,
      [`inbound/${ID}/success.json`]: '{}',
      [`outbound/${OTHER_ID}/task_token.txt`]: TOKEN,
      [`inbound/${OTHER_ID}/success.json`]: '{}',
    });
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    sfnMock.on(SendTaskSuccessCommand).rejectsOnce(throttled).resolves({});

    await expect(
      handleS3Event(s3Event(`inbound/${ID}/success.json`, `inbound/${OTHER_ID}/success.json`), deps),
    ).rejects.toThrow(IntegrationRetryableError);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(2);
    expect(logger.at('ERROR')[0]).toMatchObject({ execution_id: ID, error: { name: 'ThrottlingException' } });
  });

  it('fails with IntegrationRetryableError when reading the token fails for another reason than a missing key', async () => {
    s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));

    await expect(handleS3Event(s3Event(`inbound/${ID}/success.json`), deps)).rejects.toThrow(IntegrationRetryableError);
  });
});
