import { DeleteObjectsCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cfnEvent } from '../shared/cfn-events';
import { CONTINUATION_KEY, continuationEvent } from '../shared/custom-resource';
import { AccessDeniedError } from '../shared/iam-propagation';
import { InvalidPropertiesError } from '../shared/resource-properties';
import { FakeVersionedBucket } from '../../test/support/fake-versioned-bucket';
import { EmptyBucketError, EmptyBucketIncompleteError, folderProperties, foldersResource, VERSIONS_DELETED_KEY } from './folders-resource';
import { BUCKET, deleteEvent, depsFor, PROPERTIES } from '../../test/support/folders-fixtures';


describe('folderProperties', () => {
  it('skips do_not_create, trims slashes and accepts a comma-separated string', () => {
    expect(folderProperties({ bucket_name: BUCKET, folders_to_create: ['inbound', '/outbound/', 'do_not_create'] })).toEqual({
      bucket: BUCKET,
      folders: ['inbound', 'outbound'],
    });
    expect(folderProperties({ bucket_name: BUCKET, folders_to_create: 'inbound, outbound' }).folders).toEqual([
      'inbound',
      'outbound',
    ]);
  });

  it('rejects a missing bucket name or a folder list that is not a list of strings', () => {
    expect(() => folderProperties({ folders_to_create: [] })).toThrow(InvalidPropertiesError);
    expect(() => folderProperties({ bucket_name: BUCKET, folders_to_create: [1] })).toThrow(/folders_to_create/);
  });
});

describe('foldersResource with a fake S3', () => {
  it('fails Delete when S3 refuses to delete some objects', async () => {
    const s3 = new S3Client({ region: 'us-east-1' });
    const mock = mockClient(s3);
    onTestFinished(() => mock.restore());
    mock.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'a', VersionId: '1' }] });
    mock.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'a', Code: 'InternalError', Message: 'boom' }] });

    await expect(foldersResource(deleteEvent(), depsFor(s3).deps)).rejects.toThrow(EmptyBucketError);
  });

  it('keeps the current physical ID on an Update of the same bucket, so that nothing is replaced', async () => {
    const s3 = new S3Client({ region: 'us-east-1' });
    const mock = mockClient(s3);
    onTestFinished(() => mock.restore());
    mock.on(PutObjectCommand).resolves({});
    const update = cfnEvent('Update', { ...PROPERTIES, folders_to_create: ['archive'] }, {
      physicalId: 'legacy-id',
      oldProperties: { ...PROPERTIES, bucket_name: ` ${BUCKET} ` },
    });

    await expect(foldersResource(update, depsFor(s3).deps)).resolves.toEqual({ physicalResourceId: 'legacy-id' });
  });
});

