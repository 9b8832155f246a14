/**
 * Custom resource that prepares the integration bucket: creates the folder markers on Create and
 * Update and empties the bucket on Delete (every object version and delete marker), so that
 * CloudFormation can then delete the bucket.
 * Properties: `bucket_name`, `folders_to_create` (list; the entry `do_not_create` is skipped).
 *
 * The physical ID names the bucket (`<bucket>-folders`). An Update that changes `bucket_name`
 * answers the new bucket's ID, so CloudFormation deletes the old resource, with the old
 * properties, in the update's cleanup phase: the old bucket is emptied instead of left behind.
 *
 * Emptying a bucket with millions of versions takes longer than one invocation: when the time left
 * runs low, the Delete continues in a new invocation of the function (at most
 * {@link DEFAULT_MAX_CONTINUATIONS} times), which answers CloudFormation in its place.
 */
import {
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type ObjectIdentifier,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceDeleteEvent, CloudFormationCustomResourceEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  continuationEvent,
  continuationOf,
  type CustomResourceContinued,
  type CustomResourceResult,
} from '../shared/custom-resource';
import {
  AccessDeniedError,
  accessDeniedMessage,
  accessRetryDelayMs,
  accessRetryOptions,
  type AccessRetryOptions,
} from '../shared/iam-propagation';
import type { Logger } from '../shared/logger';
import { InvalidPropertiesError, stringProperty } from '../shared/resource-properties';

/** What the core needs. */
export interface FoldersDeps {
  readonly s3: S3Client;
  readonly logger: Logger;
  /** Milliseconds left before the entry point's deadline (`CustomResourceInvocation.remainingMs`). */
  readonly remainingMs: () => number;
  /**
   * Starts a new invocation of this function with `event`, asynchronously; a Delete calls it when
   * its time runs low with versions left (the adapter invokes its own ARN with InvocationType Event).
   */
  readonly continueLater: (event: CloudFormationCustomResourceEvent) => Promise<void>;
  /** Object versions listed and deleted per request (at most 1000). @default 1000 */
  readonly pageSize?: number;
  /**
   * Time left at which a Delete starts no new round and hands over: enough to finish a round (a
   * list and a delete, including AccessDenied retries) and invoke the function.
   * @default 45_000, or a third of the time left at the start when that is less
   */
  readonly handOverMs?: number;
  /** New invocations a Delete may continue in before it answers FAILED. @default DEFAULT_MAX_CONTINUATIONS */
  readonly maxContinuations?: number;
  /** Retries of objects that DeleteObjects reports `AccessDenied` (IAM propagation). @default about 30 s */
  readonly accessRetry?: AccessRetryOptions;
}

/**
 * Continuations of a Delete. With a 900 s function timeout, 1 + 3 invocations fit in a custom
 * resource's ServiceTimeout of 3600 s; one more would answer after CloudFormation stopped waiting.
 */
export const DEFAULT_MAX_CONTINUATIONS = 3;

/** Event field carrying the versions deleted by the invocations before, for the final report. */
export const VERSIONS_DELETED_KEY = 'BellflowerVersionsDeleted';

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

