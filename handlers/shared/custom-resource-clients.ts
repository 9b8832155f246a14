/**
 * The SDK clients of the custom-resource functions, as their adapters create them once per
 * container: S3 that rides out IAM propagation and records its calls, and the Lambda call that
 * continues a long request in a new invocation of the same function.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { recordAwsCalls } from './aws-calls';
import { AccessDeniedRetryStrategy, explainAccessDenied, type AccessRetryOptions } from './iam-propagation';
import type { Logger } from './logger';
import { s3ClientConfig } from './s3-client-config';

/**
 * An S3 client that retries `AccessDenied` (IAM propagation), fails with an `AccessDeniedError`
 * naming the bucket and action, and logs each call at DEBUG.
 */
export function customResourceS3Client(
  logger: Logger,
  config: S3ClientConfig = s3ClientConfig(),
  retry: AccessRetryOptions = {},
): S3Client {
  const s3 = new S3Client({ ...config, retryStrategy: new AccessDeniedRetryStrategy(retry) });
  return recordAwsCalls(explainAccessDenied(s3), logger);
}

/** Raised when Lambda did not accept the invocation that was to continue a request. */
export class ContinuationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContinuationError';
  }
}

/**
 * Invokes `functionArn` asynchronously (`InvocationType: 'Event'`) with `event` as payload; resolves
 * once Lambda has queued it (HTTP 202). The payload holds the response URL: it is never logged.
 */
export async function continueInNewInvocation(
  lambda: LambdaClient,
  functionArn: string,
  event: CloudFormationCustomResourceEvent,
): Promise<void> {
  let statusCode: number | undefined;
  try {
    ({ StatusCode: statusCode } = await lambda.send(
      new InvokeCommand({
        FunctionName: functionArn,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    ));
  } catch (error: unknown) {
    throw new ContinuationError(`could not invoke ${functionArn} to continue the request`, { cause: error });
  }
  if (statusCode !== 202) {
    throw new ContinuationError(`Lambda answered ${statusCode} instead of 202 to the invocation of ${functionArn}`);
  }
}
