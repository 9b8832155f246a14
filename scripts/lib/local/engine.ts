/**
 * The local engine of `npm run local`: one local AWS, split by service, around the synthesized
 * state machine run by `aws-local-stepfunctions`:
 * - S3: the integration bucket (embedded s3rver or an external endpoint; s3-bucket.ts) and its
 *   notification (prefix/suffix filter) to the integration function (s3-notifications.ts);
 * - SQS: the queue and its event source mapping, with the task token, the visibility timeout and
 *   maxReceiveCount before the dead-letter queue (sqs.ts);
 * - Step Functions: the executions (executions.ts), the Task integrations (integrations.ts: Lambda,
 *   SQS with the callback pattern, SNS captured) and the callback endpoint (callback-server.ts);
 * - Lambda: the two functions, each with its own environment and warm runtime (functions.ts; the
 *   real bundles in a worker thread each, worker-runtime.ts);
 * - the business application that answers through S3 (business-application.ts).
 *
 * The handlers reach the local pieces only through standard environment variables
 * (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_SFN`, `S3_BUCKET_NAME`, ...) of their own environment;
 * the engine's `process.env` is left as it is.
 */
import './polyfill';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { StateMachine } from 'aws-local-stepfunctions';
import pLimit from 'p-limit';
import { businessApplication } from './business-application';
import { startCallbackServer } from './callback-server';
import { localDefinition, LocalEngineError, localResources, type LocalResources } from './definition';
import { startExecution, type ExecutionOptions, type ExecutionReport, type RunningExecution } from './executions';
import { functionEnvironment, FUNCTION_KEYS, startLambdaService, type FunctionKey, type FunctionSetup } from './functions';
import { checkTaskResources, taskEmulations } from './integrations';
import type { WorkflowHandlers } from './lambda';
import { Registry } from './registry';
import { localS3Client, LOCAL_CREDENTIALS } from './s3-backend';
import { startIntegrationBucket } from './s3-bucket';
import { bucketNotifications } from './s3-notifications';
import { localQueue } from './sqs';
import type { TimelineEntry } from './timeline';

export { LOCAL_ACCOUNT, LocalEngineError, localDefinition, localResources, type LocalResources } from './definition';
export type { AnswerMode, ExecutionOptions, ExecutionReport, RunningExecution } from './executions';

/** Durations of the original, in milliseconds, scaled by {@link LocalEngineOptions.delayScale}. */
export const ORIGINAL_DELAYS = {
  /** The processing Lambda's simulated work (`SIMULATED_WORK_MS`). */
  processingMs: 5000,
  /** The business application's automatic answer after the outbound files appear. */
  answerMs: 2000,
  /** SQS visibility timeout before a failed delivery is retried (template default 300 s). */
  visibilityTimeoutMs: 300_000,
} as const;

