/**
 * Wiring of the local engine with tiny stand-in handlers (no build needed): the emulated AWS
 * pieces, the definition changes, and the external-endpoint mode against moto's S3.
 */
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildStateMachine, STATES } from '../../../asl/state-machine';
import { freePort } from '../../../test/support/moto';
import { startCallbackServer, tokenPreview, type CallbackServer } from './callback-server';
import { localDefinition, startLocalEngine, LocalEngineError, type LocalEngine } from './engine';
import { PAYLOAD_LIMIT_BYTES } from './limits';
import { LOCAL_CREDENTIALS } from './s3-backend';
import { encodeEventKey, matchesFilter, s3Event } from './s3-events';
import { standInHandlers } from './stand-ins';
import { brief, formatTimeline, redact, type TimelineEntry } from './timeline';

const resources = {
  processing: { name: 'p', arn: 'arn:aws:lambda:us-east-1:000000000000:function:p' },
  integration: { name: 'i', arn: 'arn:aws:lambda:us-east-1:000000000000:function:i' },
  queueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/q',
  queueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
  topicArn: 'arn:aws:sns:us-east-1:000000000000:t',
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:sm',
};

describe('localDefinition', () => {
  it('binds every placeholder, scales retry intervals and replaces the callback timeout', () => {
    const local = localDefinition(buildStateMachine(), resources, { delayScale: 0.1, callbackTimeoutSeconds: 2 }) as {
      States: Record<string, { Parameters?: Record<string, unknown>; Retry?: { IntervalSeconds: number }[]; TimeoutSeconds?: number }>;
    };

    expect(JSON.stringify(local)).not.toContain('${');
    expect(local.States[STATES.processing]!.Parameters!.FunctionName).toBe(resources.processing.arn);
    expect(local.States[STATES.processing]!.Retry![0]!.IntervalSeconds).toBeCloseTo(0.5);
    expect(local.States[STATES.waitForResponse]!.TimeoutSeconds).toBe(2);
    // Tasks without a timeout get one that a Node.js timer can hold, instead of the interpreter's 60 s.
    expect(local.States[STATES.processing]!.TimeoutSeconds).toBe(2_000_000);
  });

  it('rejects a definition with a placeholder it cannot bind', () => {
    const definition = { StartAt: 'A', States: { A: { Type: 'Pass', Result: '${Unknown}', End: true } } };
    expect(() => localDefinition(definition, resources, { delayScale: 1 })).toThrow(LocalEngineError);
  });
});

describe('S3 notification records', () => {
  it('encodes keys as S3 does and applies the inbound filter', () => {
    expect(encodeEventKey('inbound/a b+c/success.json')).toBe('inbound/a+b%2Bc/success.json');
    expect(s3Event({ bucket: 'b', key: 'inbound/x y/success.json', size: 2 }, 'eu-west-1').Records[0]).toMatchObject({
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: 'b', arn: 'arn:aws:s3:::b' }, object: { key: 'inbound/x+y/success.json', size: 2 } },
    });
    expect(matchesFilter('inbound/id/success.json')).toBe(true);
    expect(matchesFilter('inbound/id/success.txt')).toBe(false);
    expect(matchesFilter('outbound/id/data.json')).toBe(false);
  });
});

describe('timeline', () => {
  it('never shows a task token in full', () => {
    const token = `AQ${'x'.repeat(300)}`;
    expect(redact({ TaskToken: token, nested: [`token ${token} here`] })).toEqual({
      TaskToken: 'AQxxxxxx...',
      nested: ['token AQxxxxxx... here'],
    });
    expect(brief({ body: token })).not.toContain(token);
    const entries: TimelineEntry[] = [
      { at: 1000, kind: 'execution-started', input: {} },
      { at: 1000, kind: 'state-entered', state: 'S' },
      { at: 1500, kind: 'state-exited', state: 'S', durationMs: 500 },
      { at: 1600, kind: 'execution-ended', status: 'FAILED', durationMs: 600, error: 'E', cause: '{"errorMessage":"boom"}' },
    ];
    expect(formatTimeline(entries).split('\n')).toEqual([
      '   +0.000s  execution started, input {}',
      '   +0.000s  -> S',
      '   +0.500s  <- S (0.500 s)',
      '   +0.600s  == FAILED in 0.600 s: E (boom)',
    ]);
  });
});

