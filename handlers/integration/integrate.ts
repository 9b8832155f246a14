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
import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { S3Event, S3EventRecord, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { isExecutionId } from '../shared/execution-id';
import { describeError, EXECUTION_ID_KEY, type Logger } from '../shared/logger';
import { redactToken } from '../shared/task-token';
import { BUSINESS_FAILURE_LOG } from './log-lines';
import { MAX_ANSWER_BYTES } from '../shared/answer-limit';

/** What the core needs: SDK clients created once by the adapter, the bucket and the logger. */
export interface IntegrationDeps {
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  /** The integration bucket (outbound files are written there). */
  readonly bucket: string;
  readonly logger: Logger;
  /** Clock of the rejection notices. @default () => new Date() */
  readonly now?: () => Date;
}

/** Answer used when `success.json` is empty (the original always sent it). */
export const DEFAULT_SUCCESS_OUTPUT = { status: 'Response Received' } as const;

/** Step Functions limits of SendTaskFailure and SendTaskSuccess. */
export const LIMITS = { error: 256, cause: 32_768, outputBytes: 262_144 } as const;

/** Step Functions errors that mean the task is already finished: the answer is a duplicate or late. */
const FINISHED_TASK_ERRORS = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

const ANSWER_KEY = /^inbound\/([^/]+)\/(success|failure|heartbeat)\.json$/;

/** Raised when an input can never be processed; the message says what is wrong. */
export class InvalidAnswerError extends Error {
  /** The execution the refused file belongs to, when its key names a valid one (for the rejection notice). */
  readonly executionId?: string;
  readonly key?: string;
  readonly limitBytes?: number;

  constructor(
    message: string,
    options?: { cause?: unknown; executionId?: string | undefined; key?: string; limitBytes?: number | undefined },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InvalidAnswerError';
    if (options?.executionId !== undefined) this.executionId = options.executionId;
    if (options?.key !== undefined) this.key = options.key;
    if (options?.limitBytes !== undefined) this.limitBytes = options.limitBytes;
  }
}

/** Raised when a callback message carries a token but an input that can never succeed. */
export class InvalidInputError extends Error {
  constructor(
    readonly token: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidInputError';
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

/** Error names Bellflower reports to the execution with SendTaskFailure (see docs/operating.md). */
export const ERROR_NAMES = {
  /** The callback message carries an input the integration function can never process. */
  invalidInput: 'Bellflower.InvalidInput',
} as const;

/** Largest answer file accepted: Step Functions' payload limit (256 KiB). */
export { MAX_ANSWER_BYTES };

/**
 * Room kept in the execution state beside the input and the answer: the `"response":` member
 * "Wait For Response" adds (ResultPath `$.response`) and the `"notification":{"MessageId":...}`
 * member the success publish adds (its ResultSelector keeps the MessageId alone).
 */
export const STATE_RESERVE_BYTES = 1_024;

/** Smallest answer budget an execution may have; below it the execution is failed at once. */
export const MIN_ANSWER_BUDGET_BYTES = 1_024;

/** User metadata of `task_token.txt` carrying the execution's answer budget in bytes. */
export const ANSWER_LIMIT_METADATA = 'answer-limit-bytes';

/**
 * The largest answer (as sent to SendTaskSuccess) the execution can keep: "Wait For Response"
 * merges it into the state beside the input (`$.response`), and a state over Step Functions'
 * 256 KiB payload quota fails the execution with `States.DataLimitExceeded`, which `States.ALL`
 * does not catch (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html,
 * "States.DataLimitExceeded ... terminal"; https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html,
 * "Maximum input or output size for a task, state, or execution: 256 KiB"). The answer is
 * therefore checked against this budget before SendTaskSuccess and refused with a notice, so
 * that an accepted answer can never end the execution silently.
 */
export function answerBudget(input: unknown): number {
  const inputBytes = Buffer.byteLength(JSON.stringify(input) ?? 'null');
  return Math.min(MAX_ANSWER_BYTES, MAX_ANSWER_BYTES - inputBytes - STATE_RESERVE_BYTES);
}

/**
 * What the business application finds in `outbound/<uuid>/rejected/<time>-<file>.json` when an
 * answer of its was refused: the execution keeps waiting for a corrected answer until its timeout.
 */
export interface RejectionNotice {
  /** The key of the refused file, e.g. `inbound/<uuid>/success.json`. */
  readonly key: string;
  /** What is wrong with it and what to do. */
  readonly reason: string;
  /** ISO 8601 time of the rejection. */
  readonly rejectedAt: string;
  /** The size limit, when the file was too large. */
  readonly limitBytes?: number;
}

/** Parsed callback message: the token and the execution input. */
interface CallbackMessage {
  readonly token: string;
  readonly executionId: string;
  readonly info: unknown[];
  /** The largest answer the execution state can keep ({@link answerBudget}). */
  readonly answerLimitBytes: number;
}

/**
 * The token and input of an SQS record. Throws {@link InvalidAnswerError} without a token (nothing
 * can be told to the execution; the record goes to the dead-letter queue) and
 * {@link InvalidInputError} with one (the execution is failed at once).
 */
function parseCallbackMessage(record: SQSRecord, deps: IntegrationDeps): CallbackMessage {
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
  const invalid = (reason: string) => new InvalidInputError(token, reason);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('the execution input is not a JSON object');
  if (typeof executionId !== 'string') throw invalid('the execution input has no execution_id (the processing Lambda adds it)');
  if (!isExecutionId(executionId)) throw invalid(`execution_id "${executionId.slice(0, 64)}" is not a UUID`);
  const info = (input as { info?: unknown }).info;
  if (!Array.isArray(info)) throw invalid('the execution input has no info list (the processing Lambda adds it)');
  const answerLimitBytes = answerBudget(input);
  if (answerLimitBytes < MIN_ANSWER_BUDGET_BYTES) {
    throw invalid(
      `the execution state is ${MAX_ANSWER_BYTES - STATE_RESERVE_BYTES - answerLimitBytes} bytes: it leaves less than ${MIN_ANSWER_BUDGET_BYTES} bytes for the answer within Step Functions' ${MAX_ANSWER_BYTES}-byte state limit; start the execution with a smaller input`,
    );
  }
  return { token, executionId: executionId.toLowerCase(), info, answerLimitBytes };
}

async function handleSqsRecord(record: SQSRecord, deps: IntegrationDeps): Promise<void> {
  let message: CallbackMessage;
  try {
    message = parseCallbackMessage(record, deps);
  } catch (error: unknown) {
    if (!(error instanceof InvalidInputError)) throw error;
    await failExecution(error, deps);
    return;
  }
  await writeOutbound(message, deps);
}

/** Fails the waiting task at once with {@link ERROR_NAMES.invalidInput}: a retry cannot fix the input. */
async function failExecution(error: InvalidInputError, deps: IntegrationDeps): Promise<void> {
  const tokenForLog = redactToken(error.token);
  try {
    await deps.sfn.send(
      new SendTaskFailureCommand({ taskToken: error.token, error: ERROR_NAMES.invalidInput, cause: codePoints(error.message, LIMITS.cause) }),
    );
  } catch (sendError: unknown) {
    if (isFinishedTask(sendError)) {
      deps.logger.warn('invalid input of a task that is already finished; dropped', { task_token: tokenForLog, error: describeError(error) });
      return;
    }
    throw sendError;
  }
  deps.logger.error('invalid execution input: the execution was failed at once (SendTaskFailure), not retried', {
    task_token: tokenForLog,
    error_name: ERROR_NAMES.invalidInput,
    error: describeError(error),
  });
}

/**
 * Writes task_token.txt, then data.json, each only if it does not exist yet (a duplicate SQS
 * delivery must not notify the business application twice). An existing token that differs is
 * replaced: Step Functions retried the wait and issued a new token, the only live one.
 */
async function writeOutbound(message: CallbackMessage, deps: IntegrationDeps): Promise<void> {
  const { token, executionId } = message;
  const tokenKey = `outbound/${executionId}/task_token.txt`;
  const tokenForLog = redactToken(token);
  // The token carries the answer budget, read back when the answer arrives.
  const metadata = (key: string) => (key === tokenKey ? { Metadata: { [ANSWER_LIMIT_METADATA]: String(message.answerLimitBytes) } } : {});
  const put = (key: string, body: string, contentType: string, onlyIfNew: boolean) =>
    deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ...metadata(key),
        ...(onlyIfNew ? { IfNoneMatch: '*' } : {}),
      }),
    );
  const data = JSON.stringify({ info: message.info });
  // The token first: once data.json is visible, the business application may answer at once.
  if (await putIfNew(() => put(tokenKey, token, 'text/plain; charset=utf-8', true))) {
    await putIfNew(() => put(`outbound/${executionId}/data.json`, data, 'application/json', true));
    deps.logger.info('outbound files written', { bucket: deps.bucket, task_token: tokenForLog });
    return;
  }
  const existing = (await readText(deps.s3, deps.bucket, tokenKey, 8_192))?.text.trim();
  if (existing === token) {
    // A duplicate delivery; data.json too, unless the first delivery stopped before writing it.
    const written = await putIfNew(() => put(`outbound/${executionId}/data.json`, data, 'application/json', true));
    deps.logger.info(written ? 'duplicate delivery: data.json completed' : 'duplicate delivery: outbound files already written', {
      task_token: tokenForLog,
    });
    return;
  }
  await put(tokenKey, token, 'text/plain; charset=utf-8', false);
  await put(`outbound/${executionId}/data.json`, data, 'application/json', false);
  deps.logger.info('outbound files replaced: the task was retried with a new token', { task_token: tokenForLog });
}

