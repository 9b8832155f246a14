/**
 * The local engine of `npm run local`: runs the synthesized state machine with
 * `aws-local-stepfunctions`, the handlers (the real bundles, or stand-ins in tests) in this process
 * with the real AWS SDK, a real S3 API for the integration bucket, and emulations of what AWS
 * provides around them: the Lambda service integration, the SQS queue and its event source mapping
 * (with the task token), the S3 bucket notification (prefix/suffix filter), the Step Functions
 * callback API, SNS (captured), and the business application that answers through S3.
 *
 * The handlers reach the local pieces only through standard environment variables
 * (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_SFN`, `S3_BUCKET_NAME`, ...), set before they load.
 */
import './polyfill';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent, SQSBatchResponse } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import pLimit from 'p-limit';
import { createHash, randomUUID } from 'node:crypto';
import { PLACEHOLDERS, STATES, placeholdersIn } from '../../../asl/state-machine';
import { startCallbackServer, tokenPreview, type CallbackOutcome, type CallbackServer } from './callback-server';
import { invokeLambda, LambdaInvocationError, type LocalFunction, type WorkflowHandlers } from './lambda';
import { EXTERNAL_S3_DEFAULTS, localS3Client, LOCAL_CREDENTIALS, startEmbeddedS3, watchExternalS3, type S3Backend } from './s3-backend';
import { matchesFilter, s3Event, INBOUND_NOTIFICATION, type CreatedObject } from './s3-events';
import { seconds, type EntryWithoutTime, type ExecutionStatus, type TimelineEntry } from './timeline';
import { isExecutionId } from '../../../handlers/shared/execution-id';
import { checkExecutionInputSize, dataLimitExceeded, payloadBytes, PAYLOAD_LIMIT_BYTES, sqsMessageTooLong } from './limits';

/** Account id used in local ARNs. */
export const LOCAL_ACCOUNT = '000000000000';

/** Durations of the original, in milliseconds, scaled by {@link LocalEngineOptions.delayScale}. */
export const ORIGINAL_DELAYS = {
  /** The processing Lambda's simulated work (`SIMULATED_WORK_MS`). */
  processingMs: 5000,
  /** The business application's automatic answer after the outbound files appear. */
  answerMs: 2000,
  /** SQS visibility timeout before a failed delivery is retried (template default 300 s). */
  visibilityTimeoutMs: 300_000,
} as const;

/** An event of the interpreter's `eventLogs` (the package does not export the type). */
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** Largest task timeout a Node.js timer can hold (setTimeout overflows above 2^31-1 ms). */
const MAX_LOCAL_TIMEOUT_SECONDS = 2_000_000;

/** How the emulated business application answers. */
export type AnswerMode = 'success' | 'failure' | 'none';

/** Options of {@link startLocalEngine}. */
export interface LocalEngineOptions {
  /** The ASL definition with its `${Placeholder}`s (synthesized file or `buildStateMachine()`). */
  readonly definition: Record<string, unknown>;
  /** Loads the two workflow handlers; called once, after the environment variables are set. */
  readonly loadHandlers: () => Promise<WorkflowHandlers>;
  /** An S3 endpoint to use instead of the embedded server (moto, LocalStack), polled for new objects. */
  readonly endpoint?: string;
  /**
   * How long {@link endpoint} may stop answering before the engine gives up: the executions still
   * running end ABORTED with error `Local.S3EndpointUnavailable`. @default 30000
   */
  readonly endpointGiveUpMs?: number;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default 'bellflower-integration-bucket-local-<region>' */
  readonly bucket?: string;
  /** Factor applied to the original delays (processing work, retry intervals, answer, visibility). @default 1 */
  readonly delayScale?: number;
  /** Replaces TimeoutSeconds of "Wait For Response" (seconds, fractions allowed). */
  readonly callbackTimeoutSeconds?: number;
  /** `POWERTOOLS_LOG_LEVEL` of the handlers. @default 'WARN' */
  readonly logLevel?: string;
  /** Deliveries of one SQS message before it is given up (dead-letter queue). @default 3 */
  readonly maxReceiveCount?: number;
  /**
   * Invocations of one function running at once; more wait for a free slot, as with a Lambda
   * function's reserved concurrency. The default matches the handlers' SDK socket pool (50 per
   * client), so their requests never queue for a socket. @default 50
   */
  readonly functionConcurrency?: number;
  /** Receives every timeline entry as it happens. */
  readonly onEntry?: (entry: TimelineEntry) => void;
}

