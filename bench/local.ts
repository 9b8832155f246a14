/**
 * `npm run bench:local [-- --sizes 200,1000,5000 --runs 9]`: the local engine of `npm run local`
 * with every artificial delay at 0, the real handler bundles and the embedded S3 server, against
 * the bare interpreter (`aws-local-stepfunctions` running the same definition with trivial task
 * overrides), measured in the same run. Each measurement runs in a child process of its own, so
 * that its peak memory (max RSS) is its own. Reports:
 * - one successful execution end to end (start to SUCCEEDED, answered through S3): median of runs;
 * - for each size, that many executions started together until the last one ends: wall time, time
 *   per execution, peak RSS, and the ratio engine / bare interpreter per execution;
 * - sustained: batches of 1,000 one after the other in one engine, the heap after each (after a
 *   full GC): a finished execution leaves only its summary, so the heap stays flat;
 * - warnings the handlers' SDK printed (e.g. its sockets at capacity).
 * Goals (issue 12): at most 10x the bare interpreter per execution at 1,000; memory bounded.
 * Reported, never asserted.
 */
import { Command, InvalidArgumentError } from 'commander';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StateMachine } from 'aws-local-stepfunctions';
import { STATES } from '../asl/state-machine';
import '../scripts/lib/local/polyfill';
import { buildLocalArtifacts, loadLocalDefinition } from '../scripts/lib/local/artifacts';
import { loadWorkflowBundles } from '../scripts/lib/local/bundles';
import { localDefinition, localResources, startLocalEngine } from '../scripts/lib/local/engine';

const count = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number >= 1');
  return n;
};
const counts = (value: string): number[] => value.split(',').map(count);

interface BenchOptions {
  readonly sizes: number[];
  readonly runs: number;
  /** Internal: run one measurement in this (child) process and print it as JSON. */
  readonly child?: 'bare' | 'engine' | 'single' | 'sustained';
  readonly batches: number;
  readonly count?: number;
  readonly dist?: string;
}

const options = new Command('bench:local')
  .option('--sizes <n,n,...>', 'concurrent executions measured, one batch each', counts, [200, 1000, 5000])
  .option('--runs <n>', 'single executions measured (after one warm-up)', count, 9)
  .option('--batches <n>', 'sustained: batches of 1,000 executions run one after the other', count, 5)
  .option('--child <kind>', '(internal) one measurement: bare, engine or single')
  .option('--count <n>', '(internal) executions of the measurement', count)
  .option('--dist <dir>', '(internal) the built artifacts')
  .parse()
  .opts<BenchOptions>();