describe('Step Functions callback endpoint', () => {
  let server: CallbackServer;
  let sfn: SFNClient;
  beforeEach(async () => {
    server = await startCallbackServer();
    sfn = new SFNClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  });
  afterEach(async () => {
    sfn.destroy();
    await server.stop();
  });

  it('resolves the waiting task once, and answers later calls as AWS does', async () => {
    const token = server.issueToken();
    const outcome = server.waitFor(token);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"ok":true}' }));
    expect(await outcome).toEqual({ kind: 'success', output: { ok: true } });

    const again = sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    await expect(again).rejects.toMatchObject({ name: 'TaskTimedOut' });
    const unknown = sfn.send(new SendTaskSuccessCommand({ taskToken: server.issueToken(), output: '{}' }));
    await expect(unknown).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    const malformed = sfn.send(new SendTaskSuccessCommand({ taskToken: 'nope', output: '{}' }));
    await expect(malformed).rejects.toMatchObject({ name: 'InvalidToken' });
    expect(tokenPreview(token)).toBe(`${token.slice(0, 8)}...`);
  });

  it('rejects an output over 256 KiB with InvalidOutput', async () => {
    const token = server.issueToken();
    void server.waitFor(token);
    const output = JSON.stringify({ blob: 'x'.repeat(PAYLOAD_LIMIT_BYTES) });
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output }))).rejects.toMatchObject({ name: 'InvalidOutput' });
  });

  it('rejects an answer after the task expired', async () => {
    const token = server.issueToken();
    void server.waitFor(token);
    server.expire(token);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });
});

