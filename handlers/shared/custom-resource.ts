/**
 * Entry point of the custom-resource handlers: runs a core and always answers CloudFormation
 * through the pre-signed response URL (SUCCESS, or FAILED with a reason), also when the core throws
 * or hangs, so that a stack never waits an hour for an answer that will not come.
 *
 * The one exception: a core that needs longer than one invocation hands the request over to a new
 * invocation of the same function (an event with {@link CONTINUATION_KEY}) and returns
 * {@link CustomResourceContinued}; the entry point then leaves the answer to that invocation.
 *
 * The response URL grants write access to the stack's answer: it is never logged, and any error
 * text that might contain it is scrubbed.
 */
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, type Logger } from './logger';

/** What a core returns on success. */
export interface CustomResourceResult {
  /**
   * Physical ID on Create and Update; ignored on Delete, which keeps the current one. A new ID on
   * Update replaces the resource: CloudFormation then sends a Delete of the old ID, with the old
   * properties, in the update's cleanup phase.
   */
  readonly physicalResourceId: string;
  /** Attributes readable with `Fn::GetAtt`. */
  readonly data?: Readonly<Record<string, string>>;
}

/** What a core returns when it handed the rest of the request to a new invocation, which answers. */
export interface CustomResourceContinued {
  /** The {@link CONTINUATION_KEY} of the new invocation's event. */
  readonly continuedAs: number;
}

/** What the entry point tells a core about the invocation it runs in. */
export interface CustomResourceInvocation {
  /** The Lambda context (`invokedFunctionArn` names the function to continue in). */
  readonly context: Context;
  /** Milliseconds left before the entry point stops waiting for the core and answers FAILED. */
  readonly remainingMs: () => number;
  /** 0 for CloudFormation's own request, n for the n-th invocation continuing it. */
  readonly continuation: number;
}

/** The logic of one custom resource; throws to answer FAILED. */
export type CustomResourceCore = (
  event: CloudFormationCustomResourceEvent,
  invocation: CustomResourceInvocation,
) => Promise<CustomResourceResult | CustomResourceContinued>;

/** The Lambda handler returned by {@link customResourceHandler}. */
export type CustomResourceHandler = (event: CloudFormationCustomResourceEvent, context: Context) => Promise<void>;

/** Options of {@link customResourceHandler}. */
export interface CustomResourceOptions {
  readonly logger: Logger;
  /**
   * Runs the core's Delete for the {@link CREATE_FAILED_MARKER} too. For a core whose Create can
   * fail half-way and whose Delete undoes it from the properties alone (idempotently): the folders
   * resource writes markers into a versioned bucket, and a Delete that skipped them would leave
   * versions behind, so CloudFormation's DeleteBucket of the rollback fails (BucketNotEmpty) and
   * the stack ends ROLLBACK_FAILED. @default false (the Delete succeeds without the core)
   */
  readonly deleteAfterFailedCreate?: boolean;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Attempts of the response PUT. @default 5 */
  readonly attempts?: number;
  /** First delay between attempts, doubled each time and capped at 2 s. @default 250 */
  readonly retryDelayMs?: number;
  /** Time one attempt of the response PUT may take before it is abandoned and retried. @default 10_000 */
  readonly attemptTimeoutMs?: number;
  /**
   * Time kept in reserve before the function's timeout to answer FAILED when the core is still
   * running. @default 10_000 (a quarter of the remaining time when less than 40 s remain)
   */
  readonly reserveMs?: number;
}

/**
 * Physical ID answered for a Create that failed. CloudFormation follows a failed Create with a
 * Delete of that ID; the marker makes that Delete succeed without touching anything (the same
 * device as aws-cdk's custom-resource entry point).
 */
export const CREATE_FAILED_MARKER = 'bellflower:custom-resource:create-failed';

/**
 * Event field that marks an invocation continuing a request (1 for the first continuation). The
 * rest of the event is CloudFormation's request, unchanged, so that any invocation can answer it.
 */