/** What a child reports. */
interface Measurement {
  readonly wallMs: number;
  readonly maxRssMiB: number;
  readonly warnings: string[];
  readonly samplesMs?: number[];
  /** Sustained: heap used after each batch, after a full GC. */
  readonly heapMiB?: number[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 0)} ms`;
const maxRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

/** Lines the SDK and Node print as warnings (console.warn / process warnings), counted by the child. */
function collectWarnings(): string[] {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' ').slice(0, 200));
    warn(...args);
  };
  process.on('warning', (w) => {
    if (w.name !== 'NodeVersionSupportWarning') warnings.push(`${w.name}: ${w.message}`.slice(0, 200));
  });
  // The SDK's notice that Node 20 support ends is about the runtime, not about this run.
  const counted = warnings.push.bind(warnings);
  warnings.push = (...items: string[]) => counted(...items.filter((w) => !w.includes('NodeVersionSupportWarning')));
  return warnings;
}

/** The bare interpreter: the same definition, each Task answered at once by a trivial override. */
async function measureBare(dist: string, n: number): Promise<Measurement> {
  const warnings = collectWarnings();
  const resources = localResources('us-east-1');
  const definition = localDefinition(await loadLocalDefinition({ distDir: dist }), resources, { delayScale: 0 });
  const machine = new StateMachine(definition as never, { validationOptions: { noValidate: true } });
  const overrides = {
    taskResourceLocalHandlers: {
      [STATES.processing]: async (input: { Payload: Record<string, unknown> }) => ({
        Payload: { ...input.Payload, execution_id: randomUUID(), info: ['abcde'], status_code: 200 },
        StatusCode: 200,
      }),
      [STATES.waitForResponse]: async () => ({ status: 'Response Received' }),
      [STATES.publishSuccess]: async () => ({ MessageId: randomUUID() }),
      [STATES.publishFailure]: async () => ({ MessageId: randomUUID() }),
    },
  };
  const runOne = (i: number): Promise<unknown> => {
    const execution = machine.run({ n: i } as never, { overrides: overrides as never, context: { Task: { Token: `AQ${randomUUID()}` } } });
    // The engine consumes every event; so does the baseline.
    const events = (async () => {
      for await (const event of execution.eventLogs) void event;
    })();
    return Promise.all([execution.result, events]);
  };
  await runOne(-1);
  const t = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => runOne(i)));
  return { wallMs: performance.now() - t, maxRssMiB: maxRssMiB(), warnings };
}

/**
 * The local engine with the real bundles: `n` executions at once; or `n` one after the other
 * (single); or `batches` times `n` at once (sustained).
 */
async function measureEngine(dist: string, n: number, mode: 'engine' | 'single' | 'sustained', batches = 1): Promise<Measurement> {
  const warnings = collectWarnings();
  const engine = await startLocalEngine({ definition: await loadLocalDefinition({ distDir: dist }), loadHandlers: () => loadWorkflowBundles(dist), delayScale: 0, logLevel: 'ERROR' });
  try {
    const runOne = async (i: number): Promise<void> => {
      // Only the status is kept: the benchmark holds no report, as a long local run would not.
      const { status, error } = await engine.run({ input: { n: i } });
      if (status !== 'SUCCEEDED') throw new Error(`execution ${i} ended ${status}: ${error}`);
    };
    await runOne(-1); // warms the modules up
    if (mode === 'sustained') {
      const heapMiB: number[] = [];
      const t = performance.now();
      for (let b = 0; b < batches; b++) {
        await Promise.all(Array.from({ length: n }, (_, i) => runOne(b * n + i)));
        (globalThis as { gc?: () => void }).gc?.();
        heapMiB.push(process.memoryUsage().heapUsed / 1024 / 1024);
      }
      return { wallMs: performance.now() - t, maxRssMiB: maxRssMiB(), warnings, heapMiB };
    }
    if (mode === 'single') {
      const samplesMs: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await runOne(i);
        samplesMs.push(performance.now() - t);
      }
      return { wallMs: median(samplesMs), maxRssMiB: maxRssMiB(), warnings, samplesMs };
    }
    const t = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => runOne(i)));
    return { wallMs: performance.now() - t, maxRssMiB: maxRssMiB(), warnings };
  } finally {
    await engine.stop();
  }
}

/** Runs one measurement in a child process (this script with --child). */
async function inChild(kind: NonNullable<BenchOptions['child']>, n: number, dist: string): Promise<Measurement> {
  const args = ['--expose-gc', '--import', 'tsx', process.argv[1]!, '--child', kind, '--count', String(n), '--dist', dist, '--batches', String(options.batches)];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Measurement;
}

if (options.child) {
  const n = options.count ?? 1;
  const dist = options.dist!;
  const result = options.child === 'bare' ? await measureBare(dist, n) : await measureEngine(dist, n, options.child, options.batches);
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
} else {
  const outDir = await mkdtemp(join(tmpdir(), 'bellflower-bench-local-'));
  try {
    await buildLocalArtifacts(outDir);
    console.log(`local engine (real bundles, embedded S3, delays 0) vs the bare interpreter (trivial task overrides); Node ${process.version}`);
    const single = await inChild('single', options.runs, outDir);
    const samples = single.samplesMs ?? [];
    console.log(`one execution end to end: median ${ms(single.wallMs)} (min ${ms(Math.min(...samples))}, max ${ms(Math.max(...samples))}, ${samples.length} runs)`);
    console.log('| concurrent | engine wall | engine per execution | engine peak RSS | bare wall | bare per execution | bare peak RSS | ratio per execution | SDK/Node warnings |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const n of options.sizes) {
      const bare = await inChild('bare', n, outDir);
      const engine = await inChild('engine', n, outDir);
      const warnings = [...new Set(engine.warnings.map((w) => w.replace(/\d+/g, 'N')))];
      console.log(
        `| ${n} | ${ms(engine.wallMs)} | ${ms(engine.wallMs / n)} | ${engine.maxRssMiB.toFixed(0)} MiB | ${ms(bare.wallMs)} | ${ms(bare.wallMs / n)} | ${bare.maxRssMiB.toFixed(0)} MiB | ${(engine.wallMs / bare.wallMs).toFixed(1)}x | ${engine.warnings.length}${warnings.length ? ` (${warnings.join('; ')})` : ''} |`,
      );
    }
    const sustained = await inChild('sustained', 1000, outDir);
    console.log(
      `sustained: ${options.batches} x 1000 executions in ${ms(sustained.wallMs)}; heap after each batch (full GC): ${(sustained.heapMiB ?? []).map((h) => `${h.toFixed(1)} MiB`).join(', ')}; peak RSS ${sustained.maxRssMiB.toFixed(0)} MiB`,
    );
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