/** Options of {@link startLocalEngine}. */
export interface LocalEngineOptions {
  /** The ASL definition with its `${Placeholder}`s (synthesized file or `buildStateMachine()`). */
  readonly definition: Record<string, unknown>;
  /**
   * Loads the two workflow handlers; called once. The bundles it loads ({@link loadWorkflowBundles}
   * of bundles.ts) start in a worker each with their function's environment; in-process handlers
   * (stand-ins.ts) get theirs from `loadingEnvironment` of functions.ts during this call.
   */
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

/** Each function's identity and environment, the local endpoints being known. */
function functionSetups(
  resources: LocalResources,
  settings: Omit<Parameters<typeof functionEnvironment>[0], 'credentials' | 'stateMachineArn'>,
): Record<FunctionKey, FunctionSetup> {
  const env = functionEnvironment({ ...settings, stateMachineArn: resources.stateMachineArn, credentials: LOCAL_CREDENTIALS });
  return Object.fromEntries(FUNCTION_KEYS.map((key) => [key, { fn: resources[key], env }])) as Record<FunctionKey, FunctionSetup>;
}

/** Starts the S3 API, the callback endpoint, loads the handlers and returns the engine. */
export async function startLocalEngine(options: LocalEngineOptions): Promise<LocalEngine> {
  const region = options.region ?? 'us-east-1';
  const delayScale = options.delayScale ?? 1;
  if (!Number.isFinite(delayScale) || delayScale < 0) {
    throw new LocalEngineError(`delayScale must be a number >= 0, got ${delayScale}`);
  }
  const resources = localResources(region);
  const definition = localDefinition(options.definition, resources, { delayScale, callbackTimeoutSeconds: options.callbackTimeoutSeconds });
  checkTaskResources(definition);
  const machine = new StateMachine(definition as never, { validationOptions: { noValidate: true } });
  const bucket = options.bucket ?? `bellflower-integration-bucket-local-${region}`;
  const concurrency = options.functionConcurrency ?? 50;
  const registry = new Registry(options.onEntry);

  const callbacks = await startCallbackServer();
  const backend = await startIntegrationBucket({ ...options, bucket, region, registry }).catch(async (error: unknown) => {
    await callbacks.stop();
    throw error;
  });
  const s3 = localS3Client(backend.endpoint, region);
  const setups = functionSetups(resources, {
    region,
    bucket,
    s3Endpoint: backend.endpoint,
    sfnEndpoint: callbacks.endpoint,
    simulatedWorkMs: Math.round(ORIGINAL_DELAYS.processingMs * delayScale),
    logLevel: options.logLevel ?? 'WARN',
  });
  const lambda = await startLambdaService({ setups, loadHandlers: options.loadHandlers, concurrency }).catch(async (error: unknown) => {
    s3.destroy();
    await Promise.all([backend.stop(), callbacks.stop()]);
    throw error;
  });

  callbacks.onCall((call) => {
    // The token tells which execution was answered; rejected calls carry no known token.
    const record = call.token === undefined ? undefined : registry.byToken.get(call.token);
    registry.emit(record, { kind: 'callback', action: call.action, tokenPreview: call.tokenPreview, rejectedWith: call.rejectedWith }, call.at);
  });
  const putObject = async (key: string, body: string): Promise<void> => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  };
  // The emulated business application shares one SDK client: at most as many writes at once.
  const answerSlots = pLimit(concurrency);
  const application = businessApplication({
    registry,
    defaultDelayMs: ORIGINAL_DELAYS.answerMs * delayScale,
    write: (key, body) => answerSlots(() => putObject(key, body)),
  });
  const unsubscribe = backend.onObjectCreated(bucketNotifications({ region, registry, lambda, application }));
  const queue = localQueue(
    {
      queueUrl: resources.queueUrl,
      queueArn: resources.queueArn,
      region,
      maxReceiveCount: options.maxReceiveCount ?? 3,
      visibilityTimeoutMs: ORIGINAL_DELAYS.visibilityTimeoutMs * delayScale,
    },
    registry,
    lambda,
  );
  const emulations = taskEmulations(definition, { resources, registry, lambda, queue, callbacks });
  const executions = { machine, resources, registry, callbacks, emulations };
  const start = (executionOptions?: ExecutionOptions): RunningExecution => startExecution(executions, executionOptions);

  let stopping: Promise<void> | undefined;
  return {
    region,
    bucket,
    s3Endpoint: backend.endpoint,
    sfnEndpoint: callbacks.endpoint,
    stateMachineArn: resources.stateMachineArn,
    s3,
    unattributed: registry.unattributed,
    start,
    run: (executionOptions) => start(executionOptions).done,
    putObject,
    settle: () => registry.settle(),
    stop() {
      stopping ??= (async () => {
        unsubscribe();
        const running = [...registry.records.values()];
        for (const record of running) {
          record.halt?.();
          for (const timer of record.timers) clearTimeout(timer);
        }
        await Promise.allSettled([...registry.background, ...running.map((r) => r.finished)]);
        s3.destroy();
        await Promise.all([backend.stop(), callbacks.stop(), lambda.stop()]);
      })();
      return stopping;
    },
  };
}