/** Options of one execution. */
export interface ExecutionOptions {
  /** Any JSON value, as StartExecution accepts (over 256 KiB it is refused). @default {} */
  readonly input?: unknown;
  /** @default a random UUID */
  readonly name?: string;
  /** @default 'success' */
  readonly answer?: AnswerMode;
  /** Delay of the automatic answer. @default ORIGINAL_DELAYS.answerMs x delayScale */
  readonly answerDelayMs?: number;
  /** Body of failure.json when answer is 'failure'. */
  readonly failure?: { readonly error: string; readonly cause: string };
}

/** Result of one execution. */
export interface ExecutionReport {
  readonly name: string;
  readonly executionArn: string;
  /** The `execution_id` the processing Lambda assigned (the outbound/inbound folder name). */
  readonly executionId?: string;
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly timeline: readonly TimelineEntry[];
}

/** An execution in progress. */
export interface RunningExecution {
  readonly name: string;
  readonly executionArn: string;
  /** Resolves with the execution id once `outbound/<id>/task_token.txt` is written. */
  readonly outboundReady: Promise<string>;
  readonly done: Promise<ExecutionReport>;
}

/** A started local engine. */
export interface LocalEngine {
  readonly region: string;
  readonly bucket: string;
  readonly s3Endpoint: string;
  readonly sfnEndpoint: string;
  readonly stateMachineArn: string;
  /** A client for the integration bucket (static local credentials). */
  readonly s3: S3Client;
  /** Entries that belong to no execution (e.g. a file under an unknown folder). */
  readonly unattributed: readonly TimelineEntry[];
  /** Starts an execution; throws an `InvalidExecutionInput` {@link AwsServiceError} for an input over 256 KiB. */
  start(options?: ExecutionOptions): RunningExecution;
  run(options?: ExecutionOptions): Promise<ExecutionReport>;
  /** Writes an object to the integration bucket (as the business application would). */
  putObject(key: string, body: string): Promise<void>;
  /** Resolves once the handler invocations and answers under way have finished. */
  settle(): Promise<void>;
  /** Aborts the executions still running and closes every server; every call returns the same promise. */
  stop(): Promise<void>;
}

/** Raised for an unusable definition or options. */
export class LocalEngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalEngineError';
  }
}

/** An error of a Task state, as Step Functions reports it (Error = name, Cause = message). */
class TaskError extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** What the definition's placeholders are bound to locally. */
export interface LocalResources {
  readonly processing: LocalFunction;
  readonly integration: LocalFunction;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly topicArn: string;
  readonly stateMachineArn: string;
}

/** The local names and ARNs of the resources the definition refers to. */
export function localResources(region: string): LocalResources {
  const name = (base: string): string => `${base}-local-${region}`;
  const fn = (base: string): LocalFunction => ({
    name: name(base),
    arn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${name(base)}`,
  });
  return {
    processing: fn('bellflower-processing-lambda'),
    integration: fn('bellflower-integration-lambda'),
    queueUrl: `https://sqs.${region}.amazonaws.com/${LOCAL_ACCOUNT}/${name('bellflower-sqs-queue')}`,
    queueArn: `arn:aws:sqs:${region}:${LOCAL_ACCOUNT}:${name('bellflower-sqs-queue')}`,
    topicArn: `arn:aws:sns:${region}:${LOCAL_ACCOUNT}:${name('bellflower-sns-topic')}`,
    stateMachineArn: `arn:aws:states:${region}:${LOCAL_ACCOUNT}:stateMachine:${name('bellflower-state-machine')}`,
  };
}

type StateDefinition = Record<string, unknown> & { Type?: string; Resource?: string; TimeoutSeconds?: number };

/** How the engine plays one Task state's resource for one execution. */
type TaskEmulation = (record: ExecutionRecord, input: unknown) => Promise<unknown>;

/**
 * The definition as the local engine runs it: placeholders bound to local ARNs, retry intervals
 * scaled, the callback timeout replaced if asked, and a timeout on every Task (the interpreter
 * would otherwise stop a Task after 60 s, which Step Functions does not).
 */
export function localDefinition(
  definition: Record<string, unknown>,
  resources: LocalResources,
  options: { readonly delayScale: number; readonly callbackTimeoutSeconds?: number },
): Record<string, unknown> {
  const bindings: Record<string, string> = {
    [PLACEHOLDERS.partition]: 'aws',
    [PLACEHOLDERS.processingLambda]: resources.processing.arn,
    [PLACEHOLDERS.waitForResponseQueueUrl]: resources.queueUrl,
    [PLACEHOLDERS.reportResultSnsTopicArn]: resources.topicArn,
  };
  const text = JSON.stringify(definition);
  const unknownPlaceholders = placeholdersIn(text).filter((p) => !(p in bindings));
  if (unknownPlaceholders.length > 0) {
    throw new LocalEngineError(`the definition uses placeholders the local engine cannot bind: ${unknownPlaceholders.join(', ')}`);
  }
  const bound = JSON.parse(text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, p: string) => bindings[p]!)) as {
    States: Record<string, StateDefinition>;
  };
  // Validate what Step Functions would see, before the local-only changes below.
  try {
    new StateMachine(bound as never);
  } catch (error: unknown) {
    throw new LocalEngineError(`invalid state machine definition: ${String(error)}`, { cause: error });
  }
  for (const [name, state] of Object.entries(bound.States)) {
    for (const retrier of (state.Retry as { IntervalSeconds?: number }[] | undefined) ?? []) {
      retrier.IntervalSeconds = (retrier.IntervalSeconds ?? 1) * options.delayScale;
    }
    if (state.Type !== 'Task') continue;
    if (name === STATES.waitForResponse && options.callbackTimeoutSeconds !== undefined) {
      state.TimeoutSeconds = options.callbackTimeoutSeconds;
    }
    state.TimeoutSeconds = Math.min(state.TimeoutSeconds ?? MAX_LOCAL_TIMEOUT_SECONDS, MAX_LOCAL_TIMEOUT_SECONDS);
  }
  return bound;
}

