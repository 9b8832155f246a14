/**
 * The local Lambda runtime: a function's code run the way the Lambda runtime runs it (JSON in, JSON
 * out, a context object, errors turned into the `{ errorType, errorMessage, trace }` payload), with
 * the contract itself shared with the emulator's runner (emulator/lambda-runtime.mjs).
 *
 * A {@link LambdaRuntime} is one function's execution environment, kept warm. Two implementations:
 * the real bundles run in a worker thread of their own whose `process.env` is the function's
 * environment (worker-runtime.ts, lambda-worker.mjs), and in-process handlers (stand-ins in tests, wrappers) run here
 * ({@link inProcessRuntime}), their environment handed to them by the engine (functions.ts).
 */
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import {

  invokeHandler,
  lambdaContext as contractContext,
  type LambdaErrorPayload,
  type LambdaHandler,
} from '../../../emulator/lambda-runtime.mjs';

export type { LambdaErrorPayload, LambdaHandler };

/** The handlers the workflow runs. */
export interface WorkflowHandlers {
  readonly processing: LambdaHandler;
  readonly integration: LambdaHandler;
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

/** The template's LambdaFunctionTimeoutSecs default, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 300_000;

/** What the context of a local function's invocation says about the function. */
export function localIdentity(fn: LocalFunction, awsRequestId: string = randomUUID()) {
  return {
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: '256',
    awsRequestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: 'local',
  };
}

const callbackUnsupported = (): never => {
  throw new Error('callback-style completion is not supported; return a promise');
};

/** The context of one local invocation that times out at `deadline` (epoch ms). */
export function localContext(fn: LocalFunction, deadline: number, awsRequestId?: string): Context {
  return contractContext(localIdentity(fn, awsRequestId), deadline, callbackUnsupported);
}

/**
 * Invokes `handler` in this process with a JSON copy of `event`; resolves with a JSON copy of its
 * result or rejects with a {@link LambdaInvocationError} carrying the runtime's error payload.
 */
export async function invokeLambda(fn: LocalFunction, handler: LambdaHandler, event: unknown): Promise<unknown> {
  const outcome = await invokeHandler(handler, event, localContext(fn, Date.now() + (fn.timeoutMs ?? DEFAULT_TIMEOUT_MS)));
  if (outcome.ok) return outcome.result;
  throw new LambdaInvocationError(fn.name, outcome.error, { cause: outcome.cause });
}

/** One function's execution environment, kept warm between invocations. */
export interface LambdaRuntime {
  readonly fn: LocalFunction;
  /** Resolves with the JSON result or rejects with a {@link LambdaInvocationError}. */
  invoke(event: unknown): Promise<unknown>;
  /** Ends the execution environment; every call returns the same promise. */
  stop(): Promise<void>;
}

/** A handler run in this process (stand-ins, test wrappers): nothing to start or stop. */
export function inProcessRuntime(fn: LocalFunction, handler: LambdaHandler): LambdaRuntime {
  return { fn, invoke: (event) => invokeLambda(fn, handler, event), stop: async () => undefined };
}



/** An error in one line, for the timeline (an invocation's error as `errorType: errorMessage`). */
export function errorText(error: unknown): string {
  if (error instanceof LambdaInvocationError) return `${error.payload.errorType}: ${error.payload.errorMessage}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
