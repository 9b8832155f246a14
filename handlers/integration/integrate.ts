/**
 * The integration between the workflow and the business application, through the integration
 * bucket:
 * - SQS (the workflow waits with a task token): writes `outbound/<id>/task_token.txt` and
 *   `outbound/<id>/data.json` for the business application;
 * - S3 (the business application answered in `inbound/<id>/success.json` or `failure.json`):
 *   reads the token and finishes the task with SendTaskSuccess or SendTaskFailure.
 *
 * Every bad input gets one error log line naming the execution (when known) and the problem.
 * Failure policy:
 * - SQS: a record that fails (bad body, S3 error) is reported in `batchItemFailures`, so it is
 *   retried alone and ends in the dead-letter queue after the redrive count; the others proceed.
 * - S3: an answer that can never succeed (key not `inbound/<uuid>/(success|failure).json`,
 *   unknown execution, malformed JSON, output too large) is logged and not retried: retrying cannot
 *   fix it, the business application fixes it by uploading a corrected file (a new event). A token
 *   already used or timed out is logged as a duplicate or late answer. Any other error (S3 or
 *   Step Functions unavailable, throttling, permissions) is thrown after every record was tried, so
 *   that Lambda's asynchronous retries and the on-failure destination keep the event.
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { S3Event, S3EventRecord, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { isExecutionId } from '../shared/execution-id';
import { describeError, EXECUTION_ID_KEY, type Logger } from '../shared/logger';
import { redactToken } from '../shared/task-token';

/** What the core needs: SDK clients created once by the adapter, the bucket and the logger. */
export interface IntegrationDeps {
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  /** The integration bucket (outbound files are written there). */
  readonly bucket: string;
  readonly logger: Logger;
}

/** Answer used when `success.json` is empty (the original always sent it). */
export const DEFAULT_SUCCESS_OUTPUT = { status: 'Response Received' } as const;

/** Step Functions limits of SendTaskFailure and SendTaskSuccess. */
export const LIMITS = { error: 256, cause: 32_768, outputBytes: 262_144 } as const;

/** Step Functions errors that mean the task is already finished: the answer is a duplicate or late. */
const FINISHED_TASK_ERRORS = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

const ANSWER_KEY = /^inbound\/([^/]+)\/(success|failure)\.json$/;

/** Raised when an input can never be processed; the message says what is wrong. */
export class InvalidAnswerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidAnswerError';
  }
}

/** Raised after an S3 event when some records failed for a reason a retry may fix. */
export class IntegrationRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IntegrationRetryableError';
  }
}

/** True for an SQS event (every record from `aws:sqs`). */
export function isSqsEvent(event: unknown): event is SQSEvent {
  return recordsOf(event)?.every((r) => (r as { eventSource?: unknown }).eventSource === 'aws:sqs') ?? false;
}

/** True for an S3 event notification (every record from `aws:s3`). */
export function isS3Event(event: unknown): event is S3Event {
  return recordsOf(event)?.every((r) => (r as { eventSource?: unknown }).eventSource === 'aws:s3') ?? false;
}

function recordsOf(event: unknown): unknown[] | undefined {
  const records = (event as { Records?: unknown } | null)?.Records;
  return Array.isArray(records) && records.length > 0 ? records : undefined;
}

/**
 * Decodes an S3 event key as AWS documents it: `+` is a space, then percent-decoding
 * (moto also encodes `/` as `%2F`). Throws {@link InvalidAnswerError} on a malformed escape.
 */
export function decodeS3Key(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch (error: unknown) {
    throw new InvalidAnswerError(`S3 key "${key}" is not validly URL-encoded`, { cause: error });
  }
}

/** Handles every SQS record; failed records are returned for retry. */
export async function handleSqsEvent(event: SQSEvent, deps: IntegrationDeps): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      await handleSqsRecord(record, deps);
    } catch (error: unknown) {
      deps.logger.error('SQS record failed; reported for retry (dead-letter queue after the redrive count)', {
        message_id: record.messageId,
        receive_count: record.attributes?.ApproximateReceiveCount,
        error: describeError(error),
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    } finally {
      deps.logger.removeKeys([EXECUTION_ID_KEY]);
    }
  }
  return { batchItemFailures };
}

async function handleSqsRecord(record: SQSRecord, deps: IntegrationDeps): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (error: unknown) {
    throw new InvalidAnswerError('SQS body is not JSON', { cause: error });
  }
  const { Input: input, TaskToken: token } = (body ?? {}) as { Input?: unknown; TaskToken?: unknown };
  const executionId = (input as { execution_id?: unknown } | null | undefined)?.execution_id;
  if (typeof executionId === 'string') deps.logger.appendKeys({ [EXECUTION_ID_KEY]: executionId });
  if (typeof token !== 'string' || token.length === 0) throw new InvalidAnswerError('SQS body has no TaskToken');
  if (typeof executionId !== 'string') throw new InvalidAnswerError('SQS body has no Input.execution_id');
  if (!isExecutionId(executionId)) throw new InvalidAnswerError(`Input.execution_id "${executionId}" is not a UUID`);
  const info = (input as { info?: unknown }).info;
  if (!Array.isArray(info)) throw new InvalidAnswerError('SQS body has no Input.info list');

  // The token first: once data.json is visible, the business application may answer at once.
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.bucket,
      Key: `outbound/${executionId}/task_token.txt`,
      Body: token,
      ContentType: 'text/plain; charset=utf-8',
    }),
  );
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.bucket,
      Key: `outbound/${executionId}/data.json`,
      Body: JSON.stringify({ info }),
      ContentType: 'application/json',
    }),
  );
  deps.logger.info('outbound files written', { bucket: deps.bucket, task_token: redactToken(token) });
}

