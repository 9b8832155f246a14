/**
 * `npm run bench:local [-- --runs <n> --concurrency <n> --batches <n>]`: the local engine of
 * `npm run local` with every artificial delay at 0 (processing work, retry intervals, answer),
 * the real handler bundles and the embedded S3 server. Reports:
 * - one successful execution end to end (start to SUCCEEDED, answered through S3): median of runs;
 * - `concurrency` executions started together until the last one ends: median of batches.
 * Goals (issue 5): one execution under 0.5 s, 200 concurrent under 10 s. Reported, never asserted.
 */
import { Command, InvalidArgumentError } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLocalArtifacts, loadLocalDefinition } from '../scripts/lib/local/artifacts';
import { loadWorkflowBundles } from '../scripts/lib/local/bundles';
import { startLocalEngine } from '../scripts/lib/local/engine';

const count = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number >= 1');
  return n;
};

const options = new Command('bench:local')
  .option('--runs <n>', 'single executions measured (after one warm-up)', count, 9)
  .option('--concurrency <n>', 'executions started together', count, 200)
  .option('--batches <n>', 'concurrent batches measured', count, 3)
  .parse()
  .opts<{ runs: number; concurrency: number; batches: number }>();

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (value: number): string => `${value.toFixed(0)} ms`;

const outDir = await mkdtemp(join(tmpdir(), 'bellflower-bench-local-'));
try {
  await buildLocalArtifacts(outDir);
  const definition = await loadLocalDefinition({ distDir: outDir });
  const startAt = performance.now();
  const engine = await startLocalEngine({
    definition,
    loadHandlers: () => loadWorkflowBundles(outDir),
    delayScale: 0,
    logLevel: 'ERROR',
  });
  const engineStartMs = performance.now() - startAt;
  try {
    const single: number[] = [];
    for (let i = 0; i <= options.runs; i++) {
      const t = performance.now();
      const report = await engine.run({ input: { run: i } });
      if (report.status !== 'SUCCEEDED') throw new Error(`run ${i} ended ${report.status}: ${report.error}`);
      if (i > 0) single.push(performance.now() - t); // run 0 warms the modules up
    }
    const batches: number[] = [];
    let perExecution: number[] = [];
    for (let b = 0; b < options.batches; b++) {
      const t = performance.now();
      const reports = await Promise.all(
        Array.from({ length: options.concurrency }, (_, i) => engine.run({ input: { batch: b, n: i } })),
      );
      batches.push(performance.now() - t);
      const failed = reports.filter((r) => r.status !== 'SUCCEEDED');
      if (failed.length > 0) throw new Error(`${failed.length} of ${reports.length} executions did not succeed`);
      perExecution = reports.map((r) => r.durationMs);
    }
    console.log(`local engine, real bundles, embedded S3, all artificial delays 0 (Node ${process.version})`);
    console.log(`engine start (S3 server, callback endpoint, bundle import): ${ms(engineStartMs)}`);
    console.log(
      `one execution end to end: median ${ms(median(single))} (min ${ms(Math.min(...single))}, max ${ms(Math.max(...single))}, ${single.length} runs; goal < 500 ms)`,
    );
    console.log(
      `${options.concurrency} concurrent executions: median ${ms(median(batches))} (${batches.map(ms).join(', ')}; goal < 10000 ms); ` +
        `last batch per execution p50 ${ms(percentile(perExecution, 50))}, p95 ${ms(percentile(perExecution, 95))}`,
    );
  } finally {
    await engine.stop();
  }
} finally {
  await rm(outDir, { recursive: true, force: true });
}