/** Runs a conditional put; false when the object already exists (S3's 412 PreconditionFailed). */
async function putIfNew(put: () => Promise<unknown>): Promise<boolean> {
  try {
    await put();
    return true;
  } catch (error: unknown) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if ((error as { name?: unknown }).name === 'PreconditionFailed' || status === 412) return false;
    throw error;
  }
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
        if (error.executionId !== undefined) await writeRejection(error, error.executionId, deps);
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

/**
 * Writes the {@link RejectionNotice} the business application reads in its own prefix. A failure
 * to write it is logged, never retried: the rejection itself is final.
 */
async function writeRejection(error: InvalidAnswerError, executionId: string, deps: IntegrationDeps): Promise<void> {
  const now = (deps.now ?? (() => new Date()))();
  const notice: RejectionNotice = {
    key: error.key ?? `inbound/${executionId}/`,
    reason: error.message,
    rejectedAt: now.toISOString(),
    ...(error.limitBytes !== undefined ? { limitBytes: error.limitBytes } : {}),
  };
  const file = (error.key ?? 'answer').split('/').pop()!.replace(/[^\w.-]/g, '_');
  const key = `outbound/${executionId}/rejected/${now.toISOString().replace(/[-:]/g, '')}-${file}`;
  try {
    await deps.s3.send(
      new PutObjectCommand({ Bucket: deps.bucket, Key: key, Body: JSON.stringify(notice), ContentType: 'application/json' }),
    );
    deps.logger.info('rejection notice written for the business application', { key });
  } catch (writeError: unknown) {
    deps.logger.warn('could not write the rejection notice', { key, error: describeError(writeError) });
  }
}

