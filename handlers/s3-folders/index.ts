/**
 * Lambda adapter of the folders custom resource (`index.handler`).
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { recordAwsCalls } from '../shared/aws-calls';
import { customResourceHandler } from '../shared/custom-resource';
import { continueInNewInvocation, customResourceS3Client } from '../shared/custom-resource-clients';
import { createLogger } from '../shared/logger';
import { foldersResource } from './folders-resource';

const logger = createLogger('bellflower-s3-folders');
const s3 = customResourceS3Client(logger);
const lambda = recordAwsCalls(new LambdaClient({}), logger);

/**
 * CloudFormation custom-resource handler; always answers through the response URL, except when a
 * Delete continues in a new invocation of this function, which answers in its place.
 */
export const handler = customResourceHandler(
  (event, invocation) =>
    foldersResource(event, {
      s3,
      logger,
      remainingMs: invocation.remainingMs,
      continueLater: (next) => continueInNewInvocation(lambda, invocation.context.invokedFunctionArn, next),
    }),
  // A Create that failed after writing a marker leaves a version in the bucket: the rollback's Delete
  // must empty it like any other (a bucket that was never created counts as empty).
  { logger, deleteAfterFailedCreate: true },
);
