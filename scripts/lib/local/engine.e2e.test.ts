/**
 * End to end through the local engine of `npm run local`, with the real handler bundles built by
 * `buildHandlers()` into a temporary folder, the real AWS SDK, the embedded S3 server, and every
 * artificial delay at 0.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { STATES } from '../../../asl/state-machine';
import { buildHandlers } from '../build/build';
import { loadWorkflowBundles } from './bundles';
import { startLocalEngine, type ExecutionReport, type LocalEngine } from './engine';
import { loadLocalDefinition } from './artifacts';
import type { TimelineEntry } from './timeline';

let outDir: string;
let definition: Record<string, unknown>;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'bellflower-local-e2e-'));
  await buildHandlers({ outDir });
  definition = await loadLocalDefinition({ distDir: outDir, synthesize: true });
});

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

const kinds = (report: ExecutionReport, kind: TimelineEntry['kind']): TimelineEntry[] =>
  report.timeline.filter((e) => e.kind === kind);

async function read(engine: LocalEngine, key: string): Promise<string> {
  const response = await engine.s3.send(new GetObjectCommand({ Bucket: engine.bucket, Key: key }));
  return response.Body!.transformToString();
}

/** Stderr lines written while `body` runs (the handlers log warnings and errors there). */
async function captureStderr(body: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await body();
  } finally {
    spy.mockRestore();
  }
  return lines.join('');
}

describe('local engine with the real bundles', () => {
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await startLocalEngine({ definition, loadHandlers: () => loadWorkflowBundles(outDir), delayScale: 0 });
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('runs a successful execution: outbound files, success.json, success notification', async () => {
    const report = await engine.run({ input: { order: 42 } });

    expect(report.status).toBe('SUCCEEDED');
    expect(report.executionId).toMatch(/^[0-9a-f-]{36}$/);
    const id = report.executionId!;
    const token = await read(engine, `outbound/${id}/task_token.txt`);
    expect(JSON.parse(await read(engine, `outbound/${id}/data.json`))).toEqual({ info: expect.any(Array) });
    expect(JSON.parse(await read(engine, `inbound/${id}/success.json`))).toMatchObject({ status: 'Response Received' });
    expect(kinds(report, 'file-written').map((e) => (e as { key: string }).key)).toEqual([
      `outbound/${id}/task_token.txt`,
      `outbound/${id}/data.json`,
      `inbound/${id}/success.json`,
    ]);
    expect(kinds(report, 'callback')).toMatchObject([{ action: 'SendTaskSuccess', rejectedWith: undefined }]);
    const [notification] = kinds(report, 'notification') as Extract<TimelineEntry, { kind: 'notification' }>[];
    expect(notification?.subject).toBe('Bellflower execution succeeded');
    // A summary: the execution and where the answer is, not the state.
    expect(JSON.parse(notification!.message)).toEqual({
      ExecutionId: report.executionArn,
      execution_id: id,
      answer: `inbound/${id}/success.json`,
    });
    expect(report.output).toMatchObject({ order: 42, execution_id: id, response: { status: 'Response Received' }, notification: { MessageId: expect.any(String) } });
    // The state order of the original, each entered then left.
    expect(kinds(report, 'state-entered').map((e) => (e as { state: string }).state)).toEqual([
      STATES.processing,
      STATES.waitForResponse,
      STATES.publishSuccess,
      STATES.success,
    ]);
    // The token never appears in full in the report.
    expect(JSON.stringify(report)).not.toContain(token);
  });

  it('fails processing three times, then publishes the failure notification', async () => {
    const report = await engine.run({ input: { simulateFailure: true } });

    expect(report.status).toBe('FAILED');
    expect(kinds(report, 'state-failed')).toHaveLength(3);
    expect(kinds(report, 'state-retried').map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2]);
    const [notification] = kinds(report, 'notification') as Extract<TimelineEntry, { kind: 'notification' }>[];
    expect(notification?.subject).toBe('Bellflower execution failed');
    expect(JSON.parse(notification!.message)).toMatchObject({ ExecutionId: report.executionArn, Error: report.error });
    expect(kinds(report, 'message-sent')).toHaveLength(0);
  });

  it('reports a business failure (failure.json) as a failed execution', async () => {
    const report = await engine.run({ answer: 'failure', failure: { error: 'OrderRejected', cause: 'out of stock' } });

    expect(report).toMatchObject({ status: 'FAILED', error: 'OrderRejected', cause: 'out of stock' });
    expect(kinds(report, 'callback')).toMatchObject([{ action: 'SendTaskFailure' }]);
    const [notification] = kinds(report, 'notification') as Extract<TimelineEntry, { kind: 'notification' }>[];
    expect(JSON.parse(notification!.message)).toMatchObject({ Error: 'OrderRejected', Cause: 'out of stock' });
  });

  it('keeps waiting through bad inbound files, logs them, then completes on a good answer', async () => {
    const running = engine.start({ answer: 'none' });
    const id = await running.outboundReady;
    const stranger = randomUUID();

    const logs = await captureStderr(async () => {
      await engine.putObject(`inbound/${id}/success.json`, '{ not json');
      await engine.putObject(`inbound/${stranger}/success.json`, '{}');
      await engine.putObject(`inbound/${id}/other.json`, '{}');
      await engine.putObject('inbound/not-a-uuid/success.json', '{}');
      await engine.putObject(`inbound/${id}/success.txt`, '{}');
      await engine.settle();
    });

    const still = await Promise.race([running.done.then(() => 'ended'), new Promise((r) => setTimeout(() => r('waiting'), 50))]);
    expect(still).toBe('waiting');
    expect(logs).toContain('is not valid JSON');
    expect(logs).toContain(`unknown execution: outbound/${stranger}/task_token.txt`);
    expect(logs).toContain(`inbound/${id}/other.json`);
    expect(logs).toContain('inbound/not-a-uuid/success.json\\" is not a UUID');
    expect(engine.unattributed.map((e) => (e as { key?: string }).key)).toEqual(
      expect.arrayContaining([`inbound/${stranger}/success.json`, 'inbound/not-a-uuid/success.json']),
    );

    await engine.putObject(`inbound/${id}/success.json`, '');
    const report = await running.done;
    expect(report.status).toBe('SUCCEEDED');
    const notifications = kinds(report, 's3-notification') as Extract<TimelineEntry, { kind: 's3-notification' }>[];
    expect(notifications.filter((n) => !n.delivered).map((n) => n.key)).toEqual([`inbound/${id}/success.txt`]);
    expect(kinds(report, 'callback')).toHaveLength(1);
  });
});

describe('local engine with a short callback timeout', () => {
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await startLocalEngine({
      definition,
      loadHandlers: () => loadWorkflowBundles(outDir),
      delayScale: 0,
      callbackTimeoutSeconds: 0.3,
    });
  });
  afterAll(async () => {
    await engine?.stop();
  });
  afterEach(async () => {
    await engine.settle();
  });

  it('fails with States.Timeout when nobody answers, and refuses a late answer', async () => {
    const report = await engine.run({ answer: 'none' });

    expect(report).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(kinds(report, 'state-failed')).toMatchObject([{ state: STATES.waitForResponse, error: 'States.Timeout' }]);
    expect((kinds(report, 'notification')[0] as { subject: string }).subject).toBe('Bellflower execution failed');

    const logs = await captureStderr(async () => {
      await engine.putObject(`inbound/${report.executionId}/success.json`, '{}');
      await engine.settle();
    });
    expect(logs).toContain('duplicate or late answer');
  });
});
