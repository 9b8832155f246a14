// Types of lambda-runtime.mjs (the Lambda contract shared by the emulator's runner and the local engine).
import type { Context } from 'aws-lambda';

/** A Lambda handler (`index.handler` of a bundle, or a stand-in in tests). */
export type LambdaHandler = (event: unknown, context: Context) => unknown;

/** The error payload the Lambda runtime reports for a failed invocation. */
export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

/** What the context tells about the function and the invocation. */
export interface ContextIdentity {
  readonly functionName: string | undefined;
  readonly functionVersion: string | undefined;
  readonly invokedFunctionArn: string | undefined;
  readonly memoryLimitInMB: string | undefined;
  readonly awsRequestId?: string | undefined;
  readonly logGroupName: string | undefined;
  readonly logStreamName: string | undefined;
}

/** The outcome of {@link invokeHandler}. */
export type InvocationOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: LambdaErrorPayload; readonly cause: unknown };

export function resolveHandler(taskDir: string, handlerSpec: string): Promise<LambdaHandler>;
export function lambdaContext(identity: ContextIdentity, deadline: number, onCallback?: () => void): Context;
export function toJson(value: unknown): unknown;
export function errorPayload(error: unknown): LambdaErrorPayload;
export function errorFromPayload(payload: LambdaErrorPayload): Error;
export function invokeHandler(handler: LambdaHandler, event: unknown, context: Context): Promise<InvocationOutcome>;
