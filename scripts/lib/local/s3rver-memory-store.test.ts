/**
 * The embedded S3 (s3rver over the in-memory store) answers the S3 API as s3rver does, through the
 * real SDK: the calls the handlers and `respond` make, and listing for completeness.
 */
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localS3Client, startEmbeddedS3, type S3Backend } from './s3-backend';
import type { CreatedObject } from './s3-events';

describe('embedded S3 (s3rver, in-memory store)', () => {
  const bucket = 'memory-store-test';
  let backend: S3Backend;
  let s3: S3Client;
  const created: CreatedObject[] = [];
  beforeAll(async () => {
    backend = await startEmbeddedS3(bucket);
    backend.onObjectCreated((object) => created.push(object));
    s3 = localS3Client(backend.endpoint, 'us-east-1');
  });
  afterAll(async () => {
    s3.destroy();
    await backend.stop();
  });

  it('stores, reads, lists, copies and deletes objects, raising ObjectCreated events', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'outbound/a/data.json', Body: '{"a":1}', ContentType: 'application/json' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'outbound/b/data.json', Body: 'bb' }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'inbound/a/success.json', CopySource: `${bucket}/outbound/a/data.json` }));

    const read = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'outbound/a/data.json' }));
    expect(await read.Body!.transformToString()).toBe('{"a":1}');
    expect(read.ContentType).toBe('application/json');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'inbound/a/success.json' }));
    expect(head.ContentLength).toBe(7);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'outbound/', Delimiter: '/' }));
    expect(listed.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['outbound/a/', 'outbound/b/']);
    expect(created.map((o) => o.key)).toEqual(['outbound/a/data.json', 'outbound/b/data.json', 'inbound/a/success.json']);

    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'outbound/b/data.json' }));
    await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'outbound/b/data.json' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    const all = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(all.Contents?.map((o) => o.Key)).toEqual(['inbound/a/success.json', 'outbound/a/data.json']);
  });
});
