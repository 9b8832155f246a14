import { CreateBucketCommand, DeleteObjectCommand, ListObjectsV2Command, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { requireTool } from '../../test/support/tools';
import { cfnEvent } from '../shared/cfn-events';
import { useMotoBucket } from '../../test/support/moto-bucket';
import { foldersResource } from './folders-resource';
import { BUCKET, deleteEvent, depsFor, PROPERTIES } from '../../test/support/folders-fixtures';


describe.runIf(requireTool('moto_server'))('foldersResource against moto', () => {
  const server = useMotoBucket(BUCKET);
  let s3: S3Client;

  beforeEach(() => {
    s3 = server.s3;
  });

  async function keys(): Promise<string[]> {
    return ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key ?? '');
  }

  const properties = PROPERTIES;

  it('creates the folder markers on Create and Update with a stable physical ID', async () => {
    const { deps } = depsFor(s3);

    const created = await foldersResource(cfnEvent('Create', properties), deps);
    const updated = await foldersResource(
      cfnEvent('Update', { ...properties, folders_to_create: ['archive'] }, { physicalId: `${BUCKET}-folders` }),
      deps,
    );

    expect(created).toEqual({ physicalResourceId: `${BUCKET}-folders` });
    expect(updated).toEqual(created);
    expect(await keys()).toEqual(['archive/', 'inbound/', 'outbound/']);
  });

  it('answers a new physical ID when the bucket is renamed, and the Delete of the old ID empties the old bucket', async () => {
    const renamed = 'bellflower-integration-bucket-2';
    await s3.send(new CreateBucketCommand({ Bucket: renamed }));
    const { deps } = depsFor(s3);
    await foldersResource(cfnEvent('Create', properties), deps);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'outbound/x/task.json', Body: '{}' }));

    const updated = await foldersResource(
      cfnEvent('Update', { ...properties, bucket_name: renamed }, { physicalId: `${BUCKET}-folders`, oldProperties: properties }),
      deps,
    );
    // What CloudFormation sends in the update's cleanup phase: the old ID with the old properties.
    await foldersResource(cfnEvent('Delete', properties, { physicalId: `${BUCKET}-folders` }), deps);

    expect(updated).toEqual({ physicalResourceId: `${renamed}-folders` });
    expect(await keys()).toEqual([]);
    const moved = await s3.send(new ListObjectsV2Command({ Bucket: renamed }));
    expect(moved.Contents?.map((o) => o.Key)).toEqual(['inbound/', 'outbound/']);
  });

  it('empties a versioned bucket on Delete: every version and delete marker, page by page', async () => {
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    // A page of 50: several rounds of list and delete without writing thousands of objects.
    const { deps } = depsFor(s3, { pageSize: 50 });
    await foldersResource(cfnEvent('Create', properties), deps);
    await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `outbound/${i}/data.json`, Body: '{}' })),
      ),
    );
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'inbound/x/success.json', Body: 'v2' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'inbound/x/success.json' }));

    await foldersResource(deleteEvent(), deps);

    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    expect([...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])]).toEqual([]);
    expect(deps.logger.at('INFO').at(-1)).toMatchObject({ message: 'bucket emptied', deleted: 2 + 120 + 2 });
  });

  it('treats a bucket that no longer exists as empty on Delete', async () => {
    await expect(
      foldersResource(cfnEvent('Delete', { ...properties, bucket_name: 'gone-bucket' }), depsFor(s3).deps),
    ).resolves.toEqual({ physicalResourceId: 'physical-1' });
  });
});
