/**
 * `npm run bench:synth`: how long synthesis of the eight files takes.
 * - in-process: `synthesize()` into a temporary folder, RUNS times after one warm-up run
 *   (the first, cold run is reported separately), median and min;
 * - cold: wall time of `npm run synth` (npm, a new Node process, the prebuilt bundle), 3 runs;
 *   `npm run bench` compares it with its peers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderArtifacts, synthesize } from '../scripts/lib/build/synth';

const RUNS = 20;
const COLD_RUNS = 3;

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function time(action: () => unknown): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

const dir = await mkdtemp(join(tmpdir(), 'bellflower-bench-synth-'));
try {
  const first = await time(() => synthesize({ outDir: join(dir, 'first') }));
  const inProcess: number[] = [];
  const renderOnly: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    inProcess.push(await time(() => synthesize({ outDir: join(dir, `run-${i}`) })));
    renderOnly.push(await time(() => renderArtifacts()));
  }
  const cold: number[] = [];
  for (let i = 0; i < COLD_RUNS; i += 1) {
    const start = performance.now();
    const result = spawnSync('npm', ['run', '--silent', 'synth', '--', '--out', join(dir, `cold-${i}`)], { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`npm run synth failed with status ${result.status}`);
    cold.push(performance.now() - start);
  }
  console.log(`synthesize(), first call in this process:      ${ms(first)}`);
  console.log(`synthesize(), ${RUNS} warm runs (8 files written):  median ${ms(median(inProcess))}, min ${ms(Math.min(...inProcess))}`);
  console.log(`build + serialize only, ${RUNS} runs (no I/O):      median ${ms(median(renderOnly))}, min ${ms(Math.min(...renderOnly))}`);
  console.log(`npm run synth, cold process, ${COLD_RUNS} runs:          median ${ms(median(cold))}, min ${ms(Math.min(...cold))}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
