/**
 * Destroy: disables the event source mapping and stops the running executions (see quiesce.ts),
 * then deletes the root stack, then the cross stack (the root imports the cross stack's
 * exports). The artifact bucket is left alone unless `deleteArtifacts` is set; the bootstrap stack
 * (key, alias, artifact bucket) unless `bootstrap` is set.
 */
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { AwsClients } from '../core/aws';
import { configFilePath, type BellflowerConfig } from '../core/config';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { bootstrapResources, bootstrapStackName, forgetBootstrapOutputs } from './bootstrap';
import { messageOf } from '../core/errors';
import { PublishError } from './manifest';
import { callerAccount, httpStatus } from './artifact-bucket';
import { silentReporter, type Reporter } from '../core/reporter';
import { deleteStack, describeStack, refuseProtected, type Polling } from './stacks';
import { quiesceWorkflow, type QuiesceResult } from './quiesce';

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
  /**
   * Also delete the bootstrap stack last: its artifact bucket, emptied of every version first, and
   * its key, which KMS deletes only after the key's pending window (30 days). @default false
   */
  readonly bootstrap?: boolean;
  /** Where bootstrap recorded the deleted key and bucket (`config/<env>.local.json`). @default the project's `config/` */
  readonly configDir?: string;
}

/** Result of {@link destroy}. */
export interface DestroyResult {
  /** Stacks that existed and were deleted, in order. */
  readonly deletedStacks: readonly string[];
  /** Object versions deleted from the artifact bucket. */
  readonly deletedObjects: number;
  readonly bucketDeleted: boolean;
  /** What was stopped before the root stack was deleted. */
  readonly quiesced: QuiesceResult;
}

/** Deletes the stacks (root first) and, when asked, the artifacts. */
export async function destroy(options: DestroyOptions): Promise<DestroyResult> {
  const { config, clients } = options;
  const reporter = options.reporter ?? silentReporter;
  const deletedStacks: string[] = [];
  // A protected stack (a production environment) is refused before anything is disabled or stopped:
  // the workflow must not be left without its event source mapping by a destroy that cannot finish.
  for (const stackName of [config.rootStackName, config.crossStackName]) refuseProtected(await describeStack(clients.cloudFormation, stackName), stackName);
  const quiesced = await quiesceWorkflow(clients, config.rootStackName, reporter);
  for (const stackName of [config.rootStackName, config.crossStackName]) {
    // CloudFormation deletes the resources as the execution role, not with the caller's permissions.
    const roleArn = config.cfnExecutionRoleArn !== undefined ? { roleArn: config.cfnExecutionRoleArn } : {};
    if (await deleteStack(clients.cloudFormation, stackName, { ...options, reporter, ...roleArn })) deletedStacks.push(stackName);
    else reporter.info(`${stackName}: does not exist`);
  }
  const bootstrapStack = bootstrapStackName(config.environment);
  const held = options.deleteArtifacts || options.bootstrap ? await bootstrapResources(clients.cloudFormation, bootstrapStack) : {};
  let deletedObjects = 0;
  let bucketDeleted = false;
  if (options.deleteArtifacts) {
    const account = await callerAccount(clients.sts);
    deletedObjects = await deleteAllVersions(clients.s3, config.artifactBucket, `${config.keyPrefix}/`, account);
    reporter.info(`s3://${config.artifactBucket}/${config.keyPrefix}/: deleted ${deletedObjects} object versions`);
    if (held.bucket !== config.artifactBucket) bucketDeleted = await deleteBucketIfEmpty(clients.s3, config, account, reporter);
    else if (!options.bootstrap) reporter.info(`s3://${config.artifactBucket}: kept (the bootstrap stack holds it; --bootstrap deletes it)`);
  }
  if (options.bootstrap) {
    if (held.bucket !== undefined) {
      const emptied = await deleteAllVersions(clients.s3, held.bucket, '', await callerAccount(clients.sts));
      reporter.info(`s3://${held.bucket}: deleted ${emptied} object versions, before the stack deletes the bucket`);
      deletedObjects += emptied;
    }
    if (await deleteStack(clients.cloudFormation, bootstrapStack, { ...options, reporter })) {
      deletedStacks.push(bootstrapStack);
      bucketDeleted ||= held.bucket !== undefined;
      if (held.key !== undefined) reporter.info(await keyDeletionState(clients, held.key));
      if (forgetBootstrapOutputs(config.environment, held, options.configDir)) {
        reporter.info(`${configFilePath(config, '.local.json')}: the deleted key and bucket are no longer recorded`);
      }
    } else {
      reporter.info(`${bootstrapStack}: does not exist`);
    }
  }
  return { deletedStacks, deletedObjects, bucketDeleted, quiesced };
}

/** What KMS says of a deleted bootstrap stack's key: pending deletion until a date, or gone. */
async function keyDeletionState(clients: Pick<AwsClients, 'kms'>, keyId: string): Promise<string> {
  try {
    const { KeyMetadata: key } = await clients.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    const until = key?.DeletionDate ? ` until ${key.DeletionDate.toISOString()}` : '';
    return `KMS key ${keyId}: ${key?.KeyState ?? 'unknown state'}${until} (KMS deletes a key only after its pending window; aws kms cancel-key-deletion --key-id ${keyId} keeps it)`;
  } catch (error) {
    return `KMS key ${keyId}: ${error instanceof Error && error.name === 'NotFoundException' ? 'deleted' : messageOf(error)}`;
  }
}

/** Deletes the artifact bucket when nothing is left in it; says so either way. */
async function deleteBucketIfEmpty(s3: S3Client, config: BellflowerConfig, account: string, reporter: Reporter): Promise<boolean> {
  const bucketDeleted = (await deleteAllVersions(s3, config.artifactBucket, '', account, true)) === 0;
  if (bucketDeleted) {
    await s3.send(new DeleteBucketCommand({ Bucket: config.artifactBucket, ExpectedBucketOwner: account }));
    reporter.info(`s3://${config.artifactBucket}: empty, deleted`);
  } else {
    reporter.info(`s3://${config.artifactBucket}: kept (it holds objects outside ${config.keyPrefix}/)`);
  }
  return bucketDeleted;
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