export const CONTINUATION_KEY = 'BellflowerContinuation';

/** CloudFormation accepts response bodies up to 4096 bytes; the reason is shortened to fit. */
const MAX_REASON_LENGTH = 2000;

/** Raised when the answer could not be delivered to CloudFormation after every attempt. */
export class CustomResourceResponseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CustomResourceResponseError';
  }
}

/** Raised when an event's {@link CONTINUATION_KEY} is not a positive integer. */
export class InvalidContinuationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidContinuationError';
  }
}

/** The continuation number of an event: 0 for CloudFormation's request. */
export function continuationOf(event: CloudFormationCustomResourceEvent): number {
  const value: unknown = (event as unknown as Record<string, unknown>)[CONTINUATION_KEY];
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  throw new InvalidContinuationError(`${CONTINUATION_KEY} must be a positive integer, got ${JSON.stringify(value)}`);
}

/** The event of continuation `continuation` of a request, with extra fields the core carries over. */
export function continuationEvent(
  event: CloudFormationCustomResourceEvent,
  continuation: number,
  extra: Readonly<Record<string, unknown>> = {},
): CloudFormationCustomResourceEvent {
  const next = { ...event, ...extra, [CONTINUATION_KEY]: continuation };
  return next;
}

/** True when a core handed its request over instead of finishing it. */
export function isContinued(result: CustomResourceResult | CustomResourceContinued): result is CustomResourceContinued {
  return 'continuedAs' in result;
}

/** Raised by the entry point's timer when the core did not finish in time. */
export class CustomResourceTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CustomResourceTimeoutError';
  }
}

type Outcome =
  | { readonly status: 'SUCCESS'; readonly result: CustomResourceResult }
  | { readonly status: 'FAILED'; readonly reason: string }
  | { readonly status: 'CONTINUED'; readonly continuedAs: number };

type Answer = Exclude<Outcome, { readonly status: 'CONTINUED' }>;

/** Wraps a core into a Lambda handler that always answers CloudFormation. */
export function customResourceHandler(core: CustomResourceCore, options: CustomResourceOptions): CustomResourceHandler {
  const { logger } = options;
  return async (event, context) => {
    logger.addContext(context);
    logger.appendKeys({
      request_type: event.RequestType,
      logical_resource_id: event.LogicalResourceId,
      request_id: event.RequestId,
    });
    try {
      logger.info('custom resource request received', {
        stack_id: event.StackId,
        resource_type: event.ResourceType,
        physical_resource_id: 'PhysicalResourceId' in event ? event.PhysicalResourceId : undefined,
        continuation: (event as unknown as Record<string, unknown>)[CONTINUATION_KEY],
      });
      const outcome = await runWithDeadline(core, event, context, options);
      if (outcome.status === 'CONTINUED') {
        logger.info('continued in a new invocation, which answers CloudFormation', { continued_as: outcome.continuedAs });
        return;
      }
      await respond(event, outcome, options);
    } finally {
      logger.resetKeys();
    }
  };
}