/** The execution id a key belongs to (`outbound/<id>/...` or `inbound/<id>/...`). */
function folderId(key: string): string | undefined {
  const match = /^(?:inbound|outbound)\/([^/]+)\//.exec(key);
  return match && isExecutionId(match[1]!) ? match[1]!.toLowerCase() : undefined;
}

const TOKEN_FILE = /^outbound\/([^/]+)\/task_token\.txt$/;

interface ExecutionRecord {
  readonly name: string;
  readonly arn: string;
  readonly options: ExecutionOptions;
  readonly entries: TimelineEntry[];
  readonly tokens: Set<string>;
  readonly timers: Set<NodeJS.Timeout>;
  executionId?: string;
  ended: boolean;
  /**
   * Aborts the run and rejects {@link halted}, so that every Task under way settles (the
   * interpreter clears a Task's timeout timer only then) and nothing is left pending.
   */
  halt?: () => void;
  /** Rejects once the execution is halted (stop, or a terminal error). */
  halted: Promise<never>;
  readonly outbound: PromiseWithResolversLike<string>;
  finished?: Promise<unknown>;
  deferred: { state: string; entry: EntryWithoutTime; at: number }[];
  /** The state whose entry the timeline recorded last. */
  currentState?: string;
  /** A terminal error the emulation raised (no Retry or Catch applies): the execution fails with it. */
  terminal?: { readonly error: string; readonly cause: string };
  /** Why the engine gave the execution up (its S3 endpoint is gone): it ends ABORTED with this. */
  abandoned?: { readonly error: string; readonly cause: string };
}

interface PromiseWithResolversLike<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
}

function resolvers<T>(): PromiseWithResolversLike<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

const ENV_KEYS = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_SFN',
  'AWS_REQUEST_CHECKSUM_CALCULATION',
  'AWS_RESPONSE_CHECKSUM_VALIDATION',
  'S3_BUCKET_NAME',
  'STATE_MACHINE',
  'SIMULATED_WORK_MS',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_LOG_LEVEL',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
] as const;