/** Raised when a Delete ran out of invocations (or could not start the next one) with versions left. */
export class EmptyBucketIncompleteError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmptyBucketIncompleteError';
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
): Promise<CustomResourceResult | CustomResourceContinued> {
  if (event.RequestType === 'Delete') return deleteResource(event, deps);
  const { bucket, folders } = folderProperties(event.ResourceProperties);
  for (const folder of folders) {
    await deps.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${folder}/`, Body: new Uint8Array(0) }));
  }
  deps.logger.info('folders created', { bucket, folders });
  const oldBucket: unknown = event.RequestType === 'Update' ? event.OldResourceProperties.bucket_name : undefined;
  if (event.RequestType === 'Update' && typeof oldBucket === 'string' && oldBucket.trim() === bucket) {
    // Same bucket, same resource: keep the ID, whatever it is, since a replacement would empty the bucket.
    return { physicalResourceId: event.PhysicalResourceId };
  }
  return { physicalResourceId: `${bucket}-folders` };
}

async function deleteResource(
  event: CloudFormationCustomResourceDeleteEvent,
  deps: FoldersDeps,
): Promise<CustomResourceResult | CustomResourceContinued> {
  let bucket: string;
  try {
    bucket = folderProperties(event.ResourceProperties).bucket;
  } catch (error: unknown) {
    // Nothing was created with properties that never validated.
    deps.logger.warn('delete with invalid properties: nothing to empty', { error: String(error) });
    return { physicalResourceId: event.PhysicalResourceId };
  }
  const continuation = continuationOf(event);
  const { deleted, complete } = await emptyBucket(bucket, deps);
  const total = versionsDeletedBefore(event) + deleted;
  const invocations = continuation + 1;
  if (complete) {
    deps.logger.info('bucket emptied', { bucket, deleted: total, invocations });
    return { physicalResourceId: event.PhysicalResourceId };
  }
  const incomplete = `deleted ${total} object versions of bucket ${bucket} in ${invocations} invocations, but versions remain`;
  const retry = 'deleting again (e.g. retrying the stack deletion) continues emptying it';
  const maxContinuations = deps.maxContinuations ?? DEFAULT_MAX_CONTINUATIONS;
  if (continuation >= maxContinuations) {
    throw new EmptyBucketIncompleteError(`${incomplete}; the ${maxContinuations} continuations allowed are used up; ${retry}`);
  }
  if (deps.remainingMs() <= 0) {
    // The entry point has answered FAILED already: a new invocation would answer a second time.
    throw new EmptyBucketIncompleteError(`${incomplete}; no time left to continue; ${retry}`);
  }
  const next = continuation + 1;
  try {
    await deps.continueLater(continuationEvent(event, next, { [VERSIONS_DELETED_KEY]: total }));
  } catch (error: unknown) {
    throw new EmptyBucketIncompleteError(`${incomplete}; could not continue in a new invocation; ${retry}`, { cause: error });
  }
  deps.logger.info('bucket not yet empty: continuing in a new invocation', { bucket, deleted: total, continuation: next });
  return { continuedAs: next };
}

/** Versions the invocations before this one deleted (informational: 0 when absent or malformed). */
function versionsDeletedBefore(event: CloudFormationCustomResourceEvent): number {
  const value: unknown = (event as unknown as Record<string, unknown>)[VERSIONS_DELETED_KEY];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** How far {@link emptyBucket} got. */
export interface EmptyBucketProgress {
  /** Object versions and delete markers this call deleted. */
  readonly deleted: number;
  /** False when it stopped because the time left fell below the hand-over reserve. */
  readonly complete: boolean;
}

/** Where a listing continues: the last version of the page before. */
interface VersionMarker {
  readonly KeyMarker: string;
  readonly VersionIdMarker: string | undefined;
}

/** One page of versions and delete markers. */
interface VersionPage {
  readonly objects: readonly ObjectIdentifier[];
  /** Where the next page starts; absent on the last page. */
  readonly next?: VersionMarker;
}

/**
 * Deletes every object version and delete marker of a bucket. Pages of up to 1000 are listed with
 * KeyMarker/VersionIdMarker and deleted with one DeleteObjects (Quiet) each. The next page is
 * listed while the page before the current one is deleted: a listing then never starts after a
 * version that is being deleted, which emulators and S3 might treat differently. A pass over the
 * whole bucket is followed by another from the start, until one finds nothing (versions written
 * meanwhile). Stops early, incomplete, when the time left falls below the hand-over reserve. A
 * bucket that no longer exists counts as empty.
 */
export async function emptyBucket(bucket: string, deps: FoldersDeps): Promise<EmptyBucketProgress> {
  const progress = { deleted: 0 };
  // A third of the time at most, so that a function with a short timeout still makes progress.
  const handOverMs = deps.handOverMs ?? Math.min(45_000, Math.floor(deps.remainingMs() / 3));
  const hasTime = () => deps.remainingMs() >= handOverMs;
  try {
    for (;;) {
      if (!hasTime()) return { deleted: progress.deleted, complete: false };
      let page = await listVersions(bucket, undefined, deps);
      if (page.objects.length === 0 && page.next === undefined) return { deleted: progress.deleted, complete: true };
      let previous: readonly ObjectIdentifier[] = [];
      for (;;) {
        if (!hasTime()) return { deleted: progress.deleted, complete: false };
        if (page.next === undefined) break;
        const [next] = await settleBoth(listVersions(bucket, page.next, deps), deleteVersions(bucket, previous, deps, progress));
        previous = page.objects;
        page = next;
      }
      await settleBoth(deleteVersions(bucket, previous, deps, progress), deleteVersions(bucket, page.objects, deps, progress));
    }
  } catch (error: unknown) {
    if ((error as { name?: unknown } | null)?.name === 'NoSuchBucket') return { deleted: progress.deleted, complete: true };
    throw error;
  }
}

/** Both results once both settled, or the first error: no request is left running behind a failure. */
async function settleBoth<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}

async function listVersions(bucket: string, marker: VersionMarker | undefined, deps: FoldersDeps): Promise<VersionPage> {
  const page = await deps.s3.send(
    new ListObjectVersionsCommand({
      Bucket: bucket,
      MaxKeys: Math.min(deps.pageSize ?? MAX_DELETE_BATCH, MAX_DELETE_BATCH),
      ...marker,
    }),
  );
  const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].flatMap((v) =>
    v.Key === undefined ? [] : [{ Key: v.Key, VersionId: v.VersionId }],
  );
  if (!page.IsTruncated) return { objects };
  if (page.NextKeyMarker === undefined) {
    throw new EmptyBucketError(`S3 listed a truncated page of ${bucket} without NextKeyMarker`);
  }
  return { objects, next: { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker } };
}

/**
 * Deletes versions with DeleteObjects, up to 1000 per request, counting them in `progress`. Objects
 * S3 reports `AccessDenied` for are retried like denied requests (IAM propagation), by hand: they
 * come in a successful answer, which the SDK's retry strategy never sees.
 */
async function deleteVersions(
  bucket: string,
  objects: readonly ObjectIdentifier[],
  deps: FoldersDeps,
  progress: { deleted: number },
): Promise<void> {
  const retry = accessRetryOptions(deps.accessRetry);
  for (let start = 0; start < objects.length; start += MAX_DELETE_BATCH) {
    let pending = objects.slice(start, start + MAX_DELETE_BATCH);
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      const result = await deps.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: pending, Quiet: true } }));
      const errors = result.Errors ?? [];
      progress.deleted += pending.length - errors.length;
      if (errors.length === 0) break;
      const first = errors[0];
      if (errors.some((e) => e.Code !== 'AccessDenied')) {
        throw new EmptyBucketError(
          `S3 refused to delete ${errors.length} objects of ${bucket}, e.g. ${first?.Key}: ${first?.Code} ${first?.Message}`,
        );
      }
      if (attempt >= retry.maxAttempts) {
        throw new AccessDeniedError(
          accessDeniedMessage({ call: 'S3.DeleteObjects', bucket, detail: `(${errors.length} objects)`, attempts: attempt, waitedMs }),
        );
      }
      pending = errors.flatMap((e) => (e.Key === undefined ? [] : [{ Key: e.Key, VersionId: e.VersionId }]));
      const delay = accessRetryDelayMs(attempt, retry);
      waitedMs += delay;
      await sleep(delay);
    }
  }
}