/** Handles every S3 record; throws {@link IntegrationRetryableError} when a retry may help. */
export async function handleS3Event(event: S3Event, deps: IntegrationDeps): Promise<void> {
  const retryable: unknown[] = [];
  for (const record of event.Records) {
    try {
      await handleS3Record(record, deps);
    } catch (error: unknown) {
      if (error instanceof InvalidAnswerError) {
        deps.logger.error('answer rejected, not retried: upload a corrected file', {
          bucket: record.s3.bucket.name,
          key: record.s3.object.key,
          error: describeError(error),
        });
      } else {
        deps.logger.error('answer failed, will be retried', {
          bucket: record.s3.bucket.name,
          key: record.s3.object.key,
          error: describeError(error),
        });
        retryable.push(error);
      }
    } finally {
      deps.logger.removeKeys([EXECUTION_ID_KEY]);
    }
  }
  if (retryable.length > 0) {
    throw new IntegrationRetryableError(`${retryable.length} of ${event.Records.length} S3 records failed`, {
      cause: retryable.length === 1 ? retryable[0] : new AggregateError(retryable),
    });
  }
}

async function handleS3Record(record: S3EventRecord, deps: IntegrationDeps): Promise<void> {
  const bucket = record.s3.bucket.name;
  const key = decodeS3Key(record.s3.object.key);
  const match = ANSWER_KEY.exec(key);
  if (!match) throw new InvalidAnswerError(`key "${key}" is not inbound/<execution id>/(success|failure).json`);
  const [, executionId = '', kind] = match;
  deps.logger.appendKeys({ [EXECUTION_ID_KEY]: executionId });
  if (!isExecutionId(executionId)) throw new InvalidAnswerError(`execution id "${executionId}" in key "${key}" is not a UUID`);

  const token = (await readText(deps.s3, bucket, `outbound/${executionId}/task_token.txt`))?.trim();
  if (!token) {
    throw new InvalidAnswerError(`unknown execution: outbound/${executionId}/task_token.txt does not exist or is empty`);
  }
  const text = await readText(deps.s3, bucket, key);
  if (text === undefined) throw new InvalidAnswerError(`${key} was deleted before it could be read`);
  const answer = parseAnswer(text, key);
  const tokenForLog = redactToken(token);
  try {
    if (kind === 'success') {
      const output = JSON.stringify(answer ?? DEFAULT_SUCCESS_OUTPUT);
      if (Buffer.byteLength(output) > LIMITS.outputBytes) {
        throw new InvalidAnswerError(`${key} is larger than the ${LIMITS.outputBytes}-byte task output limit`);
      }
      await deps.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output }));
      deps.logger.info('task succeeded (SendTaskSuccess)', { task_token: tokenForLog });
    } else {
      const { error, cause } = failureOf(answer, key);
      await deps.sfn.send(new SendTaskFailureCommand({ taskToken: token, error, cause }));
      deps.logger.info('task failed as answered (SendTaskFailure)', { task_token: tokenForLog, error });
    }
  } catch (error: unknown) {
    const name = (error as { name?: unknown } | null)?.name;
    if (typeof name === 'string' && FINISHED_TASK_ERRORS.has(name)) {
      deps.logger.warn('duplicate or late answer: the task is already finished or timed out; not retried', {
        key,
        task_token: tokenForLog,
        error: describeError(error),
      });
      return;
    }
    throw error;
  }
}

/** Reads an object as UTF-8 text; `undefined` when it does not exist. */
async function readText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await response.Body?.transformToString('utf-8')) ?? '';
  } catch (error: unknown) {
    if (error instanceof NoSuchKey || (error as { name?: unknown } | null)?.name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** Parses an answer file; `undefined` when it is empty. */
function parseAnswer(text: string, key: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error: unknown) {
    throw new InvalidAnswerError(`${key} is not valid JSON`, { cause: error });
  }
}

/** `error` and `cause` of a failure answer, shortened to the Step Functions limits. */
function failureOf(answer: unknown, key: string): { error: string; cause: string } {
  if (answer !== undefined && (typeof answer !== 'object' || answer === null || Array.isArray(answer))) {
    throw new InvalidAnswerError(`${key} must be a JSON object { "error": "...", "cause": "..." }`);
  }
  const { error, cause } = (answer ?? {}) as { error?: unknown; cause?: unknown };
  const text = (value: unknown, fallback: string): string =>
    value === undefined || value === null ? fallback : typeof value === 'string' ? value : JSON.stringify(value);
  return {
    error: text(error, 'BusinessApplicationFailure').slice(0, LIMITS.error),
    cause: text(cause, `the business application answered ${key}`).slice(0, LIMITS.cause),
  };
}