async function handleS3Record(record: S3EventRecord, deps: IntegrationDeps): Promise<void> {
  const bucket = record.s3.bucket.name;
  if (bucket !== deps.bucket) {
    throw new InvalidAnswerError(`the event is for bucket "${bucket}", not the integration bucket "${deps.bucket}"`);
  }
  const key = decodeS3Key(record.s3.object.key);
  const folder = /^inbound\/([^/]+)\/([^/]+)$/.exec(key);
  const id = folder?.[1] ?? '';
  const executionId = isExecutionId(id) ? id.toLowerCase() : undefined;
  if (folder) deps.logger.appendKeys({ [EXECUTION_ID_KEY]: executionId ?? id });
  const reject = (reason: string, limitBytes?: number) => new InvalidAnswerError(reason, { executionId, key, limitBytes });
  const match = ANSWER_KEY.exec(key);
  if (!match) throw reject(`key "${key}" is not inbound/<execution id>/(success|failure|heartbeat).json`);
  const kind = match[2] as 'success' | 'failure' | 'heartbeat';
  if (!executionId) throw new InvalidAnswerError(`execution id "${id}" in key "${key}" is not a UUID`);
  const size = record.s3.object.size;
  if (kind !== 'heartbeat' && typeof size === 'number' && size > MAX_ANSWER_BYTES) {
    throw reject(`${key} is ${size} bytes, more than the ${MAX_ANSWER_BYTES}-byte limit of a Step Functions task output`, MAX_ANSWER_BYTES);
  }

  const tokenFile = await readText(deps.s3, bucket, `outbound/${executionId}/task_token.txt`, 8_192);
  const token = tokenFile?.text.trim();
  if (!token) {
    throw reject(`unknown execution: outbound/${executionId}/task_token.txt does not exist or is empty (answer only executions listed under outbound/)`);
  }
  const tokenForLog = redactToken(token);
  try {
    if (kind === 'heartbeat') {
      await deps.sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
      deps.logger.info('heartbeat sent (SendTaskHeartbeat)', { task_token: tokenForLog });
      return;
    }
    // Read at most one byte past the limit, whatever the event said the size was.
    const read = await readText(deps.s3, bucket, key, MAX_ANSWER_BYTES);
    if (read === undefined) throw reject(`${key} was deleted before it could be read`);
    if (read.truncated) throw reject(`${key} is more than the ${MAX_ANSWER_BYTES}-byte limit of a Step Functions task output`, MAX_ANSWER_BYTES);
    const answer = parseAnswer(read.text, key, reject);
    if (kind === 'success') {
      const output = JSON.stringify(answer ?? DEFAULT_SUCCESS_OUTPUT);
      const outputBytes = Buffer.byteLength(output);
      if (outputBytes > LIMITS.outputBytes) {
        throw reject(`${key} is larger than the ${LIMITS.outputBytes}-byte task output limit`, LIMITS.outputBytes);
      }
      const budget = budgetOf(tokenFile);
      if (outputBytes > budget) {
        throw reject(
          `${key} is ${outputBytes} bytes as JSON; the execution's state leaves room for ${budget} bytes of answer within Step Functions' ${MAX_ANSWER_BYTES}-byte state limit (the answer is kept beside the execution input); upload a smaller answer`,
          budget,
        );
      }
      await deps.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output }));
      deps.logger.info('task succeeded (SendTaskSuccess)', { task_token: tokenForLog });
    } else {
      const { error, cause } = failureOf(answer, key, reject);
      await deps.sfn.send(new SendTaskFailureCommand({ taskToken: token, error, cause }));
      deps.logger.info(BUSINESS_FAILURE_LOG, { task_token: tokenForLog, error });
    }
  } catch (error: unknown) {
    if (isFinishedTask(error)) {
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

/** True when Step Functions says the task is already finished: the answer is a duplicate or late. */
function isFinishedTask(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && FINISHED_TASK_ERRORS.has(name);
}

/** A text read from S3; `truncated` when the object is longer than the bytes read. */
interface ReadText {
  readonly text: string;
  readonly truncated: boolean;
  /** The object's user metadata (keys lower-case, without `x-amz-meta-`). */
  readonly metadata?: Record<string, string>;
}

/**
 * The answer budget recorded on the token file; {@link MAX_ANSWER_BYTES} for a token written by a
 * version before the budget existed (its execution keeps the earlier behaviour).
 */
function budgetOf(tokenFile: ReadText | undefined): number {
  const recorded = Number(tokenFile?.metadata?.[ANSWER_LIMIT_METADATA]);
  return Number.isInteger(recorded) && recorded > 0 ? Math.min(recorded, MAX_ANSWER_BYTES) : MAX_ANSWER_BYTES;
}

/**
 * Reads at most `maxBytes` of an object as UTF-8 text: the body is streamed and abandoned as soon
 * as it is longer (or its Content-Length says it is), so a large object is never held in memory;
 * `undefined` when it does not exist. (No ranged GET: S3 implementations differ on a range over an
 * empty object.)
 */
async function readText(s3: S3Client, bucket: string, key: string, maxBytes: number): Promise<ReadText | undefined> {
  let response;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error: unknown) {
    if (error instanceof NoSuchKey || (error as { name?: unknown } | null)?.name === 'NoSuchKey') return undefined;
    throw error;
  }
  const body = response.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
  const metadata = response.Metadata ?? {};
  if (body === undefined) return { text: '', truncated: false, metadata };
  if ((response.ContentLength ?? 0) > maxBytes) {
    body.destroy?.();
    return { text: '', truncated: true };
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    total += chunk.byteLength;
    if (total > maxBytes) {
      body.destroy?.();
      return { text: '', truncated: true };
    }
  }
  return { text: Buffer.concat(chunks).toString('utf-8'), truncated: false, metadata };
}

/** At most `max` code points of `text`, with no lone surrogate (Step Functions counts characters). */
export function codePoints(text: string, max: number): string {
  const wellFormed = text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return Array.from(wellFormed).slice(0, max).join('');
}

/** Parses an answer file; `undefined` when it is empty. */
function parseAnswer(text: string, key: string, reject: (reason: string) => InvalidAnswerError): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw reject(`${key} is not valid JSON`);
  }
}

/** `error` and `cause` of a failure answer, shortened to the Step Functions limits. */
function failureOf(answer: unknown, key: string, reject: (reason: string) => InvalidAnswerError): { error: string; cause: string } {
  if (answer !== undefined && (typeof answer !== 'object' || answer === null || Array.isArray(answer))) {
    throw reject(`${key} must be a JSON object { "error": "...", "cause": "..." }`);
  }
  const { error, cause } = (answer ?? {}) as { error?: unknown; cause?: unknown };
  const text = (value: unknown, fallback: string): string =>
    value === undefined || value === null ? fallback : typeof value === 'string' ? value : JSON.stringify(value);
  const name = text(error, 'BusinessApplicationFailure');
  if (name.startsWith('States.')) throw reject(`${key}: the error "${codePoints(name, 64)}" uses the "States." prefix Step Functions reserves; choose another name`);
  return {
    error: codePoints(name, LIMITS.error),
    cause: codePoints(text(cause, `the business application answered ${key}`), LIMITS.cause),
  };
}
