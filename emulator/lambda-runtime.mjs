// The Lambda Node.js runtime contract, shared by the two places that run a function's code outside
// AWS: the emulator's one-shot runner (emulator/lambda-runner.mjs, spawned by bellflower_moto.py)
// and the local engine's runtime (scripts/lib/local/lambda.ts in process, and
// scripts/lib/local/lambda-worker.mjs in a worker thread per function).
//
// Why a plain .mjs (typed by lambda-runtime.d.mts beside it) in emulator/: the runner is started by
// a bare `node` with no TypeScript loader and the worker thread runs without one too, so the shared
// code has to be JavaScript node can load as is; and it sits next to the runner so that the
// emulator folder stays self-contained. TypeScript imports it through the declaration file, and
// the CLI bundle (esbuild) inlines it like any other module.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';

/** The extensions the runtime tries for the module of a handler setting (`index` -> index.mjs). */
const MODULE_EXTENSIONS = ['.mjs', '.js', '.cjs'];

/**
 * Resolves a handler setting such as `index.handler` in `taskDir` as the Node.js runtime does:
 * the module `<taskDir>/index.{mjs,js,cjs}`, its export `handler` (or `default.handler`).
 * Throws `Runtime.ImportModuleError` or `Runtime.HandlerNotFound` (errors of the module's own
 * evaluation propagate as they are).
 */
export async function resolveHandler(taskDir, handlerSpec) {
  const dot = handlerSpec.lastIndexOf('.');
  const moduleName = handlerSpec.slice(0, dot);
  const exportName = handlerSpec.slice(dot + 1);
  const file = MODULE_EXTENSIONS.map((ext) => join(taskDir, moduleName + ext)).find((path) => existsSync(path));
  if (!file) throw Object.assign(new Error(`Cannot find module '${moduleName}'`), { name: 'Runtime.ImportModuleError' });
  const module = await import(pathToFileURL(file).href);
  const handler = module[exportName] ?? module.default?.[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${handlerSpec} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return handler;
}

/** The context object a handler receives; `deadline` is the epoch millisecond the invocation times out. */
export function lambdaContext(identity, deadline, onCallback = () => {}) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: identity.functionName,
    functionVersion: identity.functionVersion,
    invokedFunctionArn: identity.invokedFunctionArn,
    memoryLimitInMB: identity.memoryLimitInMB,
    awsRequestId: identity.awsRequestId ?? randomUUID(),
    logGroupName: identity.logGroupName,
    logStreamName: identity.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: onCallback,
    fail: onCallback,
    succeed: onCallback,
  };
}

/** A value as it crosses the runtime's JSON boundary (`undefined` becomes `null`). */
export function toJson(value) {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/** The error payload the runtime reports for a failed invocation. */
export function errorPayload(error) {
  return error instanceof Error
    ? { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') }
    : { errorType: 'Error', errorMessage: String(error), trace: [] };
}

/** An Error carrying a payload back (name = errorType, message, stack = the trace), so shaping it again gives the same payload. */
export function errorFromPayload(payload) {
  const error = new Error(payload.errorMessage);
  error.name = payload.errorType;
  error.stack = payload.trace.join('\n');
  return error;
}

/**
 * One invocation: `handler` gets a JSON copy of `event` and `context`; resolves with
 * `{ ok: true, result }` (a JSON copy) or `{ ok: false, error }` (the error payload). Never rejects.
 */
export async function invokeHandler(handler, event, context) {
  try {
    return { ok: true, result: toJson(await handler(toJson(event), context)) };
  } catch (error) {
    return { ok: false, error: errorPayload(error), cause: error };
  }
}
