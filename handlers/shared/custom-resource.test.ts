import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CREATE_FAILED_MARKER,
  CustomResourceResponseError,
  customResourceHandler,
  type CustomResourceCore,
} from './custom-resource';
import { RecordingLogger } from './recording-logger';

interface Received {
  readonly method: string;
  readonly contentType: string | undefined;
  readonly body: Record<string, unknown>;
}

/** A stand-in for CloudFormation's pre-signed S3 URL on 127.0.0.1; answers from `statuses` first. */
let server: Server;
let baseUrl: string;
let received: Received[];
let statuses: number[];

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        contentType: request.headers['content-type'],
        body: JSON.parse(text) as Record<string, unknown>,
      });
      response.statusCode = statuses.shift() ?? 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  statuses = [];
});

const SIGNATURE = 'X-Amz-Signature=secretsignature';

function event(requestType: 'Create' | 'Update' | 'Delete', physicalId = 'physical-1'): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:f',
    ResponseURL: `${baseUrl}/cfn-response/stack?${SIGNATURE}`,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1',
    RequestId: 'request-1',
    LogicalResourceId: 'Folders',
    ResourceType: 'Custom::Folders',
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:f' },
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update') {
    return { ...common, RequestType: 'Update', PhysicalResourceId: physicalId, OldResourceProperties: common.ResourceProperties };
  }
  return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalId };
}

function context(remainingMs = 60_000): Context {
  return {
    functionName: 'f',
    awsRequestId: 'lambda-request',
    getRemainingTimeInMillis: () => remainingMs,
  } as Context;
}

function handlerFor(core: CustomResourceCore, logger = new RecordingLogger()) {
  return customResourceHandler(core, { logger, retryDelayMs: 1 });
}

describe('customResourceHandler', () => {
  it('answers SUCCESS with the physical ID and data of a Create by PUT with an empty content type', async () => {
    await handlerFor(async () => ({ physicalResourceId: 'bucket-folders', data: { Count: '2' } }))(
      event('Create'),
      context(),
    );

    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'PUT', contentType: '' });
    expect(received[0]?.body).toEqual({
      Status: 'SUCCESS',
      Reason: 'see the function log',
      PhysicalResourceId: 'bucket-folders',
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1',
      RequestId: 'request-1',
      LogicalResourceId: 'Folders',
      Data: { Count: '2' },
    });
  });

  it('keeps the physical ID on Update and Delete whatever the core returns', async () => {
    const handler = handlerFor(async () => ({ physicalResourceId: 'something-else' }));
    await handler(event('Update', 'physical-1'), context());
    await handler(event('Delete', 'physical-1'), context());

    expect(received.map((r) => r.body.PhysicalResourceId)).toEqual(['physical-1', 'physical-1']);
  });

  it('fails with FAILED and the error as reason when the core throws, without the response URL in logs', async () => {
    const logger = new RecordingLogger();
    const core: CustomResourceCore = async (e) => {
      throw new TypeError(`bucket missing (${e.ResponseURL})`);
    };

    await handlerFor(core, logger)(event('Update'), context());

    expect(received[0]?.body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'physical-1' });
    expect(received[0]?.body.Reason).toBe('TypeError: bucket missing (<response-url>)');
    expect(logger.text()).not.toContain('cfn-response');
    expect(logger.text()).not.toContain(SIGNATURE);
  });

  it('fails a Create with the create-failed marker, and the following Delete succeeds without the core', async () => {
    let coreCalls = 0;
    const handler = handlerFor(async () => {
      coreCalls += 1;
      throw new Error('invalid properties');
    });

    await handler(event('Create'), context());
    await handler(event('Delete', CREATE_FAILED_MARKER), context());

    expect(coreCalls).toBe(1);
    expect(received.map((r) => [r.body.Status, r.body.PhysicalResourceId])).toEqual([
      ['FAILED', CREATE_FAILED_MARKER],
      ['SUCCESS', CREATE_FAILED_MARKER],
    ]);
  });

  it('fails with FAILED before the function times out when the core hangs', async () => {
    const handler = customResourceHandler(() => new Promise(() => undefined), {
      logger: new RecordingLogger(),
      reserveMs: 150,
    });

    await handler(event('Create'), context(200));

    expect(received[0]?.body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: CREATE_FAILED_MARKER });
    expect(received[0]?.body.Reason).toMatch(/did not finish 150 ms before the function timeout/);
  });

  it('retries the response PUT until it is accepted', async () => {
    statuses = [500, 503];
    const logger = new RecordingLogger();

    await handlerFor(async () => ({ physicalResourceId: 'p' }), logger)(event('Create'), context());

    expect(received.map((r) => r.body.Status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(logger.at('WARN').map((l) => l.attempt)).toEqual([1, 2]);
    expect(logger.text()).not.toContain(SIGNATURE);
  });

  it('rejects with CustomResourceResponseError when every PUT fails', async () => {
    statuses = [500, 500, 500, 500, 500];

    await expect(handlerFor(async () => ({ physicalResourceId: 'p' }))(event('Create'), context())).rejects.toThrow(
      CustomResourceResponseError,
    );
    expect(received).toHaveLength(5);
  });
});
