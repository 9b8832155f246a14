// Runs one Lambda invocation the way the Node.js runtime does, for the emulator (emulator/bellflower_moto.py):
//   node lambda-runner.mjs <task dir> <handler, e.g. index.handler> <result file>
// The event arrives on standard input; the handler's result (or the error, shaped as Lambda reports
// it) is written to <result file>, so that standard output and standard error stay the function's
// logs. The exit code is 0 when the handler succeeded, 1 when it threw.
// The Lambda contract itself (handler resolution, context, JSON, error shape) is lambda-runtime.mjs,
// which the local engine's runtime shares.
import { readFileSync, writeFileSync } from 'node:fs';
import { errorPayload, invokeHandler, lambdaContext, resolveHandler } from './lambda-runtime.mjs';

const [taskDir, handlerSpec, resultFile] = process.argv.slice(2);
const started = Date.now();
const timeoutMs = Number(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT ?? '3') * 1000;

function writeResult(value) {
  writeFileSync(resultFile, JSON.stringify(value ?? null));
}

async function main() {
  const handler = await resolveHandler(taskDir, handlerSpec);
  const event = JSON.parse(readFileSync(0, 'utf8') || '{}');
  const context = lambdaContext(
    {
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: process.env.BELLFLOWER_FUNCTION_ARN,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: process.env.BELLFLOWER_REQUEST_ID,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    },
    started + timeoutMs,
  );
  return invokeHandler(handler, event, context);
}

function fail(shaped) {
  console.error(`ERROR\tInvoke Error\t${JSON.stringify(shaped)}`);
  writeResult(shaped);
  process.exitCode = 1;
}

try {
  const outcome = await main();
  if (outcome.ok) {
    writeResult(outcome.result);
    process.exitCode = 0;
  } else {
    fail(outcome.error);
  }
} catch (error) {
  fail(errorPayload(error));
}