/** Starts the S3 API, the callback endpoint, loads the handlers and returns the engine. */
export async function startLocalEngine(options: LocalEngineOptions): Promise<LocalEngine> {
  const region = options.region ?? 'us-east-1';
  const delayScale = options.delayScale ?? 1;
  if (!Number.isFinite(delayScale) || delayScale < 0) {
    throw new LocalEngineError(`delayScale must be a number >= 0, got ${delayScale}`);
  }
  const resources = localResources(region);
  const definition = localDefinition(options.definition, resources, {
    delayScale,
    callbackTimeoutSeconds: options.callbackTimeoutSeconds,
  });
  const machine = new StateMachine(definition as never, { validationOptions: { noValidate: true } });
  const bucket = options.bucket ?? `bellflower-integration-bucket-local-${region}`;
  const maxReceiveCount = options.maxReceiveCount ?? 3;
  const concurrency = options.functionConcurrency ?? 50;
  // The emulated business application shares one SDK client: at most as many writes at once.
  const slots = { processing: pLimit(concurrency), integration: pLimit(concurrency), answers: pLimit(concurrency) };
  const invoke = (name: 'processing' | 'integration', event: unknown): Promise<unknown> =>
    slots[name](() => invokeLambda(resources[name], handlers[name], event));
  const queueName = resources.queueUrl.replace(/^.*\//, '');

  // Executions still running, by name, by execution id and by task token; a finished execution
  // leaves them all (its report went to the caller), so memory does not grow with the count run.
  const records = new Map<string, ExecutionRecord>();
  const byExecutionId = new Map<string, ExecutionRecord>();
  const byToken = new Map<string, ExecutionRecord>();
  const namesUsed = new Set<string>();
  const unattributed: TimelineEntry[] = [];
  const background = new Set<Promise<unknown>>();

  const emit = (record: ExecutionRecord | undefined, entry: EntryWithoutTime, at = Date.now()): void => {
    const full = { ...entry, at, ...(record ? { execution: record.name } : {}) } as TimelineEntry;
    (record ? record.entries : unattributed).push(full);
    options.onEntry?.(full);
  };
  /**
   * For entries of a Task emulation: the interpreter's events reach us a few microtasks late
   * (through an async generator), so the Task's entries wait until the entry of the state that
   * runs the Task has been recorded, to keep the timeline in the order things happened.
   */
  const emitFromTask = (record: ExecutionRecord, state: string, entry: EntryWithoutTime): void => {
    if (record.currentState === state) emit(record, entry);
    else record.deferred.push({ state, entry, at: Date.now() });
  };
  const drain = (record: ExecutionRecord, state?: string): void => {
    const ready = record.deferred.filter((d) => state === undefined || d.state === state);
    record.deferred = record.deferred.filter((d) => !ready.includes(d));
    for (const { entry, at } of ready) emit(record, entry, at);
  };
  const track = (work: Promise<unknown>): void => {
    background.add(work);
    void work.finally(() => background.delete(work));
  };
  const later = (record: ExecutionRecord, ms: number, work: () => Promise<void>): void => {
    const timer = setTimeout(() => {
      record.timers.delete(timer);
      track(work());
    }, ms);
    record.timers.add(timer);
  };

  const note = (text: string): void => emit(undefined, { kind: 'note', text });
  const callbacks: CallbackServer = await startCallbackServer();
  let backend: S3Backend;
  try {
    backend = options.endpoint
      ? await watchExternalS3({
          endpoint: options.endpoint,
          bucket,
          region,
          giveUpAfterMs: options.endpointGiveUpMs,
          onUnavailable: (error) => {
            const limit = seconds(options.endpointGiveUpMs ?? EXTERNAL_S3_DEFAULTS.giveUpAfterMs);
            note(`the S3 endpoint ${options.endpoint} stopped answering (${errorText(error)}); retrying with backoff for up to ${limit}`);
          },
          onRecovered: (downMs) => note(`the S3 endpoint ${options.endpoint} answers again (after ${seconds(downMs)})`),
          onGaveUp: (error, downMs) => {
            const cause = `the S3 endpoint ${options.endpoint} did not answer for ${seconds(downMs)} (${errorText(error)}); gave up`;
            note(cause);
            for (const record of records.values()) {
              record.abandoned = { error: 'Local.S3EndpointUnavailable', cause };
              record.halt?.();
            }
          },
        })
      : await startEmbeddedS3(bucket);
  } catch (error: unknown) {
    await callbacks.stop();
    throw error;
  }
  const s3 = localS3Client(backend.endpoint, region);

  const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  const restoreEnv = (): void => {
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_ENDPOINT_URL;
  Object.assign(process.env, {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: backend.endpoint,
    AWS_ENDPOINT_URL_SFN: callbacks.endpoint,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    S3_BUCKET_NAME: bucket,
    STATE_MACHINE: resources.stateMachineArn,
    SIMULATED_WORK_MS: String(Math.round(ORIGINAL_DELAYS.processingMs * delayScale)),
    POWERTOOLS_SERVICE_NAME: 'bellflower-local',
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'WARN',
    // Each bundle carries its own SDK copy; the engine's client has already shown this warning once.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });

  let handlers: WorkflowHandlers;
  try {
    handlers = await options.loadHandlers();
  } catch (error: unknown) {
    restoreEnv();
    s3.destroy();
    await Promise.all([backend.stop(), callbacks.stop()]);
    throw error;
  }

  const recordForKey = (key: string): ExecutionRecord | undefined => {
    const id = folderId(key);
    return id ? byExecutionId.get(id) : undefined;
  };

  callbacks.onCall((call) => {
    // The token tells which execution was answered; rejected calls carry no known token.
    const record = call.token === undefined ? undefined : byToken.get(call.token);
    emit(record, { kind: 'callback', action: call.action, tokenPreview: call.tokenPreview, rejectedWith: call.rejectedWith }, call.at);
  });

  const putObject = async (key: string, body: string): Promise<void> => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  };

  /** The emulated business application: answers once the outbound files appear. */
  const answer = (record: ExecutionRecord, executionId: string): void => {
    const mode = record.options.answer ?? 'success';
    if (mode === 'none') return;
    const delay = record.options.answerDelayMs ?? ORIGINAL_DELAYS.answerMs * delayScale;
    later(record, delay, async () => {
      if (record.ended) return;
      const failure = record.options.failure ?? {
        error: 'BusinessRejected',
        cause: 'The business application rejected the request (local run, --answer failure)',
      };
      const [file, body] =
        mode === 'success'
          ? ['success.json', { status: 'Response Received', answeredBy: 'local business application' }]
          : ['failure.json', failure];
      try {
        await slots.answers(() => putObject(`inbound/${executionId}/${file}`, JSON.stringify(body)));
      } catch (error: unknown) {
        emit(record, { kind: 'note', text: `the business application could not write ${file}: ${String(error)}` });
      }
    });
  };

  /** S3 -> bucket notification (prefix/suffix filter) -> integration handler. */
  const onObjectCreated = (object: CreatedObject): void => {
    const record = recordForKey(object.key);
    emit(record, { kind: 'file-written', key: object.key, size: object.size });
    const token = TOKEN_FILE.exec(object.key);
    if (record && token && record.executionId === token[1]) {
      record.outbound.resolve(record.executionId);
      answer(record, record.executionId);
    }
    if (!object.key.startsWith('inbound/')) return;
    if (!matchesFilter(object.key, INBOUND_NOTIFICATION)) {
      emit(record, {
        kind: 's3-notification',
        key: object.key,
        delivered: false,
        reason: `filtered out (prefix "${INBOUND_NOTIFICATION.prefix}", suffix "${INBOUND_NOTIFICATION.suffix}")`,
      });
      return;
    }
    emit(record, { kind: 's3-notification', key: object.key, delivered: true });
    track(
      invoke('integration', s3Event(object, region)).catch((error: unknown) => {
        emit(record, { kind: 'handler-failed', handler: 'integration', trigger: `S3 event ${object.key}`, error: errorText(error) });
      }),
    );
  };
  const unsubscribe = backend.onObjectCreated(onObjectCreated);

  /** SQS queue + event source mapping: delivers the message, redelivers failed ones. */
  const deliver = (record: ExecutionRecord, body: string, messageId: string, receiveCount: number, token: string): void => {
    const sentAt = Date.now();
    const event: SQSEvent = {
      Records: [
        {
          messageId,
          receiptHandle: `${messageId}#${receiveCount}`,
          body,
          attributes: {
            ApproximateReceiveCount: String(receiveCount),
            SentTimestamp: String(sentAt),
            SenderId: 'AROALOCAL:states',
            ApproximateFirstReceiveTimestamp: String(sentAt),
          },
          messageAttributes: {},
          md5OfBody: createHash('md5').update(body).digest('hex'),
          eventSource: 'aws:sqs',
          eventSourceARN: resources.queueArn,
          awsRegion: region,
        },
      ],
    };
    track(
      (async () => {
        let failed: string | undefined;
        try {
          const result = (await invoke('integration', event)) as SQSBatchResponse | null;
          if (result?.batchItemFailures?.some((f) => f.itemIdentifier === messageId)) failed = 'reported as a batch item failure';
        } catch (error: unknown) {
          failed = errorText(error);
        }
        if (failed === undefined || record.ended) return;
        emit(record, { kind: 'handler-failed', handler: 'integration', trigger: `SQS message (delivery ${receiveCount})`, error: failed });
        if (receiveCount >= maxReceiveCount) {
          emit(record, { kind: 'note', text: `SQS message moved to the dead-letter queue after ${receiveCount} deliveries` });
          return;
        }
        later(record, ORIGINAL_DELAYS.visibilityTimeoutMs * delayScale, async () => {
          if (record.ended) return;
          emit(record, { kind: 'message-sent', queue: queueName, tokenPreview: tokenPreview(token), receiveCount: receiveCount + 1 });
          deliver(record, body, messageId, receiveCount + 1, token);
        });
      })(),
    );
  };

  /** Emulations of the Task states' resources, chosen by each state's Resource (built once). */
  const emulations = ((): Record<string, TaskEmulation> => {
    const result: Record<string, TaskEmulation> = {};
    const states = (definition as { States: Record<string, StateDefinition> }).States;
    for (const [stateName, state] of Object.entries(states)) {
      if (state.Type !== 'Task') continue;
      const resource = String(state.Resource);
      if (resource === 'arn:aws:states:::lambda:invoke') {
        result[stateName] = async (record, input) => {
          const { FunctionName, Payload } = input as { FunctionName?: string; Payload?: unknown };
          if (FunctionName !== resources.processing.arn && FunctionName !== resources.processing.name) {
            throw new TaskError('Lambda.ResourceNotFoundException', `Function not found: ${FunctionName}`);
          }
          try {
            const payload = await invoke('processing', Payload ?? null);
            const id = (payload as { execution_id?: unknown } | null)?.execution_id;
            if (typeof id === 'string' && isExecutionId(id)) {
              record.executionId = id.toLowerCase();
              byExecutionId.set(record.executionId, record);
            }
            return { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200 };
          } catch (error: unknown) {
            if (error instanceof LambdaInvocationError) {
              const { errorType, errorMessage, trace } = error.payload;
              throw new TaskError(errorType, JSON.stringify({ errorMessage, errorType, trace }));
            }
            throw error;
          }
        };
      } else if (resource === 'arn:aws:states:::sqs:sendMessage.waitForTaskToken') {
        const timeoutMs = (state.TimeoutSeconds ?? MAX_LOCAL_TIMEOUT_SECONDS) * 1000;
        result[stateName] = async (record, input) => {
          const { QueueUrl, MessageBody } = input as { QueueUrl?: string; MessageBody?: { TaskToken?: unknown } };
          if (QueueUrl !== resources.queueUrl) {
            throw new TaskError('SQS.QueueDoesNotExistException', `The specified queue does not exist: ${QueueUrl}`);
          }
          const token = MessageBody?.TaskToken;
          if (typeof token !== 'string') throw new TaskError('States.Runtime', 'the message carries no task token');
          record.tokens.add(token);
          // HeartbeatSeconds: without a heartbeat that often, the task fails with States.HeartbeatTimeout.
          const heartbeatMs = typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds * 1000 : undefined;
          let heartbeatTimer: NodeJS.Timeout | undefined;
          let heartbeatMissed: (error: TaskError) => void = () => {};
          const missed = new Promise<never>((_, reject) => (heartbeatMissed = reject));
          const armHeartbeat = () => {
            if (heartbeatTimer) record.timers.delete(heartbeatTimer);
            clearTimeout(heartbeatTimer);
            heartbeatTimer = setTimeout(() => {
              callbacks.expire(token);
              heartbeatMissed(new TaskError('States.HeartbeatTimeout', `no heartbeat within ${heartbeatMs! / 1000} s`));
            }, heartbeatMs);
            record.timers.add(heartbeatTimer);
          };
          byToken.set(token, record);
          const outcome = callbacks.waitFor(token, heartbeatMs === undefined ? {} : { onHeartbeat: armHeartbeat });
          if (heartbeatMs !== undefined) armHeartbeat();
          // Step Functions closes the token when the task times out: later answers are refused.
          const expiry = setTimeout(() => callbacks.expire(token), timeoutMs);
          record.timers.add(expiry);
          const body = typeof MessageBody === 'string' ? MessageBody : JSON.stringify(MessageBody);
          if (payloadBytes(body) > PAYLOAD_LIMIT_BYTES) {
            const { error, cause } = sqsMessageTooLong();
            throw new TaskError(error, cause);
          }
          emitFromTask(record, stateName, { kind: 'message-sent', queue: queueName, tokenPreview: tokenPreview(token) });
          deliver(record, body, randomUUID(), 1, token);
          let settled: CallbackOutcome;
          try {
            settled = await (heartbeatMs === undefined ? outcome : Promise.race([outcome, missed]));
          } finally {
            clearTimeout(heartbeatTimer);
            if (heartbeatTimer) record.timers.delete(heartbeatTimer);
          }
          clearTimeout(expiry);
          record.timers.delete(expiry);
          if (settled.kind === 'failure') throw new TaskError(settled.error, settled.cause);
          return settled.output as never;
        };
      } else if (resource === 'arn:aws:states:::sns:publish') {
        result[stateName] = async (record, input) => {
          const { TopicArn, Subject, Message } = input as { TopicArn?: string; Subject?: string; Message?: unknown };
          if (TopicArn !== resources.topicArn) throw new TaskError('SNS.NotFoundException', `Topic does not exist: ${TopicArn}`);
          const message = typeof Message === 'string' ? Message : JSON.stringify(Message);
          emitFromTask(record, stateName, { kind: 'notification', subject: Subject ?? '', message });
          return { MessageId: randomUUID(), SdkHttpMetadata: { HttpStatusCode: 200 } };
        };
      } else {
        throw new LocalEngineError(`state "${stateName}" uses ${resource}, which the local engine does not emulate`);
      }
    }
    return result;
  })();

  /**
   * Fails the execution with a terminal error (one that Retry and Catch do not see, such as
   * `States.DataLimitExceeded`): the interpreter has no such notion, so the run is halted and
   * reported as FAILED with that error. Returns the rejected {@link ExecutionRecord.halted}.
   */
  const failTerminally = (record: ExecutionRecord, state: string, failure: { error: string; cause: string }): Promise<never> => {
    if (!record.terminal && !record.ended) {
      record.terminal = failure;
      emitFromTask(record, state, { kind: 'state-failed', state, ...failure });
      record.halt?.();
    }
    return record.halted;
  };

  /** The Task handlers of one execution: each emulation, within Step Functions' payload quota. */
  const taskHandlers = (record: ExecutionRecord): Record<string, (input: unknown) => Promise<unknown>> =>
    Object.fromEntries(
      Object.entries(emulations).map(([state, emulate]) => [
        state,
        async (input: unknown) => {
          // Lets the events of the previous state reach onEvent first: its output may have
          // exceeded the quota, which ends the execution before this Task runs.
          await new Promise((resolve) => setImmediate(resolve));
          if (record.terminal || record.ended) return record.halted;
          const inputBytes = payloadBytes(input);
          if (inputBytes > PAYLOAD_LIMIT_BYTES) return failTerminally(record, state, dataLimitExceeded(state, 'input', inputBytes));
          const result = await Promise.race([emulate(record, input), record.halted]);
          const resultBytes = payloadBytes(result);
          if (resultBytes > PAYLOAD_LIMIT_BYTES) return failTerminally(record, state, dataLimitExceeded(state, 'result', resultBytes));
          return result;
        },
      ]),
    );

  const onEvent = (record: ExecutionRecord, event: EventLog, entered: Map<string, number>): void => {
    const at = event.timestamp;
    switch (event.type) {
      case 'ExecutionStarted':
        emit(record, { kind: 'execution-started', input: event.input }, at);
        return;
      case 'StateEntered':
        entered.set(event.state.name, at);
        emit(record, { kind: 'state-entered', state: event.state.name }, at);
        return;
      case 'StateExited': {
        const bytes = payloadBytes(event.state.output);
        if (bytes > PAYLOAD_LIMIT_BYTES) {
          void failTerminally(record, event.state.name, dataLimitExceeded(event.state.name, 'output', bytes));
          return;
        }
        emit(record, { kind: 'state-exited', state: event.state.name, durationMs: at - (entered.get(event.state.name) ?? at) }, at);
        return;
      }
      case 'StateFailed':
        // A Fail state "fails" by design; the end of the execution reports its error.
        if (event.state.type === 'Fail') return;
        emit(record, { kind: 'state-failed', state: event.state.name, error: event.Error, cause: causeText(event.Cause) }, at);
        return;
      case 'StateRetried': {
        const { IntervalSeconds = 1, BackoffRate = 2 } = event.retry.retrier;
        const waitMs = Math.round(IntervalSeconds * 1000 * BackoffRate ** (event.retry.attempt - 1));
        emit(record, { kind: 'state-retried', state: event.state.name, attempt: event.retry.attempt, waitMs }, at);
        return;
      }
      case 'StateCaught':
        emit(record, { kind: 'state-caught', state: event.state.name, next: event.catch.catcher.Next }, at);
        return;
      default:
        return;
    }
  };

  const start = (executionOptions: ExecutionOptions = {}): RunningExecution => {
    const name = executionOptions.name ?? randomUUID();
    if (namesUsed.has(name)) throw new LocalEngineError(`an execution named ${name} already ran in this engine`);
    // StartExecution takes any JSON; `null` is a value, not a missing input.
    const input = executionOptions.input === undefined ? {} : executionOptions.input;
    checkExecutionInputSize(input);
    namesUsed.add(name);
    const arn = `${resources.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    let rejectHalted!: (reason: unknown) => void;
    const record: ExecutionRecord = {
      name,
      arn,
      options: executionOptions,
      entries: [],
      tokens: new Set(),
      timers: new Set(),
      ended: false,
      outbound: resolvers<string>(),
      deferred: [],
      halted: new Promise<never>((_, reject) => (rejectHalted = reject)),
    };
    record.halted.catch(() => undefined);
    records.set(name, record);
    const startedAt = Date.now();
    const execution = machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: taskHandlers(record) as never },
      context: {
        Execution: { Id: arn, Name: name, RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local` },
        StateMachine: { Id: resources.stateMachineArn, Name: resources.stateMachineArn.replace(/^.*:/, '') },
        // A getter, so that every attempt of a Task gets a new token, as in Step Functions.
        Task: {
          get Token(): string {
            return callbacks.issueToken();
          },
        },
      },
    });
    record.halt = () => {
      execution.abort();
      rejectHalted(new LocalEngineError(`execution ${name} was stopped`));
    };
    const done = (async (): Promise<ExecutionReport> => {
      const entered = new Map<string, number>();
      let ended: Extract<EventLog, { type: 'ExecutionSucceeded' | 'ExecutionFailed' }> | undefined;
      const consume = (async () => {
        for await (const event of execution.eventLogs) {
          // After a terminal error the interpreter may still report the next state: not in AWS.
          if (record.terminal) continue;
          if (event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed') ended = event;
          onEvent(record, event, entered);
          if (event.type === 'StateEntered') {
            record.currentState = event.state.name;
            drain(record, event.state.name);
          }
        }
      })();
      await execution.result.catch(() => undefined);
      await consume;
      record.ended = true;
      for (const timer of record.timers) clearTimeout(timer);
      for (const token of record.tokens) {
        callbacks.expire(token);
        byToken.delete(token);
      }
      records.delete(name);
      if (record.executionId !== undefined) byExecutionId.delete(record.executionId);
      const stoppedAt = ended?.timestamp ?? Date.now();
      const failedEvent = ended?.type === 'ExecutionFailed' ? ended : undefined;
      const terminal = record.terminal;
      const status: ExecutionStatus = terminal || failedEvent ? 'FAILED' : ended ? 'SUCCEEDED' : 'ABORTED';
      const error = terminal ? terminal.error : failedEvent ? failedEvent.Error : record.abandoned?.error;
      const cause = terminal ? terminal.cause : failedEvent ? causeText(failedEvent.Cause) : record.abandoned?.cause;
      const output = ended?.type === 'ExecutionSucceeded' ? ended.output : undefined;
      drain(record);
      emit(record, { kind: 'execution-ended', status, durationMs: stoppedAt - startedAt, error, cause, output }, stoppedAt);
      return {
        name,
        executionArn: arn,
        executionId: record.executionId,
        status,
        output,
        error,
        cause,
        startedAt,
        durationMs: stoppedAt - startedAt,
        timeline: record.entries,
      };
    })();
    record.finished = done;
    return { name, executionArn: arn, outboundReady: record.outbound.promise, done };
  };

  let stopping: Promise<void> | undefined;
  return {
    region,
    bucket,
    s3Endpoint: backend.endpoint,
    sfnEndpoint: callbacks.endpoint,
    stateMachineArn: resources.stateMachineArn,
    s3,
    unattributed,
    start,
    run: (executionOptions) => start(executionOptions).done,
    putObject,
    async settle() {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
    stop() {
      stopping ??= (async () => {
        unsubscribe();
        const running = [...records.values()];
        for (const record of running) {
          record.halt?.();
          for (const timer of record.timers) clearTimeout(timer);
        }
        await Promise.allSettled([...background, ...running.map((r) => r.finished)]);
        s3.destroy();
        await Promise.all([backend.stop(), callbacks.stop()]);
        restoreEnv();
      })();
      return stopping;
    },
  };
}

function causeText(cause: unknown): string {
  if (cause === undefined || cause === null) return '';
  return typeof cause === 'string' ? cause : JSON.stringify(cause);
}

function errorText(error: unknown): string {
  if (error instanceof LambdaInvocationError) return `${error.payload.errorType}: ${error.payload.errorMessage}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
