/** Test support: the folders custom resource's properties, events and dependencies (unit and moto tests). */
import type { S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { cfnEvent } from '../../handlers/shared/cfn-events';
import type { FoldersDeps } from '../../handlers/s3-folders/folders-resource';
import { RecordingLogger } from './recording-logger';

export const BUCKET = 'bellflower-integration-bucket';
export const PROPERTIES = { bucket_name: BUCKET, folders_to_create: ['inbound', 'outbound', 'do_not_create'] };

/** Deps with all the time in the world and continuations recorded in `continued`. */
export function depsFor(s3: S3Client, overrides: Partial<Omit<FoldersDeps, 'logger'>> = {}) {
  const continued: CloudFormationCustomResourceEvent[] = [];
  const deps = {
    s3,
    logger: new RecordingLogger(),
    remainingMs: () => Number.POSITIVE_INFINITY,
    continueLater: async (event: CloudFormationCustomResourceEvent) => {
      continued.push(event);
    },
    accessRetry: { baseDelayMs: 1, maxDelayMs: 2 },
    ...overrides,
  };
  return { deps, continued };
}

export const deleteEvent = (properties: Record<string, unknown> = PROPERTIES) =>
  cfnEvent('Delete', properties, { physicalId: `${BUCKET}-folders` });
