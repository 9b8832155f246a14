import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { requireTool } from '../../test/support/tools';
import { cfnEvent } from '../shared/cfn-events';
import { useMotoBucket } from '../shared/moto-bucket';
import { RecordingLogger } from '../shared/recording-logger';
import { InvalidPropertiesError } from '../shared/resource-properties';
import { EmptyBucketError, folderProperties, foldersResource } from './folders-resource';

const BUCKET = 'bellflower-integration-bucket';

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
    mock.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'a', VersionId: '1' }] });
    mock.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'a', Code: 'AccessDenied', Message: 'denied' }] });

    await expect(
      foldersResource(cfnEvent('Delete', { bucket_name: BUCKET, folders_to_create: [] }), { s3, logger: new RecordingLogger() }),
    ).rejects.toThrow(EmptyBucketError);
  });
});

describe.runIf(requireTool('moto_server'))('foldersResource against moto', () => {
  const server = useMotoBucket(BUCKET);
  let s3: S3Client;

  beforeEach(() => {
    s3 = server.s3;
  });

  async function keys(): Promise<string[]> {
    return ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key ?? '');
  }

  const properties = { bucket_name: BUCKET, folders_to_create: ['inbound', 'outbound', 'do_not_create'] };

  it('creates the folder markers on Create and Update with a stable physical ID', async () => {
    const deps = { s3, logger: new RecordingLogger() };

    const created = await foldersResource(cfnEvent('Create', properties), deps);
    await foldersResource(cfnEvent('Update', { ...properties, folders_to_create: ['archive'] }), deps);

    expect(created.physicalResourceId).toBe(`${BUCKET}-folders`);
    expect(await keys()).toEqual(['archive/', 'inbound/', 'outbound/']);
  });

  it('empties a versioned bucket on Delete: every version and delete marker, page by page', async () => {
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    // A page of 50: several rounds of list and delete without writing thousands of objects.
    const deps = { s3, logger: new RecordingLogger(), pageSize: 50 };
    await foldersResource(cfnEvent('Create', properties), deps);
    await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `outbound/${i}/data.json`, Body: '{}' })),
      ),
    );
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'inbound/x/success.json', Body: 'v2' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'inbound/x/success.json' }));

    await foldersResource(cfnEvent('Delete', properties, { physicalId: `${BUCKET}-folders` }), deps);

    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    expect([...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])]).toEqual([]);
    expect(deps.logger.at('INFO').at(-1)).toMatchObject({ message: 'bucket emptied', deleted: 2 + 120 + 2 });
  });

  it('treats a bucket that no longer exists as empty on Delete', async () => {
    await expect(
      foldersResource(cfnEvent('Delete', { ...properties, bucket_name: 'gone-bucket' }), { s3, logger: new RecordingLogger() }),
    ).resolves.toEqual({ physicalResourceId: 'physical-1' });
  });
});
