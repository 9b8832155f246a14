import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, onTestFinished } from 'vitest';
import { AWS_CALL_KEY } from './aws-calls';
import { cfnEvent } from './cfn-events';
import { continuationEvent } from './custom-resource';
import { ContinuationError, continueInNewInvocation, customResourceS3Client } from './custom-resource-clients';
import { AccessDeniedError } from './iam-propagation';
import { RecordingLogger } from '../../test/support/recording-logger';
import { EMPTY_VERSION_LISTING, s3ErrorXml, stubClientConfig, type StubServer, useStubServers } from '../../test/support/stub-server';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:bellflower-s3-folders-cr';

const startStubServer = useStubServers();
let server: StubServer;

describe('customResourceS3Client', () => {
  it('retries AccessDenied while IAM propagates and logs the call once', async () => {
    server = await startStubServer((_request, index) =>
      index === 0 ? { status: 403, body: s3ErrorXml('AccessDenied') } : { body: EMPTY_VERSION_LISTING },
    );
    const logger = new RecordingLogger();
    const s3 = customResourceS3Client(logger, stubClientConfig(server.url), { baseDelayMs: 1 });

    await s3.send(new ListObjectVersionsCommand({ Bucket: 'integration-bucket' }));

    expect(server.requests).toHaveLength(2);
    expect(logger.lines.map((line) => line[AWS_CALL_KEY])).toEqual(['S3.ListObjectVersions']);
  });

  it('rejects with AccessDeniedError when the permission never takes effect', async () => {
    server = await startStubServer(() => ({ status: 403, body: s3ErrorXml('AccessDenied') }));
    const s3 = customResourceS3Client(new RecordingLogger(), stubClientConfig(server.url), { maxAttempts: 2, baseDelayMs: 1 });

    await expect(s3.send(new ListObjectVersionsCommand({ Bucket: 'integration-bucket' }))).rejects.toThrow(AccessDeniedError);
    expect(server.requests).toHaveLength(2);
  });
});

describe('continueInNewInvocation', () => {
  const event = continuationEvent(cfnEvent('Delete', { bucket_name: 'b' }), 1);

  it('invokes the function asynchronously with the event as payload', async () => {
    const lambda = new LambdaClient({ region: 'us-east-1' });
    const mock = mockClient(lambda);
    onTestFinished(() => mock.restore());
    mock.on(InvokeCommand).resolves({ StatusCode: 202 });

    await continueInNewInvocation(lambda, FUNCTION_ARN, event);

    const input = mock.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ FunctionName: FUNCTION_ARN, InvocationType: 'Event' });
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual(event);
  });

  it('rejects with ContinuationError when Lambda does not queue the invocation', async () => {
    const lambda = new LambdaClient({ region: 'us-east-1' });
    const mock = mockClient(lambda);
    onTestFinished(() => mock.restore());
    mock.on(InvokeCommand).resolvesOnce({ StatusCode: 200 }).rejectsOnce(new Error('TooManyRequestsException'));

    await expect(continueInNewInvocation(lambda, FUNCTION_ARN, event)).rejects.toThrow(ContinuationError);
    await expect(continueInNewInvocation(lambda, FUNCTION_ARN, event)).rejects.toMatchObject({
      name: 'ContinuationError',
      cause: { message: 'TooManyRequestsException' },
    });
  });
});
