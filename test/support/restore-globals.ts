/**
 * vitest setup file (every test file): puts back what a test may change in the worker it shares
 * with other test files (`isolate: false`), after each test and once more after the file, so that
 * the next file starts from the same process state: spies, stubbed environment variables and
 * globals, fake timers, the working directory and `process.exitCode`. It also fails a file that
 * leaves an aws-sdk-client-mock class stub in place (`mockClient(S3Client)` replaces `send` of every
 * S3 client in the worker until `.restore()`).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, vi } from 'vitest';

/** The clients the code under test uses; a class stub installs `send` on the class's own prototype. */
const CLIENTS = { CloudFormationClient, CloudWatchLogsClient, KMSClient, LambdaClient, S3Client, SFNClient, SQSClient, STSClient };

const cwd = process.cwd();
const exitCode = process.exitCode;
const env = process.env;

function restore(): void {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.useRealTimers();
  if (process.cwd() !== cwd) process.chdir(cwd);
  process.exitCode = exitCode;
}

afterEach(restore);

afterAll(() => {
  restore();
  if (process.env !== env) throw new Error('a test replaced process.env instead of stubbing it (vi.stubEnv)');
  const stubbed = Object.entries(CLIENTS).filter(([, client]) => Object.prototype.hasOwnProperty.call(client.prototype, 'send'));
  if (stubbed.length > 0) {
    throw new Error(`a test left ${stubbed.map(([name]) => `mockClient(${name})`).join(', ')} in place: restore it after the file (afterAll(() => mock.restore()))`);
  }
});
