/**
 * `npm run local` as a user runs it: the command of the npm script, in its own process group (as a
 * terminal runs it), with the handler bundles built once into a temporary folder. Covers Ctrl-C,
 * the `--json` contract and the refusal of unusable inputs.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLocalArtifacts } from './lib/local/artifacts';
import { PROJECT_ROOT } from './lib/core/paths';

let dist: string;

/** The npm script's command, e.g. `node --import tsx scripts/local.ts`. */
const [command = 'node', ...commandArgs] = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts.local!.split(' ');

beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), 'bellflower-local-cli-'));
  await buildLocalArtifacts(dist);
});

afterAll(async () => {
  await rm(dist, { recursive: true, force: true });
});

interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface LocalRun {
  /** Resolves once `text` has appeared on stdout or stderr. */
  waitFor(text: string): Promise<void>;
  /** Sends `signal` to the whole process group, as a terminal's Ctrl-C does. */
  signal(signal: NodeJS.Signals): void;
  readonly finished: Promise<Finished>;
}

/** How {@link startLocal} runs the command. */
interface StartOptions {
  /** Written to its standard input, which is then closed. @default '' */
  readonly stdin?: string;
  /** Build into this folder first instead of using the shared build (`--no-build`). */
  readonly buildInto?: string;
}

/** Starts the npm script's command with `args` in its own process group. */
function startLocal(args: readonly string[], options: StartOptions = {}): LocalRun {
  const build = options.buildInto === undefined ? ['--dist', dist, '--no-build'] : ['--dist', options.buildInto];
  const child = spawn(command === 'node' ? process.execPath : command, [...commandArgs, ...build, ...args], {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    // The AWS SDK's Node 20 deprecation notice is the runtime's, not the command's output.
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  child.stdin.end(options.stdin ?? '');
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const check = (): void => {
    for (const waiter of [...waiters]) {
      if (!(stdout + stderr).includes(waiter.text)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    check();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    check();
  });
  const finished = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ text, resolve });
        check();
        void finished.then((f) => reject(new Error(`exited (${f.code}) before "${text}" appeared:\n${f.stdout}\n${f.stderr}`)));
      }),
    signal: (signal) => process.kill(-child.pid!, signal),
    finished,
  };
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');

describe('npm run local', () => {
  it('stops cleanly on Ctrl-C: one line, exit code 130, every server closed once', async () => {
    const local = startLocal(['--manual', '--delay-scale', '0']);
    await local.waitFor('(Ctrl-C stops the run)');

    local.signal('SIGINT');
    const { code, stdout, stderr } = await local.finished;

    expect(code).toBe(130);
    expect(lines(stderr)).toEqual([expect.stringMatching(/^interrupted by the user after \d+\.\d s; nothing left running$/)]);
    expect(stdout).not.toContain('ABORTED');
    expect(stdout + stderr).not.toMatch(/ERR_SERVER_NOT_RUNNING|\n\s+at /);
  });

  it('stops at once on Ctrl-C during the build, with the same line and exit code', async () => {
    const buildInto = await mkdtemp(join(tmpdir(), 'bellflower-local-cli-interrupted-'));
    try {
      const local = startLocal(['--manual'], { buildInto });
      await local.waitFor('building the handler bundles');

      local.signal('SIGINT');
      const { code, stderr } = await local.finished;

      expect(code).toBe(130);
      expect(lines(stderr)).toEqual([expect.stringMatching(/^interrupted by the user after \d+\.\d s; nothing left running$/)]);
    } finally {
      await rm(buildInto, { recursive: true, force: true });
    }
  });

  it('prints exactly one JSON document on stdout with --json, handler logs on stderr', async () => {
    const { code, stdout, stderr } = await startLocal(['--json', '--log-level', 'DEBUG', '--delay-scale', '0']).finished;

    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { status: string; expected: string; timeline: unknown[] };
    expect(report).toMatchObject({ status: 'SUCCEEDED', expected: 'SUCCEEDED' });
    expect(report.timeline.length).toBeGreaterThan(5);
    expect(stderr).toContain('"level":"INFO","message":"processing finished"');
  });

  it.each([
    ['[1,2]', 'got an array'],
    ['null', 'got null'],
    ['"text"', 'got a string'],
    ['42', 'got a number'],
    ['{"order":', 'is not valid JSON'],
  ])('rejects --input %s with one line', async (input, problem) => {
    const { code, stdout, stderr } = await startLocal(['--input', input]).finished;

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(lines(stderr)).toEqual([expect.stringContaining(problem)]);
    expect(stderr).toMatch(/^local: --input /);
  });

  it('reads the input from standard input (--input -) and from a file (--input-file)', async () => {
    const file = join(dist, 'input.json');
    await writeFile(file, JSON.stringify({ order: 'from-file' }));

    const [fromStdin, fromFile] = await Promise.all([
      startLocal(['--input', '-', '--json', '--delay-scale', '0'], { stdin: '{"order":"from-stdin"}' }).finished,
      startLocal(['--input-file', file, '--json', '--delay-scale', '0']).finished,
    ]);

    const inputOf = (stdout: string): unknown =>
      (JSON.parse(stdout) as { timeline: { kind: string; input?: unknown }[] }).timeline.find((e) => e.kind === 'execution-started')?.input;
    expect(inputOf(fromStdin.stdout)).toEqual({ order: 'from-stdin' });
    expect(inputOf(fromFile.stdout)).toEqual({ order: 'from-file' });
  });

  it('rejects an input over 256 KiB as StartExecution does, with one line', async () => {
    const file = join(dist, 'large.json');
    await writeFile(file, JSON.stringify({ blob: 'x'.repeat(300_000) }));

    const { code, stderr } = await startLocal(['--input-file', file]).finished;

    expect(code).toBe(1);
    expect(lines(stderr)).toEqual([
      'local: StartExecution refuses the input (InvalidExecutionInput): it is 300,011 bytes; Step Functions accepts at most 262,144 bytes (256 KiB)',
    ]);
  });

  it('rejects an unreadable --input-file with one line', async () => {
    const { code, stderr } = await startLocal(['--input-file', join(dist, 'missing.json')]).finished;

    expect(code).toBe(1);
    expect(lines(stderr)).toEqual([expect.stringContaining('missing.json cannot be read (ENOENT)')]);
  });
});
