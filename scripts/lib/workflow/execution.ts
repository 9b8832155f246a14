/**
 * Running the workflow against a deployment: start an execution and find its execution id (the
 * outbound/inbound folder name), answer as the business application, and follow an execution's
 * history as a timeline (the same timeline `npm run local` prints). Clients come from `aws.ts`,
 * the deployment's resources from {@link deploymentTarget} (see `deploymentContext` in `cli.ts`).
 */
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetExecutionHistoryCommand, StartExecutionCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';
import { STATES } from '../../../asl/state-machine';
import { ROOT_OUTPUTS } from '../../../templates/names';
import { tokenPreview } from '../local/callback-server';
import type { EntryWithoutTime, ExecutionStatus, TimelineEntry } from '../local/timeline';
import { isExecutionId } from '../../../handlers/shared/execution-id';
import { BellflowerError, messageOf } from '../core/errors';
import { MAX_ANSWER_BYTES } from '../../../handlers/shared/answer-limit';

/** A command against a deployment failed; the message says what to do. */
export class ExecutionCommandError extends BellflowerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExecutionCommandError';
  }
}

/** The deployed resources these commands use. */
export interface DeploymentTarget {
  readonly stateMachineArn: string;
  readonly bucket: string;
}

/** Reads the state machine ARN and the integration bucket from the root stack outputs. */
export function deploymentTarget(outputs: Readonly<Record<string, string>>, env: string): DeploymentTarget {
  const pick = (key: string): string => {
    const value = outputs[key];
    if (!value) {
      throw new ExecutionCommandError(
        `the stack outputs of "${env}" have no ${key}: run \`npm run deploy -- --env ${env}\` again`,
      );
    }
    return value;
  };
  return { stateMachineArn: pick(ROOT_OUTPUTS.stepFunctionArn), bucket: pick(ROOT_OUTPUTS.s3BucketName) };
}

/** Key of the task token the integration Lambda writes for an execution. */
export function tokenKey(executionId: string): string {
  return `outbound/${executionId}/task_token.txt`;
}

/**
 * Whether an object exists. HeadObject answers a missing key with AccessDenied instead of NotFound
 * to a principal without an unconditional s3:ListBucket (the business application role may list
 * `outbound/` only), so a 403 is settled by listing the exact key.
 */
export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error: unknown) {
    const name = (error as { name?: unknown }).name;
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (name === 'NotFound' || name === 'NoSuchKey' || status === 404) return false;
    if (status !== 403) throw new ExecutionCommandError(`cannot read s3://${bucket}/${key}: ${String(error)}`, { cause: error });
  }
  try {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
    return (listed.Contents ?? []).some((object) => object.Key === key);
  } catch (error: unknown) {
    throw new ExecutionCommandError(`cannot read or list s3://${bucket}/${key}: ${String(error)}`, { cause: error });
  }
}

/** Options of {@link startExecution}. */
export interface StartOptions {
  readonly sfn: SFNClient;
  readonly stateMachineArn: string;
  /** @default {} */
  readonly input?: unknown;
  readonly name?: string;
}

/** Starts an execution; returns its ARN. */
export async function startExecution(options: StartOptions): Promise<string> {
  try {
    const response = await options.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: options.stateMachineArn,
        input: JSON.stringify(options.input ?? {}),
        name: options.name,
      }),
    );
    if (!response.executionArn) throw new Error('the response has no executionArn');
    return response.executionArn;
  } catch (error: unknown) {
    throw new ExecutionCommandError(`cannot start an execution of ${options.stateMachineArn}: ${String(error)}`, {
      cause: error,
    });
  }
}

/** Reads the whole history of an execution (all pages, oldest first). */
export async function executionHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error: unknown) {
    throw new ExecutionCommandError(`cannot read the history of ${executionArn}: ${String(error)}`, { cause: error });
  }
  return events;
}

const END_EVENTS = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);

/** The `execution_id` in the output of "Processing Lambda", once that state has exited. */
export function executionIdFromHistory(events: readonly HistoryEvent[]): string | undefined {
  for (const event of events) {
    const exited = event.stateExitedEventDetails;
    if (event.type !== 'TaskStateExited' || exited?.name !== STATES.processing || !exited.output) continue;
    try {
      const id = (JSON.parse(exited.output) as { execution_id?: unknown }).execution_id;
      if (typeof id === 'string') return id;
    } catch {
      // An output that is not JSON carries no id; the caller keeps waiting and says so on timeout.
    }
  }
  return undefined;
}

/** Options of {@link waitForExecutionId}. */
export interface WaitOptions {
  readonly sfn: SFNClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly executionArn: string;
  /** @default 120 000 */
  readonly timeoutMs?: number;
  /** @default 1000 */
  readonly pollMs?: number;
}

