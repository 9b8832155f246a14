/**
 * Custom resource that prepares the integration bucket: creates the folder markers on Create and
 * Update and empties the bucket on Delete (every object version and delete marker), so that
 * CloudFormation can then delete the bucket.
 * Properties: `bucket_name`, `folders_to_create` (list; the entry `do_not_create` is skipped).
 */
import {
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type ObjectIdentifier,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { CustomResourceResult } from '../shared/custom-resource';
import type { Logger } from '../shared/logger';
import { InvalidPropertiesError, stringProperty } from '../shared/resource-properties';

/** What the core needs. */
export interface FoldersDeps {
  readonly s3: S3Client;
  readonly logger: Logger;
  /** Object versions listed and deleted per round (at most 1000). @default 1000 */
  readonly pageSize?: number;
}

/** Folder entry that creates nothing (the original's marker for "no folders"). */
export const SKIP_MARKER = 'do_not_create';

/** DeleteObjects accepts at most 1000 keys per call. */
const MAX_DELETE_BATCH = 1000;

/** Raised when S3 refused to delete some objects while emptying the bucket. */
export class EmptyBucketError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmptyBucketError';
  }
}

/** Bucket and folder names of the resource properties. */
export function folderProperties(properties: Readonly<Record<string, unknown>>): { bucket: string; folders: string[] } {
  const bucket = stringProperty(properties, 'bucket_name');
  const raw = properties.folders_to_create;
  const list = typeof raw === 'string' ? raw.split(',') : raw;
  if (!Array.isArray(list) || !list.every((f): f is string => typeof f === 'string')) {
    throw new InvalidPropertiesError(`property folders_to_create must be a list of strings, got ${JSON.stringify(raw)}`);
  }
  const folders = list.map((f) => f.trim().replace(/^\/+|\/+$/g, '')).filter((f) => f !== '' && f !== SKIP_MARKER);
  return { bucket, folders: [...new Set(folders)] };
}

/** The custom resource's logic (see the module comment). */
export async function foldersResource(
  event: CloudFormationCustomResourceEvent,
  deps: FoldersDeps,
): Promise<CustomResourceResult> {
  if (event.RequestType === 'Delete') {
    let bucket: string;
    try {
      bucket = folderProperties(event.ResourceProperties).bucket;
    } catch (error: unknown) {
      // Nothing was created with properties that never validated.
      deps.logger.warn('delete with invalid properties: nothing to empty', { error: String(error) });
      return { physicalResourceId: event.PhysicalResourceId };
    }
    const deleted = await emptyBucket(bucket, deps);
    deps.logger.info('bucket emptied', { bucket, deleted });
    return { physicalResourceId: event.PhysicalResourceId };
  }
  const { bucket, folders } = folderProperties(event.ResourceProperties);
  for (const folder of folders) {
    await deps.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${folder}/`, Body: new Uint8Array(0) }));
  }
  deps.logger.info('folders created', { bucket, folders });
  return { physicalResourceId: `${bucket}-folders` };
}

/**
 * Deletes every object version and delete marker of a bucket, a page (at most 1000, the
 * DeleteObjects limit) at a time; returns how many. Each round lists from the start again instead
 * of following markers: the previous page is gone, and markers pointing at deleted keys are handled
 * differently by emulators. A bucket that no longer exists counts as empty.
 */
export async function emptyBucket(bucket: string, deps: FoldersDeps): Promise<number> {
  const pageSize = Math.min(deps.pageSize ?? MAX_DELETE_BATCH, MAX_DELETE_BATCH);
  let deleted = 0;
  try {
    for (;;) {
      const page = await deps.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: pageSize }));
      const batch: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].flatMap((v) =>
        v.Key === undefined ? [] : [{ Key: v.Key, VersionId: v.VersionId }],
      );
      if (batch.length === 0) return deleted;
      const result = await deps.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
      if (result.Errors?.length) {
        const first = result.Errors[0];
        throw new EmptyBucketError(
          `S3 refused to delete ${result.Errors.length} objects of ${bucket}, e.g. ${first?.Key}: ${first?.Code} ${first?.Message}`,
        );
      }
      deleted += batch.length;
    }
  } catch (error: unknown) {
    if ((error as { name?: unknown } | null)?.name === 'NoSuchBucket') return deleted;
    throw error;
  }
}
