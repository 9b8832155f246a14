/**
 * The folders adapter as CloudFormation drives it through a failed Create and its rollback: the
 * entry point's options decide whether the rollback's Delete reaches the core.
 */
import { DeleteObjectsCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { useStubServers, type StubServer } from '../../test/support/stub-server';
import { cfnEvent } from '../shared/cfn-events';
import { CREATE_FAILED_MARKER } from '../shared/custom-resource';

const BUCKET = 'bellflower-integration-bucket';
const PROPERTIES = { bucket_name: BUCKET, folders_to_create: ['inbound', 'outbound'] };

const context = { functionName: 'f', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f', awsRequestId: 'r', getRemainingTimeInMillis: () => 900_000 } as Context;

describe('folders handler: a Create that fails half-way, and its rollback', () => {
  const startStubServer = useStubServers();
  let cloudFormation: StubServer;
  /** The bucket's versions (key#version); `undefined` when the bucket does not exist. */
  let versions: string[] | undefined;
  const s3 = mockClient(S3Client);

  // The adapter logs through Powertools at import: keep the test output to the test's own.
  beforeAll(() => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    s3.restore();
  });

  beforeEach(async () => {
    cloudFormation = await startStubServer(() => ({ status: 200 }));
    versions = [];
    s3.reset();
    const noSuchBucket = () => new S3ServiceException({ name: 'NoSuchBucket', $fault: 'client', $metadata: {}, message: 'The specified bucket does not exist' });
    // The first marker is written; the second PutObject fails (throttled, a network error, ...).
    s3.on(PutObjectCommand).callsFakeOnce((input: { Key: string }) => {
      if (versions === undefined) throw noSuchBucket();
      versions.push(`${input.Key}#1`);
      return {};
    }).rejects(new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'Please reduce your request rate.' }));
    s3.on(ListObjectVersionsCommand).callsFake(() => {
      if (versions === undefined) throw noSuchBucket();
      return { IsTruncated: false, Versions: versions.map((v) => ({ Key: v.split('#')[0], VersionId: v.split('#')[1] })) };
    });
    s3.on(DeleteObjectsCommand).callsFake((input: { Delete: { Objects: { Key: string; VersionId: string }[] } }) => {
      const gone = new Set(input.Delete.Objects.map((o) => `${o.Key}#${o.VersionId}`));
      versions = versions?.filter((v) => !gone.has(v));
      return {};
    });
  });

  afterEach(() => {
    s3.reset();
  });

  const withResponseUrl = (event: CloudFormationCustomResourceEvent): CloudFormationCustomResourceEvent => ({ ...event, ResponseURL: `${cloudFormation.url}/cfn-response` });
  const answers = () => cloudFormation.requests.map((r) => JSON.parse(r.body) as { Status: string; PhysicalResourceId: string });

  it('fails the Create with the create-failed id, and the rollback Delete of that id empties the bucket', async () => {
    const { handler } = await import('./index');

    await handler(withResponseUrl(cfnEvent('Create', PROPERTIES)), context);
    expect(versions).toEqual(['inbound/#1']);
    await handler(withResponseUrl(cfnEvent('Delete', PROPERTIES, { physicalId: CREATE_FAILED_MARKER })), context);

    expect(answers().map((a) => [a.Status, a.PhysicalResourceId])).toEqual([
      ['FAILED', CREATE_FAILED_MARKER],
      ['SUCCESS', CREATE_FAILED_MARKER],
    ]);
    // CloudFormation's DeleteBucket of the rollback then finds the versioned bucket empty.
    expect(versions).toEqual([]);
  });

  it('answers SUCCESS to the rollback Delete when the bucket was never created (NoSuchBucket), and again when repeated', async () => {
    const { handler } = await import('./index');
    versions = undefined;

    await handler(withResponseUrl(cfnEvent('Create', PROPERTIES)), context);
    await handler(withResponseUrl(cfnEvent('Delete', PROPERTIES, { physicalId: CREATE_FAILED_MARKER })), context);
    await handler(withResponseUrl(cfnEvent('Delete', PROPERTIES, { physicalId: CREATE_FAILED_MARKER })), context);

    expect(answers().map((a) => a.Status)).toEqual(['FAILED', 'SUCCESS', 'SUCCESS']);
    expect(s3.commandCalls(ListObjectVersionsCommand)).toHaveLength(2);
  });
});