/**
 * Waits until the execution's id is known (from the processing state's output in the history) and
 * `outbound/<id>/data.json` exists; returns the id. The integration function writes the token
 * first and data.json last, and an answer is accepted once data.json is there (`respond` checks
 * it): waiting for the token alone let an answer race the second write. Throws if the execution
 * ends first or the wait times out.
 */
export async function waitForExecutionId(options: WaitOptions): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let executionId: string | undefined;
  for (;;) {
    const events = await executionHistory(options.sfn, options.executionArn);
    executionId ??= executionIdFromHistory(events);
    if (executionId && (await objectExists(options.s3, options.bucket, dataKey(executionId)))) return executionId;
    const end = events.find((e) => END_EVENTS.has(e.type ?? ''));
    if (end) {
      const failed = end.executionFailedEventDetails;
      throw new ExecutionCommandError(
        `the execution ended (${end.type}${failed?.error ? `: ${failed.error}` : ''}) before its outbound files appeared`,
      );
    }
    if (Date.now() > deadline) {
      throw new ExecutionCommandError(
        executionId
          ? `s3://${options.bucket}/${dataKey(executionId)} did not appear in time; see \`npm run watch -- ${options.executionArn}\``
          : `the processing step did not finish in time; see \`npm run watch -- ${options.executionArn}\``,
      );
    }
    await sleep(options.pollMs ?? 1000);
  }
}

/** Options of {@link respond}. */
export interface RespondOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly executionId: string;
  /** When set, answers failure.json with this cause; otherwise success.json. */
  readonly failure?: { readonly cause: string; readonly error?: string };
  /** The JSON text of success.json (the execution's `$.response`). @default {"status":"Response Received"} */
  readonly body?: string;
  /** Writes heartbeat.json instead (SendTaskHeartbeat: the wait's heartbeat timer starts again; the execution keeps waiting). */
  readonly heartbeat?: boolean;
}

/**
 * Checks an answer body before it is written: JSON (the integration function refuses anything
 * else) within the {@link MAX_ANSWER_BYTES} a Step Functions task output may hold.
 */
export function checkAnswerBody(body: string, source: string): void {
  try {
    JSON.parse(body);
  } catch (error) {
    throw new ExecutionCommandError(`${source} is not valid JSON (the integration function refuses it): ${messageOf(error)}`, { cause: error });
  }
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_ANSWER_BYTES) {
    throw new ExecutionCommandError(`${source} is ${bytes} bytes, more than the ${MAX_ANSWER_BYTES}-byte limit of a Step Functions task output`);
  }
}

/** Key of the data the integration Lambda writes for the business application (after the token). */
export function dataKey(executionId: string): string {
  return `outbound/${executionId}/data.json`;
}

/**
 * Answers as the business application: uploads `inbound/<id>/success.json` or `failure.json`.
 * Refuses an id that is not a UUID or has no `outbound/<id>/data.json` (the business application's
 * role may not read the task token). Returns the key.
 */
export async function respond(options: RespondOptions): Promise<string> {
  const id = options.executionId;
  if (!isExecutionId(id)) throw new ExecutionCommandError(`"${id}" is not an execution id (a UUID)`);
  if (!(await objectExists(options.s3, options.bucket, dataKey(id)))) {
    throw new ExecutionCommandError(
      `no s3://${options.bucket}/${dataKey(id)}: no execution with id ${id} is waiting for an answer`,
    );
  }
  if (options.body !== undefined) checkAnswerBody(options.body, 'the answer body');
  const [file, body] = options.heartbeat
    ? ['heartbeat.json', '{}']
    : options.failure
      ? ['failure.json', JSON.stringify({ error: options.failure.error ?? 'BusinessApplicationFailure', cause: options.failure.cause })]
      : ['success.json', options.body ?? JSON.stringify({ status: 'Response Received' })];
  const key = `inbound/${id}/${file}`;
  try {
    await options.s3.send(new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: body, ContentType: 'application/json' }));
  } catch (error: unknown) {
    throw new ExecutionCommandError(`cannot write s3://${options.bucket}/${key}: ${String(error)}`, { cause: error });
  }
  return key;
}

/**
 * The ARN of an execution given its ARN or its name (the name is resolved against the state
 * machine: `arn:...:stateMachine:<sm>` becomes `arn:...:execution:<sm>:<name>`).
 */
