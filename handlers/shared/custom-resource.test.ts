import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CONTINUATION_KEY,
  CREATE_FAILED_MARKER,
  CustomResourceResponseError,
  continuationEvent,
  customResourceHandler,
  type CustomResourceCore,
  type CustomResourceInvocation,
} from './custom-resource';
import { RecordingLogger } from '../../test/support/recording-logger';
import { startStubServer, type StubAnswer, type StubServer } from '../../test/support/stub-server';

/** A stand-in for CloudFormation's pre-signed S3 URL on 127.0.0.1; answers from `answers` first. */
let server: StubServer;
let baseUrl: string;
let answers: StubAnswer[];

beforeAll(async () => {
  server = await startStubServer(() => answers.shift() ?? {});
  baseUrl = server.url;
});

afterAll(async () => {
  await server.stop();
});

beforeEach(() => {
  server.requests.length = 0;
  answers = [];
});

/** The answers CloudFormation received. */
function received() {
  return server.requests.map((r) => ({
    method: r.method,
    contentType: r.headers['content-type'],
    body: JSON.parse(r.body) as Record<string, unknown>,
  }));
}

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
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
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

    expect(received()).toHaveLength(1);
    expect(received()[0]).toMatchObject({ method: 'PUT', contentType: '' });
    expect(received()[0]?.body).toEqual({
      Status: 'SUCCESS',
      Reason: 'see the function log',
      PhysicalResourceId: 'bucket-folders',
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1',
      RequestId: 'request-1',
      LogicalResourceId: 'Folders',
      Data: { Count: '2' },
    });
  });

  it('answers the physical ID the core returns on Update, so that a new ID replaces the resource', async () => {
    await handlerFor(async () => ({ physicalResourceId: 'renamed-bucket-folders' }))(event('Update', 'physical-1'), context());

    expect(received().map((r) => [r.body.Status, r.body.PhysicalResourceId])).toEqual([['SUCCESS', 'renamed-bucket-folders']]);
  });

  it('keeps the current physical ID on Delete whatever the core returns', async () => {
    await handlerFor(async () => ({ physicalResourceId: 'something-else' }))(event('Delete', 'physical-1'), context());

    expect(received().map((r) => r.body.PhysicalResourceId)).toEqual(['physical-1']);
  });

  it('fails an Update with the current physical ID', async () => {
    await handlerFor(async () => {
      throw new Error('no');
    })(event('Update', 'physical-1'), context());

    expect(received().map((r) => [r.body.Status, r.body.PhysicalResourceId])).toEqual([['FAILED', 'physical-1']]);
  });

  it('tells the core the time left before its deadline, the context and the continuation number', async () => {
    const seen: CustomResourceInvocation[] = [];
    const handler = customResourceHandler(
      async (_event, invocation) => {
        seen.push(invocation);
        return { physicalResourceId: 'p' };
      },
      { logger: new RecordingLogger(), reserveMs: 5_000 },
    );

    await handler(event('Delete'), context(60_000));
    await handler(continuationEvent(event('Delete'), 2), context(60_000));

    expect(seen.map((i) => [i.remainingMs(), i.continuation, i.context.invokedFunctionArn])).toEqual([
      [55_000, 0, 'arn:aws:lambda:us-east-1:123456789012:function:f'],
      [55_000, 2, 'arn:aws:lambda:us-east-1:123456789012:function:f'],
    ]);
  });

  it('does not answer when the core continued in a new invocation, which answers instead', async () => {
    const logger = new RecordingLogger();

    await handlerFor(async () => ({ continuedAs: 1 }), logger)(event('Delete'), context());

    expect(received()).toEqual([]);
    expect(logger.at('INFO').at(-1)).toMatchObject({ continued_as: 1 });
  });

  it('fails with FAILED, without running the core, when the continuation number is malformed', async () => {
    let coreCalls = 0;
    const malformed: CloudFormationCustomResourceEvent = Object.assign(event('Delete'), { [CONTINUATION_KEY]: 'one' });

    await handlerFor(async () => {
      coreCalls += 1;
      return { physicalResourceId: 'p' };
    })(malformed, context());

    expect(coreCalls).toBe(0);
    expect(received()[0]?.body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'physical-1' });
    expect(received()[0]?.body.Reason).toMatch(/^InvalidContinuationError: BellflowerContinuation must be a positive integer/);
  });

  it('fails with FAILED and the error as reason when the core throws, without the response URL in logs', async () => {
    const logger = new RecordingLogger();
    const core: CustomResourceCore = async (e) => {
      throw new TypeError(`bucket missing (${e.ResponseURL})`);
    };

    await handlerFor(core, logger)(event('Update'), context());

    expect(received()[0]?.body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'physical-1' });
    expect(received()[0]?.body.Reason).toBe('TypeError: bucket missing (<response-url>)');
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
    expect(received().map((r) => [r.body.Status, r.body.PhysicalResourceId])).toEqual([
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

    expect(received()[0]?.body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: CREATE_FAILED_MARKER });
    expect(received()[0]?.body.Reason).toMatch(/did not finish 150 ms before the function timeout/);
  });

  it('retries the response PUT until it is accepted', async () => {
    answers = [{ status: 500 }, { status: 503 }];
    const logger = new RecordingLogger();

    await handlerFor(async () => ({ physicalResourceId: 'p' }), logger)(event('Create'), context());

    expect(received().map((r) => r.body.Status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(logger.at('WARN').map((l) => l.attempt)).toEqual([1, 2]);
    expect(logger.text()).not.toContain(SIGNATURE);
  });

  it('abandons a response PUT that hangs after the attempt timeout and retries it', async () => {
    answers = [{ hang: true }];
    const logger = new RecordingLogger();
    const handler = customResourceHandler(async () => ({ physicalResourceId: 'p' }), {
      logger,
      retryDelayMs: 1,
      attemptTimeoutMs: 200,
    });

    await handler(event('Create'), context());

    expect(received().map((r) => r.body.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(logger.at('WARN')).toMatchObject([{ attempt: 1, error: { name: 'TimeoutError' } }]);
    expect(logger.text()).not.toContain(SIGNATURE);
  });

  it('rejects with CustomResourceResponseError when every PUT fails', async () => {
    answers = Array.from({ length: 5 }, () => ({ status: 500 }));

    await expect(handlerFor(async () => ({ physicalResourceId: 'p' }))(event('Create'), context())).rejects.toThrow(
      CustomResourceResponseError,
    );
    expect(received()).toHaveLength(5);
  });
});
