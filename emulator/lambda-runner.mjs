// Runs one Lambda invocation the way the Node.js runtime does, for the emulator (emulator/bellflower_moto.py):
//   node lambda-runner.mjs <task dir> <handler, e.g. index.handler> <result file>
// The event arrives on standard input; the handler's result (or the error, shaped as Lambda reports
// it) is written to <result file>, so that standard output and standard error stay the function's
// logs. The exit code is 0 when the handler succeeded, 1 when it threw.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';

const [taskDir, handlerSpec, resultFile] = process.argv.slice(2);
const started = Date.now();
const timeoutMs = Number(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT ?? '3') * 1000;

function writeResult(value) {
  writeFileSync(resultFile, JSON.stringify(value ?? null));
}

async function main() {
  const dot = handlerSpec.lastIndexOf('.');
  const moduleName = handlerSpec.slice(0, dot);
  const exportName = handlerSpec.slice(dot + 1);
  const file = ['.mjs', '.js', '.cjs'].map((ext) => join(taskDir, moduleName + ext)).find((path) => existsSync(path));
  if (!file) throw Object.assign(new Error(`Cannot find module '${moduleName}'`), { name: 'Runtime.ImportModuleError' });
  const module = await import(pathToFileURL(file).href);
  const handler = module[exportName] ?? module.default?.[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${handlerSpec} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  const event = JSON.parse(readFileSync(0, 'utf8') || '{}');
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  const context = {
    functionName: name,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: process.env.BELLFLOWER_FUNCTION_ARN,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: process.env.BELLFLOWER_REQUEST_ID ?? randomUUID(),
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done() {},
    succeed() {},
    fail() {},
  };
  return handler(event, context);
}

try {
  writeResult(await main());
  process.exitCode = 0;
} catch (error) {
  const shaped =
    error instanceof Error
      ? { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') }
      : { errorType: 'Error', errorMessage: String(error), trace: [] };
  console.error(`ERROR\tInvoke Error\t${JSON.stringify(shaped)}`);
  writeResult(shaped);
  process.exitCode = 1;
}
