/**
 * Destroy: deletes the root stack, then the cross stack (the root imports the cross stack's
 * exports). The artifact bucket is left alone unless `deleteArtifacts` is set.
 */
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { AwsClients } from './aws';
import type { BellflowerConfig } from './config';
import { messageOf } from './command';
import { callerAccount, httpStatus, PublishError } from './publish';
import { silentReporter, type Reporter } from './reporter';
import { deleteStack, type Polling } from './stacks';

/** Options of {@link destroy}. */
export interface DestroyOptions extends Polling {
  readonly config: BellflowerConfig;
  readonly clients: AwsClients;
  readonly reporter?: Reporter;
  /**
   * Also delete every version of every object under the key prefix, and the bucket when that
   * leaves it empty. @default false
   */
  readonly deleteArtifacts?: boolean;
}

/** Result of {@link destroy}. */
export interface DestroyResult {
  /** Stacks that existed and were deleted, in order. */
  readonly deletedStacks: readonly string[];
  /** Object versions deleted from the artifact bucket. */
  readonly deletedObjects: number;
  readonly bucketDeleted: boolean;
}

/** Deletes the stacks (root first) and, when asked, the artifacts. */
export async function destroy(options: DestroyOptions): Promise<DestroyResult> {
  const { config, clients } = options;
  const reporter = options.reporter ?? silentReporter;
  const deletedStacks: string[] = [];
  for (const stackName of [config.rootStackName, config.crossStackName]) {
    if (await deleteStack(clients.cloudFormation, stackName, { ...options, reporter })) deletedStacks.push(stackName);
    else reporter.info(`${stackName}: does not exist`);
  }
  if (!options.deleteArtifacts) return { deletedStacks, deletedObjects: 0, bucketDeleted: false };
  const account = await callerAccount(clients.sts);
  const deletedObjects = await deleteAllVersions(clients.s3, config.artifactBucket, `${config.keyPrefix}/`, account);
  reporter.info(`s3://${config.artifactBucket}/${config.keyPrefix}/: deleted ${deletedObjects} object versions`);
  const bucketDeleted = (await deleteAllVersions(clients.s3, config.artifactBucket, '', account, true)) === 0;
  if (bucketDeleted) {
    await clients.s3.send(new DeleteBucketCommand({ Bucket: config.artifactBucket, ExpectedBucketOwner: account }));
    reporter.info(`s3://${config.artifactBucket}: empty, deleted`);
  } else {
    reporter.info(`s3://${config.artifactBucket}: kept (it holds objects outside ${config.keyPrefix}/)`);
  }
  return { deletedStacks, deletedObjects, bucketDeleted };
}

/** Deletes every version and delete marker under `prefix`; with `countOnly`, only counts them. */
async function deleteAllVersions(s3: S3Client, bucket: string, prefix: string, account: string, countOnly = false): Promise<number> {
  let count = 0;
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  try {
    do {
      const page = await s3.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          Prefix: prefix,
          ExpectedBucketOwner: account,
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
        }),
      );
      const objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((version) => ({
        Key: version.Key!,
        ...(version.VersionId ? { VersionId: version.VersionId } : {}),
      }));
      if (objects.length > 0 && !countOnly) {
        await s3.send(new DeleteObjectsCommand({ Bucket: bucket, ExpectedBucketOwner: account, Delete: { Objects: objects, Quiet: true } }));
      }
      count += objects.length;
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
  } catch (error) {
    if (httpStatus(error) === 404) return 0;
    throw new PublishError(`cannot delete artifacts in s3://${bucket}/${prefix}: ${messageOf(error)}`, { cause: error });
  }
  return count;
}