async function runWithDeadline(
  core: CustomResourceCore,
  event: CloudFormationCustomResourceEvent,
  context: Context,
  options: CustomResourceOptions,
): Promise<Outcome> {
  if (event.RequestType === 'Delete' && event.PhysicalResourceId === CREATE_FAILED_MARKER && options.deleteAfterFailedCreate !== true) {
    options.logger.info('delete of a resource whose create failed: nothing to remove');
    return { status: 'SUCCESS', result: { physicalResourceId: CREATE_FAILED_MARKER } };
  }
  const remaining = context.getRemainingTimeInMillis();
  const reserve = options.reserveMs ?? (remaining < 40_000 ? Math.floor(remaining / 4) : 10_000);
  const controller = new AbortController();
  const deadline = sleep(Math.max(0, remaining - reserve), undefined, { signal: controller.signal }).then(
    (): Outcome => {
      const error = new CustomResourceTimeoutError(
        `${event.RequestType} did not finish ${reserve} ms before the function timeout; answering FAILED`,
      );
      options.logger.error('custom resource timed out', { error: describeError(error) });
      return { status: 'FAILED', reason: error.message };
    },
    // Aborted: the core finished first.
    (): Outcome => ({ status: 'FAILED', reason: 'deadline cancelled' }),
  );
  const remainingMs = () => context.getRemainingTimeInMillis() - reserve;
  const work = Promise.resolve()
    // Inside the chain: an invalid continuation number answers FAILED like any error of the core.
    .then(() => core(event, { context, remainingMs, continuation: continuationOf(event) }))
    .then(
      (result): Outcome =>
        isContinued(result) ? { status: 'CONTINUED', continuedAs: result.continuedAs } : { status: 'SUCCESS', result },
      (error: unknown): Outcome => {
        const { name, message } = describeError(error);
        const scrubbed = scrub(message, event.ResponseURL);
        options.logger.error('custom resource failed', { error: { name, message: scrubbed } });
        return { status: 'FAILED', reason: `${name}: ${scrubbed}` };
      },
    );
  try {
    return await Promise.race([work, deadline]);
  } finally {
    controller.abort();
  }
}

function physicalIdOf(event: CloudFormationCustomResourceEvent, answer: Answer): string {
  switch (event.RequestType) {
    case 'Create':
      return answer.status === 'SUCCESS' ? answer.result.physicalResourceId : CREATE_FAILED_MARKER;
    case 'Update':
      // The core's ID: a new one makes CloudFormation delete the old resource after the update.
      return answer.status === 'SUCCESS' ? answer.result.physicalResourceId : event.PhysicalResourceId;
    case 'Delete':
      // Another ID on Delete is an error for CloudFormation.
      return event.PhysicalResourceId;
  }
}

/** PUTs the answer to the pre-signed URL, retrying with a short, bounded backoff. */
async function respond(
  event: CloudFormationCustomResourceEvent,
  outcome: Answer,
  options: CustomResourceOptions,
): Promise<void> {
  const { logger } = options;
  const physicalResourceId = physicalIdOf(event, outcome);
  const body = JSON.stringify({
    Status: outcome.status,
    Reason:
      outcome.status === 'FAILED'
        ? outcome.reason.slice(0, MAX_REASON_LENGTH)
        : 'see the function log',
    PhysicalResourceId: physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: outcome.status === 'SUCCESS' ? outcome.result.data : undefined,
  });
  const doFetch = options.fetch ?? fetch;
  const attempts = options.attempts ?? 5;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000;
  let delay = options.retryDelayMs ?? 250;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      // An empty content type: the URL is signed without one and S3 rejects any other.
      const response = await doFetch(event.ResponseURL, {
        method: 'PUT',
        headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
        body,
        // A hung connection must not eat the function's time: abandon the attempt and retry.
        signal: AbortSignal.timeout(attemptTimeoutMs),
      });
      if (response.ok) {
        logger.info('answered CloudFormation', { status: outcome.status, physical_resource_id: physicalResourceId });
        return;
      }
      lastError = new Error(`response PUT answered HTTP ${response.status}`);
    } catch (error: unknown) {
      lastError = error;
    }
    const { name, message } = describeError(lastError);
    logger.warn('could not answer CloudFormation', {
      attempt,
      attempts,
      error: { name, message: scrub(message, event.ResponseURL) },
    });
    if (attempt < attempts) {
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }
  throw new CustomResourceResponseError(`could not answer CloudFormation after ${attempts} attempts`, {
    cause: lastError,
  });
}

/** Removes the response URL (and its query, which carries the signature) from a text. */
function scrub(text: string, responseUrl: string): string {
  const withoutQuery = responseUrl.split('?')[0] ?? responseUrl;
  return text.split(responseUrl).join('<response-url>').split(withoutQuery).join('<response-url>');
}
