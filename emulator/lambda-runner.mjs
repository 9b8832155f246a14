// Runs Lambda invocations the way the Node.js runtime does, for the emulator (emulator/bellflower_moto.py):
//   node lambda-runner.mjs <task dir> <handler, e.g. index.handler> <result file>
// runs one: the event arrives on standard input; the handler's result (or the error, shaped as
// Lambda reports it) is written to <result file>, so that standard output and standard error stay
// the function's logs. The exit code is 0 when the handler succeeded, 1 when it threw.
//   node lambda-runner.mjs --serve <task dir> <handler>
// is a warm execution environment, as Lambda keeps one between invocations (the module is loaded
// once, its clients are reused): one request a line on standard input, {"requestId", "resultFile",
// "event"}, one at a time; after each, the result is in its file and a line
// `<END_MARK> <requestId> ok|error` on standard output closes the invocation's logs.
// The Lambda contract itself (handler resolution, context, JSON, error shape) is lambda-runtime.mjs,
// which the local engine's runtime shares.
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { errorPayload, invokeHandler, lambdaContext, resolveHandler } from './lambda-runtime.mjs';

/** Closes an invocation's logs in --serve mode (a record separator, then a word no log line starts with). */
const END_MARK = '\u001eBELLFLOWER-END';
const timeoutMs = Number(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT ?? '3') * 1000;

/** One invocation of `handler` (a promise of it, so that an import error counts as the invocation's); writes the result file. */
async function invoke(loadHandler, event, requestId, resultFile) {
  const started = Date.now();
  const context = lambdaContext(
    {
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: process.env.BELLFLOWER_FUNCTION_ARN,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: requestId,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    },
    started + timeoutMs,
  );
  let outcome;
  try {
    outcome = await invokeHandler(await loadHandler(), event, context);
  } catch (error) {
    outcome = { ok: false, error: errorPayload(error) };
  }
  if (!outcome.ok) console.error(`ERROR\tInvoke Error\t${JSON.stringify(outcome.error)}`);
  writeFileSync(resultFile, JSON.stringify((outcome.ok ? outcome.result : outcome.error) ?? null));
  return outcome.ok;
}

if (process.argv[2] === '--serve') {
  const [, , , taskDir, handlerSpec] = process.argv;
  let handler;
  // Loaded once, at the first invocation, as the runtime's init phase; a failed load is retried.
  const loadHandler = async () => (handler ??= await resolveHandler(taskDir, handlerSpec));
  const requests = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of requests) {
    if (!line.trim()) continue;
    const request = JSON.parse(line);
    const ok = await invoke(loadHandler, request.event ?? {}, request.requestId, request.resultFile);
    process.stdout.write(`${END_MARK} ${request.requestId} ${ok ? 'ok' : 'error'}\n`);
  }
} else {
  const [taskDir, handlerSpec, resultFile] = process.argv.slice(2);
  const event = JSON.parse(readFileSync(0, 'utf8') || '{}');
  const ok = await invoke(() => resolveHandler(taskDir, handlerSpec), event, process.env.BELLFLOWER_REQUEST_ID, resultFile);
  process.exitCode = ok ? 0 : 1;
}
