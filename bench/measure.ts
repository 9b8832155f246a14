/**
 * Measuring helpers of the benchmarks: median, wall and CPU time of a child process, interleaved
 * A/B runs (so that the load of a shared machine affects both sides alike) and plain tables.
 * Benchmarks report; nothing here asserts a timing.
 */
import { spawn, spawnSync, type SpawnOptions, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Median of some numbers (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Clock ticks per second of `/proc` times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/**
 * CPU seconds (user + system) used so far by the children this process has waited for, from
 * `/proc/self/stat` (fields cutime and cstime; 10 ms resolution); undefined off Linux.
 */
function childrenCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // cutime and cstime are fields 16 and 17 of the whole line, 14 and 15 after the name.
    return (Number(fields[13]) + Number(fields[14])) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** One run of a child process. */
export interface Sample {
  readonly wallMs: number;
  /** User + system CPU of the child and its descendants (undefined where /proc is missing). */
  readonly cpuMs: number | undefined;
  /** Peak resident memory of the largest process of the run, when asked for and GNU time is installed. */
  readonly peakKiB?: number | undefined;
  readonly stdout: string;
}

/** GNU time, for the peak memory of a run. */
const GNU_TIME = '/usr/bin/time';

/**
 * Runs a command to completion, timing it; throws with its output when it fails. `peakMemory`
 * runs it under GNU time (when installed) for the peak resident memory.
 */
export function timeCommand(command: string, args: readonly string[], options: SpawnSyncOptions & { peakMemory?: boolean } = {}): Sample {
  const { peakMemory, ...spawnOptions } = options;
  const memoryDir = peakMemory && existsSync(GNU_TIME) ? mkdtempSync(join(tmpdir(), 'bellflower-time-')) : undefined;
  const [file, argv] = memoryDir ? [GNU_TIME, ['-f', '%M', '-o', join(memoryDir, 'peak'), command, ...args]] : [command, [...args]];
  const cpuBefore = childrenCpuSeconds();
  const start = performance.now();
  const result = spawnSync(file, argv, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...spawnOptions });
  const wallMs = performance.now() - start;
  const cpuAfter = childrenCpuSeconds();
  let peakKiB: number | undefined;
  if (memoryDir) {
    peakKiB = Number(readFileSync(join(memoryDir, 'peak'), 'utf8').trim().split('\n').pop());
    rmSync(memoryDir, { recursive: true, force: true });
  }
  if (result.status !== 0) {
    const output = `${String(result.stdout ?? '')}${String(result.stderr ?? '')}`.trim().split('\n').slice(-5).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal ?? result.error?.message}): ${output}`);
  }
  return {
    wallMs,
    cpuMs: cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) * 1000,
    peakKiB,
    stdout: String(result.stdout ?? ''),
  };
}

/**
 * {@link timeCommand} without blocking this process: for a benchmark whose servers run in this
 * process's children (an emulator whose output this process reads), which a blocked event loop
 * would stop once their output pipes fill.
 */
export function timeCommandAsync(command: string, args: readonly string[], options: SpawnOptions = {}): Promise<Sample> {
  const cpuBefore = childrenCpuSeconds();
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - start;
      const cpuAfter = childrenCpuSeconds();
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(' ')} failed (${code ?? signal}): ${`${stdout}${stderr}`.trim().split('\n').slice(-5).join('\n')}`));
        return;
      }
      resolve({ wallMs, cpuMs: cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) * 1000, stdout });
    });
  });
}

/** Medians of a series of samples (peak memory: the largest). */
export interface Summary {
  readonly wallMs: number;
  readonly cpuMs: number | undefined;
  readonly peakKiB: number | undefined;
  readonly runs: number;
}

export function summarize(samples: readonly Sample[]): Summary {
  const cpu = samples.map((sample) => sample.cpuMs);
  const peaks = samples.map((sample) => sample.peakKiB).filter((value): value is number => value !== undefined);
  return {
    wallMs: median(samples.map((sample) => sample.wallMs)),
    cpuMs: cpu.every((value) => value !== undefined) ? median(cpu as number[]) : undefined,
    peakKiB: peaks.length > 0 ? Math.max(...peaks) : undefined,
    runs: samples.length,
  };
}

/**
 * Runs each named action `runs` times, interleaved (a, b, c, a, b, c, ...) after one untimed
 * warm-up round (disk cache, first compilation of the peers; `warmUp: false` skips it); returns
 * the summary of each.
 */
export async function interleave<K extends string>(
  runs: number,
  actions: Readonly<Record<K, () => Sample | Promise<Sample>>>,
  options: { readonly warmUp?: boolean } = {},
): Promise<Record<K, Summary>> {
  const names = Object.keys(actions) as K[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as Sample[]])) as Record<K, Sample[]>;
  for (let round = options.warmUp === false ? 1 : 0; round <= runs; round++) {
    for (const name of names) {
      const sample = await actions[name]();
      if (round > 0) samples[name].push(sample);
    }
  }
  return Object.fromEntries(names.map((name) => [name, summarize(samples[name])])) as Record<K, Summary>;
}

/** `1.23 s` / `456 ms`. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return 'n/a';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

/** `a / b` to two decimals, or n/a. */
export function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || b === 0 ? 'n/a' : (a / b).toFixed(2);
}

/** `123 MiB`. */
export function formatMiB(kib: number | undefined): string {
  return kib === undefined ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`;
}

/** `12.3 KiB`. */
export function formatKiB(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Prints a Markdown table (so that the output pastes into the README as it is). */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(`| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`);
  for (const row of rows) console.log(line(row));
}
