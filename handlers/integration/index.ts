/**
 * Lambda adapter of the integration function (`index.handler`), invoked by the SQS queue (event
 * source mapping with `ReportBatchItemFailures`) and by S3 notifications of the integration bucket.
 * Environment: `S3_BUCKET_NAME` (the integration bucket).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context, S3Event, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { recordAwsCalls } from '../shared/aws-calls';
import { requireEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { s3ClientConfig } from '../shared/s3-client-config';
import { handleS3Event, handleSqsEvent, isS3Event, isSqsEvent, type IntegrationDeps } from './integrate';

const logger = createLogger('bellflower-integration');
// Every AWS call is logged at DEBUG (`aws_call`), to be held against the role's IAM contract.
const deps: IntegrationDeps = {
  s3: recordAwsCalls(new S3Client(s3ClientConfig()), logger),
  sfn: recordAwsCalls(new SFNClient({}), logger),
  bucket: requireEnv('S3_BUCKET_NAME'),
  logger,
};

/** Raised for an event that is neither SQS nor S3. */
export class UnsupportedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedEventError';
  }
}

/** Dispatches on the event source. */
export async function handler(event: SQSEvent | S3Event, context: Context): Promise<SQSBatchResponse | void> {
  logger.addContext(context);
  if (isSqsEvent(event)) return handleSqsEvent(event, deps);
  if (isS3Event(event)) return handleS3Event(event, deps);
  const error = new UnsupportedEventError('event is neither an SQS batch nor an S3 notification');
  logger.error(error.message, { event_keys: Object.keys(event ?? {}) });
  throw error;
}
