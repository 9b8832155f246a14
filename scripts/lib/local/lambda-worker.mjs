// One local Lambda execution environment: a worker thread started by lambda-worker.ts with the
// function's environment as its own `process.env`, the function's code loaded once (cold start)
// and invoked for every message, through the contract shared with the emulator (lambda-runtime.mjs).
// Plain JavaScript, so that the thread starts without a TypeScript loader, in tests and in the CLI.
//
// Messages in:  { id, event, deadline }
// Messages out: { type: 'ready' } | { type: 'init-error', error } once, then
//               { type: 'log', stream: 'stdout' | 'stderr', text } and { type: 'result', id, ok, result | error }.
// The function's output goes through this port too, so that it reaches the engine's standard
// output in order with the results (and through any diversion the engine's process set up).
import { parentPort, workerData } from 'node:worker_threads';
import { errorPayload, invokeHandler, lambdaContext, resolveHandler } from '../../../emulator/lambda-runtime.mjs';

const { taskDir, handlerSpec, identity } = workerData;

for (const stream of ['stdout', 'stderr']) {
  process[stream].write = (chunk, encoding, callback) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8');
    parentPort.postMessage({ type: 'log', stream, text });
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(done);
    return true;
  };
}

const callbackUnsupported = () => {
  throw new Error('callback-style completion is not supported; return a promise');
};

let handler;
try {
  handler = await resolveHandler(taskDir, handlerSpec);
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'init-error', error: errorPayload(error) });
}

if (handler) {
  parentPort.on('message', async ({ id, event, deadline, awsRequestId }) => {
    const context = lambdaContext({ ...identity, awsRequestId }, deadline, callbackUnsupported);
    const outcome = await invokeHandler(handler, event, context);
    parentPort.postMessage(outcome.ok ? { type: 'result', id, ok: true, result: outcome.result } : { type: 'result', id, ok: false, error: outcome.error });
  });
}