export function executionArnOf(arnOrName: string, stateMachineArn?: string): string {
  if (arnOrName.startsWith('arn:')) return arnOrName;
  if (!stateMachineArn) {
    throw new ExecutionCommandError(`"${arnOrName}" is not an ARN and no state machine is known to resolve the name`);
  }
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${arnOrName}`;
}

/** Options of {@link followExecution}. */
export interface FollowOptions {
  readonly sfn: SFNClient;
  readonly executionArn: string;
  /** @default 2000 */
  readonly pollMs?: number;
  /** Stop waiting after this long (the execution keeps running). @default no limit */
  readonly timeoutMs?: number;
  /** Called with the whole history after each read that does not end the execution, once its new events are yielded. */
  readonly onPoll?: (events: readonly HistoryEvent[]) => void;
}

/** Yields the history events of an execution as they happen, until it ends. */
export async function* followExecution(options: FollowOptions): AsyncGenerator<HistoryEvent> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let seen = 0;
  for (;;) {
    const events = await executionHistory(options.sfn, options.executionArn);
    for (const event of events.slice(seen)) {
      yield event;
      if (END_EVENTS.has(event.type ?? '')) return;
    }
    seen = events.length;
    options.onPoll?.(events);
    if (Date.now() > deadline) {
      throw new ExecutionCommandError(`${options.executionArn} is still running; stopped following it`);
    }
    await sleep(options.pollMs ?? 2000);
  }
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Turns history events into timeline entries, one event at a time (keeps per-state context). */
export class HistoryTimeline {
  #startedAt?: number;
  #currentState = '';
  readonly #enteredAt = new Map<string, number>();
  readonly #attempts = new Map<string, number>();
  #pendingNotification?: { subject: string; message: string };

  /** Entries for one event (often none or one). */
  add(event: HistoryEvent): TimelineEntry[] {
    const at = event.timestamp ? new Date(event.timestamp).getTime() : Date.now();
    return this.#describe(event, at).map((entry) => ({ ...entry, at }) as TimelineEntry);
  }

  #describe(event: HistoryEvent, at: number): EntryWithoutTime[] {
    const state = this.#currentState;
    const entered = event.stateEnteredEventDetails;
    if (entered?.name) {
      this.#currentState = entered.name;
      this.#enteredAt.set(entered.name, at);
      return [{ kind: 'state-entered', state: entered.name }];
    }
    const exited = event.stateExitedEventDetails;
    if (exited?.name) {
      const since = this.#enteredAt.get(exited.name);
      return [{ kind: 'state-exited', state: exited.name, durationMs: since === undefined ? undefined : at - since }];
    }
    switch (event.type) {
      case 'ExecutionStarted':
        this.#startedAt = at;
        return [{ kind: 'execution-started', input: parseJson(event.executionStartedEventDetails?.input) }];
      case 'TaskScheduled': {
        const details = event.taskScheduledEventDetails;
        const parameters = (parseJson(details?.parameters) ?? {}) as Record<string, unknown>;
        const attempt = (this.#attempts.get(state) ?? 0) + 1;
        this.#attempts.set(state, attempt);
        const entries: EntryWithoutTime[] = attempt > 1 ? [{ kind: 'state-retried', state, attempt: attempt - 1 }] : [];
        if (details?.resourceType === 'sqs') {
          const body = parameters.MessageBody as { TaskToken?: unknown } | undefined;
          entries.push({
            kind: 'message-sent',
            queue: String(parameters.QueueUrl ?? '').replace(/^.*\//, ''),
            tokenPreview: tokenPreview(body?.TaskToken),
          });
        } else if (details?.resourceType === 'sns') {
          const message = parameters.Message;
          this.#pendingNotification = {
            subject: String(parameters.Subject ?? ''),
            message: typeof message === 'string' ? message : JSON.stringify(message),
          };
        }
        return entries;
      }
      case 'TaskSucceeded': {
        const pending = this.#pendingNotification;
        this.#pendingNotification = undefined;
        return event.taskSucceededEventDetails?.resourceType === 'sns' && pending ? [{ kind: 'notification', ...pending }] : [];
      }
      case 'TaskFailed':
      case 'TaskTimedOut':
      case 'TaskStartFailed':
      case 'TaskSubmitFailed': {
        const d =
          event.taskFailedEventDetails ??
          event.taskTimedOutEventDetails ??
          event.taskStartFailedEventDetails ??
          event.taskSubmitFailedEventDetails;
        return [{ kind: 'state-failed', state, error: d?.error ?? event.type, cause: d?.cause ?? '' }];
      }
      case 'ExecutionSucceeded':
        return [this.#ended('SUCCEEDED', at, { output: parseJson(event.executionSucceededEventDetails?.output) })];
      case 'ExecutionFailed':
        return [
          this.#ended('FAILED', at, {
            error: event.executionFailedEventDetails?.error,
            cause: event.executionFailedEventDetails?.cause,
          }),
        ];
      case 'ExecutionTimedOut':
        return [this.#ended('TIMED_OUT', at, { error: event.executionTimedOutEventDetails?.error })];
      case 'ExecutionAborted':
        return [this.#ended('ABORTED', at, { error: event.executionAbortedEventDetails?.error })];
      default:
        return [];
    }
  }

  #ended(status: ExecutionStatus, at: number, rest: { output?: unknown; error?: string; cause?: string }): EntryWithoutTime {
    return {
      kind: 'execution-ended',
      status,
      durationMs: this.#startedAt === undefined ? undefined : at - this.#startedAt,
      ...rest,
    };
  }
}
