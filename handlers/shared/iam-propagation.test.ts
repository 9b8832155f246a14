import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  AccessDeniedRetryStrategy,
  accessRetryDelayMs,
  accessRetryOptions,
  explainAccessDenied,
  type AccessRetryOptions,
} from './iam-propagation';
import { EMPTY_VERSION_LISTING, s3ErrorXml, stubClientConfig, type StubServer, useStubServers } from '../../test/support/stub-server';

const DENIED = { status: 403, body: s3ErrorXml('AccessDenied', 'Access Denied') };
const FAST: AccessRetryOptions = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 10 };

const startStubServer = useStubServers();
let server: StubServer;

function s3For(url: string, retry: AccessRetryOptions = FAST): S3Client {
  return explainAccessDenied(new S3Client({ ...stubClientConfig(url), retryStrategy: new AccessDeniedRetryStrategy(retry) }));
}

describe('accessRetryDelayMs', () => {
  it('doubles from 0.5 s up to 8 s, about 30 s over the 8 default attempts', () => {
    const retries = Array.from({ length: accessRetryOptions().maxAttempts - 1 }, (_, i) => accessRetryDelayMs(i + 1));

    expect(retries).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
    expect(retries.reduce((a, b) => a + b, 0)).toBe(31_500);
  });
});

describe('AccessDeniedRetryStrategy with explainAccessDenied', () => {
  it('retries AccessDenied until the permission takes effect', async () => {
    server = await startStubServer((_request, index) => (index < 2 ? DENIED : { body: EMPTY_VERSION_LISTING }));

    const output = await s3For(server.url).send(new ListObjectVersionsCommand({ Bucket: 'integration-bucket' }));

    expect(server.requests).toHaveLength(3);
    expect(output.$metadata.attempts).toBe(3);
    expect(output.$metadata.totalRetryDelay).toBe(5 + 10);
  });

  it('fails with AccessDeniedError naming the call, IAM action and bucket after the last attempt', async () => {
    server = await startStubServer(() => DENIED);

    const error = await s3For(server.url)
      .send(new ListObjectVersionsCommand({ Bucket: 'integration-bucket' }))
      .catch((e: unknown) => e);

    expect(server.requests).toHaveLength(4);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as Error).message).toBe(
      'S3.ListObjectVersions (IAM action s3:ListBucketVersions) on bucket integration-bucket was still denied after 4 attempts' +
        " over 0.0 s: the function's role lacks the permission, or the IAM policy that grants it has not taken effect yet",
    );
    expect((error as Error).cause).toMatchObject({ name: 'AccessDenied' });
  });

  it('fails at once, unwrapped, on other client errors such as NoSuchBucket', async () => {
    server = await startStubServer(() => ({ status: 404, body: s3ErrorXml('NoSuchBucket') }));

    await expect(s3For(server.url).send(new ListObjectVersionsCommand({ Bucket: 'gone' }))).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('keeps retrying server errors with the same bounded backoff', async () => {
    server = await startStubServer((_request, index) => (index < 3 ? { status: 500, body: s3ErrorXml('InternalError') } : { body: EMPTY_VERSION_LISTING }));

    const output = await s3For(server.url).send(new ListObjectVersionsCommand({ Bucket: 'integration-bucket' }));

    expect(output.$metadata.attempts).toBe(4);
  });
});
