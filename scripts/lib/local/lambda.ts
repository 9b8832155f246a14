/**
 * Running a Lambda handler in this process the way the Lambda runtime does: JSON in, JSON out, a
 * context object, and errors turned into the `{ errorType, errorMessage, trace }` payload.
 */
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';

/** A Lambda handler (`index.handler` of a bundle, or a stand-in in tests). */
export type LambdaHandler = (event: unknown, context: Context) => unknown;

/** The handlers the workflow runs. */
export interface WorkflowHandlers {
  readonly processing: LambdaHandler;
  readonly integration: LambdaHandler;
}

/** The error payload the Lambda runtime reports for a failed invocation. */
export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

/** A failed invocation, as the caller of Lambda sees it. */
export class LambdaInvocationError extends Error {
  constructor(
    readonly functionName: string,
    readonly payload: LambdaErrorPayload,
    options?: { cause?: unknown },
  ) {
    super(`${functionName} failed: ${payload.errorType}: ${payload.errorMessage}`, options);
    this.name = 'LambdaInvocationError';
  }
}

/** Identity of a local function. */
export interface LocalFunction {
  readonly name: string;
  readonly arn: string;
  /** @default 300 000 (the template's LambdaFunctionTimeoutSecs default) */
  readonly timeoutMs?: number;
}

function lambdaContext(fn: LocalFunction): Context {
  const deadline = Date.now() + (fn.timeoutMs ?? 300_000);
  const unsupported = (): never => {
    throw new Error('callback-style completion is not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

const toJson = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)));

/**
 * Invokes `handler` with a JSON copy of `event`; resolves with a JSON copy of its result or rejects
 * with a {@link LambdaInvocationError} carrying the runtime's error payload.
 */
export async function invokeLambda(fn: LocalFunction, handler: LambdaHandler, event: unknown): Promise<unknown> {
  try {
    return toJson(await handler(toJson(event), lambdaContext(fn)));
  } catch (error: unknown) {
    const payload: LambdaErrorPayload =
      error instanceof Error
        ? { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') }
        : { errorType: 'Error', errorMessage: String(error), trace: [] };
    throw new LambdaInvocationError(fn.name, payload, { cause: error });
  }
}