describe('foldersResource emptying many versions', () => {
  it('deletes in pages of 1000 by marker, listing the next page while the page before is deleted', async () => {
    const bucket = new FakeVersionedBucket(2500);
    const { deps } = depsFor(bucket.s3);

    await foldersResource(deleteEvent(), deps);

    expect(bucket.size).toBe(0);
    expect(bucket.deleteBatches).toEqual([1000, 1000, 500]);
    // Three pages, then a listing from the start that finds the bucket empty.
    expect(bucket.listMarkers).toEqual(['', 'k000999', 'k001999', '']);
    expect(bucket.violations).toEqual([]);
    expect(bucket.maxInFlight).toBe(2);
    expect(deps.logger.at('INFO').at(-1)).toMatchObject({ message: 'bucket emptied', deleted: 2500, invocations: 1 });
  });

  it('continues in a new invocation when the time left runs low, and that invocation finishes', async () => {
    const bucket = new FakeVersionedBucket(50);
    // Time for three delete requests, then below the hand-over reserve.
    const first = depsFor(bucket.s3, {
      pageSize: 10,
      handOverMs: 1_000,
      remainingMs: () => (bucket.deleteBatches.length < 3 ? 60_000 : 999),
    });

    const handedOver = await foldersResource(deleteEvent(), first.deps);

    expect(handedOver).toEqual({ continuedAs: 1 });
    expect(first.continued).toHaveLength(1);
    const next = first.continued[0] as CloudFormationCustomResourceEvent & Record<string, unknown>;
    expect(next).toEqual({ ...deleteEvent(), [CONTINUATION_KEY]: 1, [VERSIONS_DELETED_KEY]: 30 });
    expect(bucket.size).toBe(20);

    const second = depsFor(bucket.s3, { pageSize: 10 });
    await expect(foldersResource(next, second.deps)).resolves.toEqual({ physicalResourceId: `${BUCKET}-folders` });
    expect(bucket.size).toBe(0);
    expect(second.continued).toEqual([]);
    expect(second.deps.logger.at('INFO').at(-1)).toMatchObject({ deleted: 50, invocations: 2 });
  });

  it('fails with the versions deleted and how to go on once the continuations are used up', async () => {
    const bucket = new FakeVersionedBucket(50);
    const { deps, continued } = depsFor(bucket.s3, {
      pageSize: 10,
      handOverMs: 1_000,
      maxContinuations: 2,
      remainingMs: () => (bucket.deleteBatches.length < 1 ? 60_000 : 999),
    });
    const last = continuationEvent(deleteEvent(), 2, { [VERSIONS_DELETED_KEY]: 1200 });

    const error = await foldersResource(last, deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EmptyBucketIncompleteError);
    expect((error as Error).message).toBe(
      `deleted 1210 object versions of bucket ${BUCKET} in 3 invocations, but versions remain; the 2 continuations allowed` +
        ' are used up; deleting again (e.g. retrying the stack deletion) continues emptying it',
    );
    expect(continued).toEqual([]);
  });

  it('fails without continuing when the entry point has already given up', async () => {
    const bucket = new FakeVersionedBucket(50);
    const { deps, continued } = depsFor(bucket.s3, {
      pageSize: 10,
      handOverMs: 1_000,
      remainingMs: () => (bucket.deleteBatches.length < 1 ? 60_000 : 0),
    });

    await expect(foldersResource(deleteEvent(), deps)).rejects.toThrow(/no time left to continue/);
    expect(continued).toEqual([]);
  });

  it('fails with the cause when the new invocation cannot be started', async () => {
    const bucket = new FakeVersionedBucket(50);
    const { deps } = depsFor(bucket.s3, {
      pageSize: 10,
      handOverMs: 1_000,
      remainingMs: () => (bucket.deleteBatches.length < 1 ? 60_000 : 999),
      continueLater: async () => {
        throw new Error('throttled');
      },
    });

    await expect(foldersResource(deleteEvent(), deps)).rejects.toMatchObject({
      name: 'EmptyBucketIncompleteError',
      message: expect.stringContaining('could not continue in a new invocation'),
      cause: { message: 'throttled' },
    });
  });

  it('retries the objects DeleteObjects reports AccessDenied while IAM propagates', async () => {
    const bucket = new FakeVersionedBucket(30);
    bucket.denied.set('k000003', 2).set('k000017', 1);
    const { deps } = depsFor(bucket.s3);

    await foldersResource(deleteEvent(), deps);

    expect(bucket.size).toBe(0);
    expect(bucket.deleteBatches).toEqual([30, 2, 1]);
    expect(deps.logger.at('INFO').at(-1)).toMatchObject({ deleted: 30 });
  });

  it('fails with AccessDeniedError naming the bucket and action when objects stay denied', async () => {
    const bucket = new FakeVersionedBucket(5);
    bucket.denied.set('k000001', 100);
    const { deps } = depsFor(bucket.s3, { accessRetry: { maxAttempts: 3, baseDelayMs: 1 } });

    const error = await foldersResource(deleteEvent(), deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as Error).message).toMatch(
      new RegExp(`^S3.DeleteObjects \\(IAM action s3:DeleteObjectVersion\\) on bucket ${BUCKET} \\(1 objects\\) was still denied after 3 attempts`),
    );
    expect(bucket.deleteBatches).toEqual([5, 1, 1]);
  });
});

