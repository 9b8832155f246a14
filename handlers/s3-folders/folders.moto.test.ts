import { ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bundleHandler, BUNDLE_ENTRY } from '../../scripts/lib/build/build';
import { stubEnvs } from '../../test/support/stub-envs';
import { requireTool } from '../../test/support/tools';
import { callsOutsideContract } from '../../test/support/contract-calls';
import { awsCallsIn } from '../shared/aws-calls';
import { cfnEvent } from '../shared/cfn-events';
import { useMotoBucket } from '../../test/support/moto-bucket';
import { useStubServers, type StubServer } from '../../test/support/stub-server';

const BUCKET = 'bellflower-integration-bucket';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:bellflower-s3-folders-cr';
const SIGNATURE = 'X-Amz-Signature=secretsignature';
const PROPERTIES = { bucket_name: BUCKET, folders_to_create: ['inbound', 'outbound'] };

type Handler = (event: unknown, context: Context) => Promise<void>;

/**
 * The bundled folders handler as Lambda runs it: S3 on moto, CloudFormation's response URL and the
 * Lambda API on a stub server, DEBUG logs captured to read the AWS calls it made.
 */
describe.runIf(requireTool('moto_server'))('bundled folders handler against moto', () => {
  const moto = useMotoBucket(BUCKET);
  const startStubServer = useStubServers();
  let stub: StubServer;
  let handler: Handler;
  let output: string;
  let dir: string;

  beforeEach(async () => {
    stub = await startStubServer((request) => ({ status: request.url.startsWith('/2015-03-31/functions/') ? 202 : 200 }));
    dir = await mkdtemp(join(process.cwd(), 'node_modules', '.bellflower-test-'));
    await writeFile(join(dir, BUNDLE_ENTRY), (await bundleHandler('s3Folders'))[BUNDLE_ENTRY]);
    stubEnvs({
      AWS_ENDPOINT_URL_S3: moto.moto.endpoint,
      AWS_ENDPOINT_URL_LAMBDA: stub.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    ({ handler } = (await import(pathToFileURL(join(dir, BUNDLE_ENTRY)).href)) as { handler: Handler });
    output = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output += chunk.toString();
      return true;
    });
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  function event(requestType: 'Create' | 'Delete'): CloudFormationCustomResourceEvent {
    const base = cfnEvent(requestType, PROPERTIES, { physicalId: `${BUCKET}-folders` });
    return { ...base, ResponseURL: `${stub.url}/cfn-response?${SIGNATURE}` };
  }

  /** A context whose time left drops to 40 s after `calls` reads. */
  function context(calls = Number.POSITIVE_INFINITY): Context {
    let reads = 0;
    return {
      functionName: 'bellflower-s3-folders-cr',
      invokedFunctionArn: FUNCTION_ARN,
      awsRequestId: 'r',
      getRemainingTimeInMillis: () => (++reads <= calls ? 900_000 : 40_000),
    } as Context;
  }

  const answers = () => stub.requests.filter((r) => r.url.startsWith('/cfn-response')).map((r) => JSON.parse(r.body));

  it('creates the folders, then empties the bucket over two invocations, the last one answering', async () => {
    await moto.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    await handler(event('Create'), context());
    await moto.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'outbound/x/task.json', Body: '{}' }));

    // Time runs low after the first listing: the Delete hands over to a new invocation.
    await handler(event('Delete'), context(3));
    const invoke = stub.requests.find((r) => r.url.startsWith('/2015-03-31/functions/'));
    expect(decodeURIComponent(invoke?.url ?? '')).toContain(`/functions/${FUNCTION_ARN}/invocations`);
    expect(invoke?.headers['x-amz-invocation-type']).toBe('Event');
    const continued = JSON.parse(invoke?.body ?? '{}') as Record<string, unknown>;
    expect(continued).toMatchObject({ RequestType: 'Delete', BellflowerContinuation: 1 });
    expect(answers().map((a) => a.Status)).toEqual(['SUCCESS']);

    await handler(continued, context());

    expect(answers().map((a) => [a.Status, a.PhysicalResourceId])).toEqual([
      ['SUCCESS', `${BUCKET}-folders`],
      ['SUCCESS', `${BUCKET}-folders`],
    ]);
    const left = await moto.s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    expect([...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])]).toEqual([]);
    expect(awsCallsIn(output)).toEqual([
      'S3.PutObject',
      'S3.PutObject',
      'S3.ListObjectVersions',
      'Lambda.Invoke',
      'S3.ListObjectVersions',
      'S3.DeleteObjects',
      'S3.ListObjectVersions',
    ]);
    // Every call the bundled handler made has a permission in the IAM contract.
    expect(callsOutsideContract('folders', awsCallsIn(output))).toEqual([]);
    expect(output).not.toContain(SIGNATURE);
    expect(output).not.toContain('cfn-response');
  });
});
