/**
 * Riding out IAM propagation. The custom-resource functions' S3 permissions are granted by an IAM
 * policy created in the same stack update just before the custom resource is invoked, and IAM is
 * eventually consistent: for a few seconds S3 may still answer `AccessDenied`. Such calls are
 * retried with a bounded exponential backoff (about 30 s in all), then fail with an
 * {@link AccessDeniedError} that names the call, the IAM action and the bucket.
 *
 * The retries are the SDK's own: its `ConfiguredRetryStrategy` (deterministic backoff, retry
 * quota, attempt headers) with one change, `AccessDenied` counts as a transient error.
 */
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, StandardRetryToken } from '@smithy/types';
import { awsCallName, type MiddlewareClient } from './aws-calls';

/** How long to keep retrying a denied call. */
export interface AccessRetryOptions {
  /** Attempts in all, the first included. @default 8 */
  readonly maxAttempts?: number;
  /** Delay before the first retry, doubled for each next one. @default 500 */
  readonly baseDelayMs?: number;
  /** Cap of one delay. @default 8_000 */
  readonly maxDelayMs?: number;
}

/** 0.5 + 1 + 2 + 4 + 8 + 8 + 8 = 31.5 s of waiting over 8 attempts. */
const DEFAULTS: Required<AccessRetryOptions> = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 8_000 };

/** Options with their defaults filled in. */
export function accessRetryOptions(options: AccessRetryOptions = {}): Required<AccessRetryOptions> {
  return { ...DEFAULTS, ...options };
}

/** Delay before retry `retry` (1 for the first retry). */
export function accessRetryDelayMs(retry: number, options: AccessRetryOptions = {}): number {
  const { baseDelayMs, maxDelayMs } = accessRetryOptions(options);
  return Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
}

/** Name of the middleware {@link explainAccessDenied} adds. */
export const ACCESS_DENIED_MIDDLEWARE = 'bellflowerAccessDenied';

/**
 * IAM actions of the calls the handlers make, to name them in {@link AccessDeniedError}; a call
 * missing here is named by its operation alone.
 */
export const IAM_ACTIONS: Readonly<Record<string, string>> = {
  'S3.PutObject': 's3:PutObject',
  'S3.ListObjectVersions': 's3:ListBucketVersions',
  'S3.DeleteObjects': 's3:DeleteObjectVersion',
  'S3.GetBucketNotificationConfiguration': 's3:GetBucketNotification',
  'S3.PutBucketNotificationConfiguration': 's3:PutBucketNotification',
  'Lambda.Invoke': 'lambda:InvokeFunction',
};

/** Raised when a call was still denied after every attempt. */
export class AccessDeniedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AccessDeniedError';
  }
}

/** True for the error S3 (`AccessDenied`) and most other services (`AccessDeniedException`) raise. */
export function isAccessDenied(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AccessDenied' || name === 'AccessDeniedException';
}

/** The message of an {@link AccessDeniedError}. */
export function accessDeniedMessage(what: {
  readonly call: string;
  readonly bucket?: string;
  readonly attempts: number;
  readonly waitedMs: number;
  readonly detail?: string;
}): string {
  const action = IAM_ACTIONS[what.call];
  return [
    `${what.call}${action ? ` (IAM action ${action})` : ''}`,
    what.bucket === undefined ? '' : ` on bucket ${what.bucket}`,
    what.detail ? ` ${what.detail}` : '',
    ` was still denied after ${what.attempts} attempts over ${(what.waitedMs / 1000).toFixed(1)} s:`,
    ` the function's role lacks the permission, or the IAM policy that grants it has not taken effect yet`,
  ].join('');
}

/** The SDK's configured retry strategy, with `AccessDenied` retried like a transient error. */
export class AccessDeniedRetryStrategy extends ConfiguredRetryStrategy {
  constructor(options: AccessRetryOptions = {}) {
    const resolved = accessRetryOptions(options);
    super(resolved.maxAttempts, (retry) => accessRetryDelayMs(retry, resolved));
  }

  override refreshRetryTokenForRetry(token: StandardRetryToken, errorInfo: RetryErrorInfo): Promise<StandardRetryToken> {
    return super.refreshRetryTokenForRetry(
      token,
      isAccessDenied(errorInfo.error) ? { ...errorInfo, errorType: 'TRANSIENT' } : errorInfo,
    );
  }
}

/**
 * Turns an `AccessDenied` that outlived the retries into an {@link AccessDeniedError} naming the
 * call, its IAM action, the bucket (when the command has one) and how long it was retried; the
 * SDK's error is its `cause`. Returns the client.
 */
export function explainAccessDenied<C extends MiddlewareClient>(client: C): C {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error: unknown) {
        if (!isAccessDenied(error)) throw error;
        const metadata = (error as { $metadata?: { attempts?: number; totalRetryDelay?: number } }).$metadata;
        const bucket = (args.input as { Bucket?: unknown } | undefined)?.Bucket;
        throw new AccessDeniedError(
          accessDeniedMessage({
            call: awsCallName(client, context),
            bucket: typeof bucket === 'string' ? bucket : undefined,
            attempts: metadata?.attempts ?? 1,
            waitedMs: metadata?.totalRetryDelay ?? 0,
          }),
          { cause: error },
        );
      }
    },
    { step: 'initialize', name: ACCESS_DENIED_MIDDLEWARE, override: true },
  );
  return client;
}
