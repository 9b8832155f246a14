/**
 * `bellflower load` on the emulator (`bellflower emulator`, deployed as the README says): a load
 * of 200 executions at 20 concurrent with mixed answers ends with a clean conservation check; the
 * same with every SQS record and S3 event delivered twice (emulator/patches/delivery.py); Ctrl-C
 * stops the starts and exits 130 having reported what ran; a production-looking target is refused
 * before anything starts. Each emulator is deployed once (publish, deploy) through the real commands.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport } from '../scripts/lib/load/report';
import { bellflower, type Result } from './support/bellflower-cli';
import { SHIPPED_EMULATOR_CONFIG, startEmulatorSession } from './support/emulator-session';
import { requireTool } from './support/tools';

/** An emulator with the workflow deployed, and `bellflower <command>` pointed at it. */
async function deployedEmulator(options: { duplicateDeliveries?: boolean } = {}) {
  const session = await startEmulatorSession('bellflower-load-', { callbackTimeoutSeconds: 600 }, options);
  // A production environment (config/emulator/prod.json's field): load refuses it without --yes.
  writeFileSync(
    join(session.workDir, 'config', 'prod.json'),
    JSON.stringify({ ...SHIPPED_EMULATOR_CONFIG, production: true, artifactBucket: 'bellflower-artifacts-emulator-prod' }, null, 2),
  );
  const command = (args: readonly string[], onStderr?: (stderr: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<Result> =>
    bellflower(args, session.env, onStderr ? { onStderr } : {});
  for (const args of [['publish'], ['deploy', '--require-approval', 'never']]) {
    const result = await command(args);
    if (result.code !== 0) throw new Error(`${args[0]} exited ${result.code}: ${result.stderr}`);
  }
  return { command, stop: session.stop };
}

type Deployed = Awaited<ReturnType<typeof deployedEmulator>>;

/** Runs a load and returns its JSON report (the command's stdout) and the result. */
async function load(deployed: Deployed, args: readonly string[], onStderr?: Parameters<Deployed['command']>[1]): Promise<{ report: LoadReport; result: Result }> {
  // The emulator throttles no read (the load paces its reads for AWS: --read-rate).
  const result = await deployed.command(['load', '--json', '--poll', '0.1', '--read-rate', '1000', ...args], onStderr);
  let report: LoadReport;
  try {
    report = JSON.parse(result.stdout) as LoadReport;
  } catch {
    throw new Error(`load printed no JSON report (exit ${result.code}): ${result.stderr}`);
  }
  return { report, result };
}

function expectClean(report: LoadReport, executions: number): void {
  expect(report.conservation.filter((check) => !check.ok)).toEqual([]);
  expect(report.clean).toBe(true);
  expect(report.errors).toEqual([]);
  expect(report.executions).toMatchObject({ asked: executions, started: executions, ended: executions });
}

describe.runIf(requireTool('moto_server'))('bellflower load on the emulator', () => {
  let deployed: Deployed;

  beforeAll(async () => {
    deployed = await deployedEmulator();
  }, 120_000);
  afterAll(async () => deployed?.stop());

  it('runs 200 executions at 20 concurrent with mixed answers: nothing lost, nothing left', async () => {
    const { report, result } = await load(deployed, ['--executions', '200', '--concurrency', '20', '--answer', 'mix']);
    expectClean(report, 200);
    expect(result.code, result.stderr).toBe(0);
    // Every third answer is a failure: 66 failures, 134 successes.
    expect(report.executions.byStatus).toEqual({ SUCCEEDED: 134, FAILED: 66 });
    expect(report.conservation.map((check) => check.check)).toEqual(expect.arrayContaining(['every answer consumed', 'one notification per execution']));
    // The callback queue and its dead-letter queue (the functions' DeadLetterConfig is a known gap of the emulator).
    expect(report.conservation.filter((check) => check.check.startsWith('queue ')).map((check) => check.check)).toEqual([
      'queue bellflower-sqs-queue-devl-us-east-1 empty',
      'queue bellflower-sqs-queue-dlq-devl-us-east-1 empty',
    ]);
    for (const stage of ['processing', 'callbackToOutbound', 'answerToResume', 'publish'] as const) expect(report.stagesMs[stage]?.count).toBe(200);
    expect(report.cleanup).toMatchObject({ deletedObjects: expect.any(Number) });
    expect((report.cleanup as { deletedObjects: number }).deletedObjects).toBeGreaterThanOrEqual(600);
    console.info(`load: ${report.wallSeconds.toFixed(1)} s, ${report.throughputPerSecond.toFixed(2)}/s, p50 ${report.latencyMs?.p50} ms`);
  }, 300_000);

  it('stops starting executions on Ctrl-C, reports what ran and exits 130', async () => {
    let interrupted = false;
    const { report, result } = await load(deployed, ['--executions', '100', '--concurrency', '2', '--drain', '60'], (stderr, kill) => {
      if (!interrupted && /load \[.*\] \d+\/100 ended, [1-9]\d* started/.test(stderr)) {
        interrupted = true;
        kill('SIGINT');
      }
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/interrupted: no more executions start/);
    expect(result.stderr).toMatch(/load: interrupted after \d+ of 100 executions started/);
    expect(report.interrupted).toBe(true);
    // The running ones were answered and ended within the drain time: what ran is clean.
    expect(report.executions.started).toBeGreaterThan(0);
    expect(report.executions.started).toBeLessThan(100);
    expect(report.executions.ended).toBe(report.executions.started);
    expect(report.clean).toBe(true);
  }, 120_000);

  it('rejects a production-looking target before starting anything', async () => {
    const prod = await deployed.command(['load', '--env', 'prod']);
    expect(prod.code).toBe(2);
    expect(prod.stderr).toMatch(/refusing to load environment "prod" \("production": true in .*prod\.json; .*--yes/);
    expect(prod.stdout).toBe('');
  });
});

describe.runIf(requireTool('moto_server'))('bellflower load on the emulator, every SQS record and S3 event delivered twice', () => {
  let deployed: Deployed;

  beforeAll(async () => {
    deployed = await deployedEmulator({ duplicateDeliveries: true });
  }, 120_000);
  afterAll(async () => deployed?.stop());

  it('ends clean: the duplicates write the same files and finish no task twice', async () => {
    const { report, result } = await load(deployed, ['--executions', '40', '--concurrency', '20', '--answer', 'mix']);
    expectClean(report, 40);
    expect(result.code, result.stderr).toBe(0);
    expect(report.executions.byStatus).toEqual({ SUCCEEDED: 27, FAILED: 13 });
    // The duplicates did arrive: the integration function saw each message and each answer twice.
    const logs = await deployed.command(['logs', '--since', '10m']);
    expect(logs.stdout.match(/duplicate delivery: outbound files already written/g)?.length ?? 0).toBeGreaterThanOrEqual(40);
    // The answers too: with one delivery each the function logs 40 of these lines. With two it logs
    // about 80 (79-80 seen): the first finishes the task, the second is refused as a duplicate, or
    // (moto's callback, racing the execution's next step) taken once more without effect.
    const answersHandled = logs.stdout.match(/task succeeded \(SendTaskSuccess\)|task failed as answered|duplicate or late answer/g)?.length ?? 0;
    expect(answersHandled).toBeGreaterThanOrEqual(75);
    expect(logs.stdout.match(/duplicate or late answer/g)?.length ?? 0).toBeGreaterThan(30);
  }, 300_000);
});
