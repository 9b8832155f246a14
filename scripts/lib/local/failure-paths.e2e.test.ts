/**
 * Each failure path of the workflow ends in the right place, through the local engine with the
 * real integration bundle: an invalid callback input fails the execution at once with
 * `Bellflower.InvalidInput` in the failure notification; a rejected or oversized answer leaves a
 * notice for the business application and the execution waiting; heartbeats keep a wait alive and
 * a missed one fails it with `States.HeartbeatTimeout`.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStateMachine } from '../../../asl/state-machine';
import { ERROR_NAMES, MAX_ANSWER_BYTES } from '../../../handlers/integration/integrate';
import { buildHandlers } from '../build/build';
import { loadWorkflowBundles } from './bundles';
import { startLocalEngine, type ExecutionReport, type LocalEngine } from './engine';
import type { TimelineEntry } from './timeline';

let outDir: string;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'bellflower-failure-paths-'));
  await buildHandlers({ outDir });
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

const failureNotification = (report: ExecutionReport) =>
  report.timeline.filter((e): e is Extract<TimelineEntry, { kind: 'notification' }> => e.kind === 'notification').map((n) => JSON.parse(n.message) as Record<string, string>);

async function notices(engine: LocalEngine, id: string): Promise<Record<string, unknown>[]> {
  const listed = await engine.s3.send(new ListObjectsV2Command({ Bucket: engine.bucket, Prefix: `outbound/${id}/rejected/` }));
  return Promise.all(
    (listed.Contents ?? []).map(async (object) => {
      const body = await (await engine.s3.send(new GetObjectCommand({ Bucket: engine.bucket, Key: object.Key }))).Body!.transformToString();
      return JSON.parse(body) as Record<string, unknown>;
    }),
  );
}

const stillWaiting = async (done: Promise<ExecutionReport>) =>
  Promise.race([done.then(() => 'ended'), sleep(100).then(() => 'waiting')]);

describe('failure paths through the local engine', () => {
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await startLocalEngine({
      definition: buildStateMachine({ callbackTimeoutSeconds: 60, callbackHeartbeatSeconds: 1 }),
      loadHandlers: async () => {
        const bundles = await loadWorkflowBundles(outDir);
        // A processing step whose output the integration function cannot use (no info list) when asked.
        const processing = async (event: unknown, context: Context) =>
          (event as { breakInput?: boolean }).breakInput ? { execution_id: 'not-a-uuid' } : bundles.processing(event, context);
        return { ...bundles, processing };
      },
      delayScale: 0,
    });
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('fails an execution whose callback input can never succeed within seconds, naming Bellflower.InvalidInput', async () => {
    const started = Date.now();
    const report = await engine.run({ input: { breakInput: true } });
    expect(report.status).toBe('FAILED');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(failureNotification(report)).toEqual([
      expect.objectContaining({ Error: ERROR_NAMES.invalidInput, Cause: expect.stringMatching(/execution_id "not-a-uuid" is not a UUID/) }),
    ]);
  });

  it('leaves a notice for a rejected or oversized answer and keeps waiting, then completes on a good answer', async () => {
    const running = engine.start({ answer: 'none' });
    const id = await running.outboundReady;
    // One at a time: each answer is handled before the next overwrites it.
    for (const body of ['{ not json', JSON.stringify({ blob: 'x'.repeat(MAX_ANSWER_BYTES) })]) {
      await engine.putObject(`inbound/${id}/success.json`, body);
      await engine.settle();
    }
    expect(await stillWaiting(running.done)).toBe('waiting');
    const reasons = (await notices(engine, id)).map((n) => [n.key, n.reason, n.limitBytes]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        [`inbound/${id}/success.json`, `inbound/${id}/success.json is not valid JSON`, undefined],
        [`inbound/${id}/success.json`, expect.stringMatching(/is 2621\d\d bytes, more than the 262144-byte limit/), MAX_ANSWER_BYTES],
      ]),
    );
    expect(reasons).toHaveLength(2);
    await engine.putObject(`inbound/${id}/success.json`, '{"approved":true}');
    const report = await running.done;
    expect(report.status).toBe('SUCCEEDED');
    expect(report.output).toMatchObject({ response: { approved: true } });
  });

  it('rejects an answer that fits 256 KiB alone but not beside the execution state, with a notice naming the budget; a smaller answer then completes', async () => {
    // A 150 kB execution input and a 150 kB answer: each under 256 KiB, together over it. Step
    // Functions would fail the execution with the uncatchable States.DataLimitExceeded after
    // SendTaskSuccess had been accepted: no failure notification, no notice.
    const running = engine.start({ input: { blob: 'x'.repeat(150_000) }, answer: 'none' });
    const id = await running.outboundReady;
    await engine.putObject(`inbound/${id}/success.json`, JSON.stringify({ blob: 'y'.repeat(150_000) }));
    await engine.settle();

    expect(await stillWaiting(running.done)).toBe('waiting');
    const [notice, ...others] = await notices(engine, id);
    expect(others).toEqual([]);
    expect(notice).toMatchObject({ key: `inbound/${id}/success.json`, limitBytes: expect.any(Number) });
    expect(notice!.limitBytes).toBeGreaterThan(100_000);
    expect(notice!.limitBytes).toBeLessThan(112_144);
    expect(notice!.reason).toMatch(/leaves room for \d+ bytes of answer within Step Functions' 262144-byte state limit/);
    await engine.putObject(`inbound/${id}/success.json`, JSON.stringify({ blob: 'y'.repeat(100_000) }));
    const report = await running.done;
    expect(report.status).toBe('SUCCEEDED');
    // The success notification is a bounded summary: neither the state nor the answer.
    const notifications = report.timeline.filter((e): e is Extract<TimelineEntry, { kind: 'notification' }> => e.kind === 'notification');
    expect(notifications).toHaveLength(1);
    expect(notifications[0]!.message.length).toBeLessThan(1_024);
    expect(JSON.parse(notifications[0]!.message)).toMatchObject({ execution_id: id, answer: `inbound/${id}/success.json` });
  });

  it('keeps a wait alive with heartbeats and fails it with States.HeartbeatTimeout when they stop', async () => {
    const running = engine.start({ answer: 'none' });
    const id = await running.outboundReady;
    for (let i = 0; i < 3; i++) {
      await sleep(500);
      await engine.putObject(`inbound/${id}/heartbeat.json`, '');
    }
    // 1.5 s have passed: more than HeartbeatSeconds (1), yet the task is alive.
    expect(await stillWaiting(running.done)).toBe('waiting');
    const report = await running.done;
    expect(report.status).toBe('FAILED');
    expect(failureNotification(report)).toEqual([expect.objectContaining({ Error: 'States.HeartbeatTimeout' })]);
  });
});