describe('local engine with stand-in handlers (embedded S3)', () => {
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await startLocalEngine({ definition: buildStateMachine(), loadHandlers: async () => standInHandlers(), delayScale: 0 });
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('runs executions concurrently, each answered through its own folder', async () => {
    const reports = await Promise.all([1, 2, 3].map((n) => engine.run({ input: { n } })));
    expect(reports.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(new Set(reports.map((r) => r.executionId)).size).toBe(3);
  });

  it('rejects a second execution with the same name', async () => {
    await engine.run({ name: 'same' });
    expect(() => engine.start({ name: 'same' })).toThrow(LocalEngineError);
  });

  it('fails the run when the SQS delivery keeps failing, after the redeliveries', async () => {
    const failing = await startLocalEngine({
      definition: buildStateMachine({ callbackTimeoutSeconds: 1 }),
      loadHandlers: async () => ({
        ...standInHandlers(),
        integration: async () => {
          throw new Error('queue consumer down');
        },
      }),
      delayScale: 0,
      maxReceiveCount: 2,
    });
    try {
      const report = await failing.run({});
      expect(report).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
      expect(report.timeline.filter((e) => e.kind === 'handler-failed')).toHaveLength(2);
      expect(report.timeline.some((e) => e.kind === 'note' && e.text.includes('dead-letter queue'))).toBe(true);
    } finally {
      await failing.stop();
    }
  });
});

describe('AWS payload quotas in the local engine (stand-in handlers)', () => {
  let engine: LocalEngine;
  beforeAll(async () => {
    const definition = buildStateMachine() as { States: Record<string, Record<string, unknown>> };
    // As the definition will keep the answer: the answer then counts in the state's output.
    definition.States[STATES.waitForResponse]!.ResultPath = '$.response';
    engine = await startLocalEngine({ definition, loadHandlers: async () => standInHandlers(), delayScale: 0 });
  });
  afterAll(async () => {
    await engine?.stop();
  });

  const padded = (bytes: number): { blob: string } => ({ blob: 'x'.repeat(bytes - JSON.stringify({ blob: '' }).length) });

  it('rejects an execution input over 256 KiB as StartExecution does', () => {
    expect(() => engine.start({ input: padded(PAYLOAD_LIMIT_BYTES + 1) })).toThrow(
      expect.objectContaining({ name: 'InvalidExecutionInput' }),
    );
  });

  it('fails with the terminal States.DataLimitExceeded when a state input after Parameters is too large: no retry, no catch', async () => {
    // Accepted at the start and by the processing step; the message body (input + task token) is over.
    const report = await engine.run({ input: padded(PAYLOAD_LIMIT_BYTES - 200) });

    expect(report).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(report.cause).toContain(`the input of the state/task '${STATES.waitForResponse}' (after Parameters)`);
    expect(report.timeline.filter((e) => e.kind === 'state-retried')).toHaveLength(0);
    expect(report.timeline.filter((e) => e.kind === 'notification')).toHaveLength(0);
  });

  it('fails with States.DataLimitExceeded when a state output (input plus answer) is too large', async () => {
    const running = engine.start({ input: padded(150_000), answer: 'none' });
    const id = await running.outboundReady;
    await engine.putObject(`inbound/${id}/success.json`, JSON.stringify(padded(150_000)));
    const report = await running.done;

    expect(report).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(report.timeline.filter((e) => e.kind === 'state-failed')).toMatchObject([{ state: STATES.waitForResponse }]);
    expect(report.timeline.some((e) => e.kind === 'state-entered' && e.state === STATES.publishSuccess)).toBe(false);
  });

  it('runs a null input as null (StartExecution accepts any JSON), not as {}', async () => {
    const report = await engine.run({ input: null });

    expect(report.timeline[0]).toMatchObject({ kind: 'execution-started', input: null });
  });

  it('stops once however often stop is called', async () => {
    const other = await startLocalEngine({ definition: buildStateMachine(), loadHandlers: async () => standInHandlers(), delayScale: 0 });
    const running = other.start({ answer: 'none' });
    await running.outboundReady;

    await Promise.all([other.stop(), other.stop()]);
    await other.stop();

    expect((await running.done).status).toBe('ABORTED');
  });
});

describe('local engine against an external S3 endpoint that goes away', () => {
  const bucket = 'bellflower-integration-bucket-local-us-east-1';
  let directory: string;
  let port: number;
  const startServer = async (): Promise<S3rver> => {
    const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
    await server.run();
    return server;
  };
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'bellflower-dying-s3-'));
    port = await freePort();
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('fails the run cleanly when the endpoint goes away: one line when it goes, one when it returns, then a give-up', async () => {
    let server = await startServer();
    const notes: string[] = [];
    const noted = (text: string): Promise<void> =>
      vi.waitFor(() => expect(notes.filter((n) => n.includes(text)).length).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
    const engine = await startLocalEngine({
      definition: buildStateMachine(),
      loadHandlers: async () => standInHandlers(),
      endpoint: `http://127.0.0.1:${port}`,
      endpointGiveUpMs: 1500,
      delayScale: 0,
      onEntry: (entry) => {
        if (entry.kind === 'note') notes.push(entry.text);
      },
    });
    try {
      const running = engine.start({ answer: 'none' });
      await running.outboundReady;

      await server.close();
      await noted('stopped answering');
      server = await startServer();
      await noted('answers again');
      await server.close();
      const report = await running.done;

      expect(report).toMatchObject({ status: 'ABORTED', error: 'Local.S3EndpointUnavailable' });
      expect(report.cause).toMatch(/did not answer for \d+\.\d+ s .*gave up/);
      // One line per change of state, not one per failed listing.
      expect(notes.map((n) => n.replace(/ \(.*$/, ''))).toEqual([
        `the S3 endpoint http://127.0.0.1:${port} stopped answering`,
        `the S3 endpoint http://127.0.0.1:${port} answers again`,
        `the S3 endpoint http://127.0.0.1:${port} stopped answering`,
        `the S3 endpoint http://127.0.0.1:${port} did not answer for ${report.cause!.replace(/^.*did not answer for ([\d.]+ s).*$/, '$1')}`,
      ]);
    } finally {
      await engine.stop();
      await server.close().catch(() => undefined);
    }
  });
});
