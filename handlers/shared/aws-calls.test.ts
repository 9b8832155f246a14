import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { AWS_CALL_KEY, awsCallOf, awsCallsIn, recordAwsCalls } from './aws-calls';
import { RecordingLogger } from '../../test/support/recording-logger';
import { EMPTY_VERSION_LISTING, stubClientConfig, type StubServer, useStubServers } from '../../test/support/stub-server';

const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAXsecret-task-token';

const startStubServer = useStubServers();
let server: StubServer;

describe('recordAwsCalls', () => {
  it('logs one DEBUG line per command with <Service>.<Operation> and none of the parameters', async () => {
    server = await startStubServer((request) => (request.method === 'GET' ? { body: EMPTY_VERSION_LISTING } : { headers: { ETag: '"e"' } }));
    const logger = new RecordingLogger();
    const s3 = recordAwsCalls(new S3Client(stubClientConfig(server.url)), logger);

    await s3.send(new ListObjectVersionsCommand({ Bucket: 'bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'bucket', Key: `outbound/${TOKEN}/task.json`, Body: TOKEN }));

    expect(logger.lines.map((line) => [line.level, line[AWS_CALL_KEY]])).toEqual([
      ['DEBUG', 'S3.ListObjectVersions'],
      ['DEBUG', 'S3.PutObject'],
    ]);
    expect(server.requests).toHaveLength(2);
    expect(logger.text()).not.toContain(TOKEN);
    expect(logger.text()).not.toContain('bucket');
  });

  it('logs a command once however often the SDK retries it, and also when it fails', async () => {
    server = await startStubServer(() => ({ status: 503 }));
    const logger = new RecordingLogger();
    const s3 = recordAwsCalls(new S3Client({ ...stubClientConfig(server.url), maxAttempts: 2, retryMode: 'standard' }), logger);

    await expect(s3.send(new ListObjectVersionsCommand({ Bucket: 'bucket' }))).rejects.toThrow();

    expect(server.requests).toHaveLength(2);
    expect(logger.lines.map((line) => line[AWS_CALL_KEY])).toEqual(['S3.ListObjectVersions']);
  });

  it('names the service by the client, e.g. Lambda.Invoke, and replaces itself when added twice', async () => {
    server = await startStubServer(() => ({ status: 202 }));
    const logger = new RecordingLogger();
    const lambda = recordAwsCalls(recordAwsCalls(new LambdaClient(stubClientConfig(server.url)), logger), logger);

    await lambda.send(new InvokeCommand({ FunctionName: 'f', InvocationType: 'Event', Payload: new Uint8Array(0) }));

    expect(logger.lines.map((line) => line[AWS_CALL_KEY])).toEqual(['Lambda.Invoke']);
  });
});

describe('awsCallsIn', () => {
  it('reads the calls of JSON log lines in order, also after a runtime prefix, and skips other lines', () => {
    const output = [
      'START RequestId: 1 Version: $LATEST',
      JSON.stringify({ level: 'DEBUG', message: 'aws call', [AWS_CALL_KEY]: 'S3.ListObjectVersions' }),
      JSON.stringify({ level: 'INFO', message: 'bucket emptied', deleted: 3 }),
      `2026-01-01T00:00:00.000Z\t1\tDEBUG\t${JSON.stringify({ [AWS_CALL_KEY]: 'S3.DeleteObjects' })}`,
      '{ not json',
      JSON.stringify({ [AWS_CALL_KEY]: 42 }),
      '',
    ].join('\r\n');

    expect(awsCallsIn(output)).toEqual(['S3.ListObjectVersions', 'S3.DeleteObjects']);
  });

  it('reads a parsed log item, and nothing from other values', () => {
    expect(awsCallOf({ [AWS_CALL_KEY]: 'Lambda.Invoke' })).toBe('Lambda.Invoke');
    expect(awsCallOf({ message: 'x' })).toBeUndefined();
    expect(awsCallOf(null)).toBeUndefined();
    expect(awsCallOf('plain text')).toBeUndefined();
  });
});
