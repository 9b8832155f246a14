/**
 * The real bundles' runtime: one worker thread per function (lambda-worker.mjs), started with the
 * function's environment as the thread's own `process.env` (the engine's is never changed), the
 * bundle loaded once at start (the cold start: a handler that reads a missing variable at module
 * scope fails here) and kept warm for every invocation, as a Lambda execution environment is.
 * Invocations run concurrently in the thread (the handlers are asynchronous), one message each.
 */
import { Worker } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { DEFAULT_TIMEOUT_MS, LambdaInvocationError, localIdentity, type LambdaErrorPayload, type LambdaRuntime, type LocalFunction } from './lambda';

/** The worker's entry; `import.meta.url` stays this source file's URL in the CLI bundle too. */
const WORKER_ENTRY = new URL('./lambda-worker.mjs', import.meta.url);

/** The handler setting of the bundles (`index.mjs`, export `handler`). */
export const BUNDLE_HANDLER = 'index.handler';

/** Raised when the worker cannot load the function's code. */
export class RuntimeInitError extends Error {
  constructor(
    readonly payload: LambdaErrorPayload,
    options?: { cause?: unknown },
  ) {
    super(`${payload.errorType}: ${payload.errorMessage}`, options);
    this.name = payload.errorType;
  }
}

type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: LambdaErrorPayload }
  | { readonly type: 'log'; readonly stream: 'stdout' | 'stderr'; readonly text: string }
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: LambdaErrorPayload };

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Starts `fn`'s execution environment: `taskDir` holds its code, `env` is its whole environment.
 * Resolves once the code is loaded; rejects with a {@link RuntimeInitError} when it cannot be.
 */
export async function startWorkerRuntime(fn: LocalFunction, taskDir: string, env: Readonly<Record<string, string>>): Promise<LambdaRuntime> {
  const worker = new Worker(WORKER_ENTRY, {
    env: { ...env },
    workerData: { taskDir, handlerSpec: BUNDLE_HANDLER, identity: localIdentity(fn) },
    // No TypeScript loader (the thread runs plain JavaScript); source maps as the engine has them.
    execArgv: process.execArgv.filter((arg) => arg === '--enable-source-maps'),
  });
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let exited: LambdaErrorPayload | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'ready':
          return resolve();
        case 'init-error':
          return reject(new RuntimeInitError(message.error));
        case 'log':
          // Looked up at each write: a diversion of the engine's stdout (--json) applies.
          process[message.stream].write(message.text);
          return;
        case 'result': {
          const waiter = pending.get(message.id);
          pending.delete(message.id);
          if (message.ok) waiter?.resolve(message.result);
          else waiter?.reject(new LambdaInvocationError(fn.name, message.error));
          return;
        }
      }
    });
    const end = (payload: LambdaErrorPayload): void => {
      exited ??= payload;
      reject(new RuntimeInitError(payload));
      for (const waiter of pending.values()) waiter.reject(new LambdaInvocationError(fn.name, payload));
      pending.clear();
    };
    worker.on('error', (error) => end({ errorType: 'Runtime.ExitError', errorMessage: `${error.name}: ${error.message}`, trace: (error.stack ?? '').split('\n') }));
    worker.on('exit', (code) => end({ errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: exit status ${code}`, trace: [] }));
  });
  try {
    await ready;
  } catch (error: unknown) {
    await worker.terminate();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    fn,
    invoke(event) {
      if (exited) return Promise.reject(new LambdaInvocationError(fn.name, exited));
      const id = nextId++;
      const deadline = Date.now() + (fn.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, event, deadline, awsRequestId: randomUUID() });
      });
    },
    stop() {
      stopped ??= worker.terminate().then(() => undefined);
      return stopped;
    },
  };
}
