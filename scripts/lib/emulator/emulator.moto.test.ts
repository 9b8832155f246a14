import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../../test/support/tools';
import { EMULATOR_LAUNCHER, findPython } from './emulator';

const dir = mkdtempSync(join(tmpdir(), 'bellflower-emulator-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ROOT = resolve(import.meta.dirname, '../../..');

describe.runIf(requireTool('moto_server'))('the launcher and npm run emulator', () => {
  const python = findPython()!;

  it('applies every patch to the installed moto 5.2.1 and names each one', () => {
    const result = spawnSync(python, [EMULATOR_LAUNCHER, '--port', '1', '--check'], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const patches = result.stdout.trim().split('\n');
    expect(patches).toContain('lambda: run the zip with node, not Docker');
    expect(patches).toContain('cloudformation: custom resources receive Delete');
    expect(patches).toContain('cloudformation: deleted stacks re-create nothing');
    expect(new Set(patches).size).toBe(patches.length);
  }, 30_000);

  it('fails loudly at start-up on another moto version', () => {
    const fakeMoto = join(dir, 'site', 'moto');
    mkdirSync(fakeMoto, { recursive: true });
    writeFileSync(join(fakeMoto, '__init__.py'), '__version__ = "9.9.9"\n');
    const result = spawnSync(python, [EMULATOR_LAUNCHER, '--port', '1', '--check'], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: join(dir, 'site') },
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      "bellflower emulator: moto 9.9.9 is installed; the emulator's patches were written for moto 5.2.1: pip install 'moto[server]==5.2.1'",
    );
  });

  it('stops on Ctrl-C with exit code 130, one line and no server left', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'bellflower.mjs'), 'emulator', '--port', '0'], {
      cwd: ROOT,
      detached: true,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolveExit) => child.on('close', resolveExit));
    await new Promise<void>((resolveReady) =>
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('Ctrl-C stops it.')) resolveReady();
      }),
    );
    const endpoint = /^export AWS_ENDPOINT_URL=(\S+)$/m.exec(stdout)![1]!;
    expect((await fetch(`${endpoint}/moto-api/`)).ok).toBe(true);
    // A terminal's Ctrl-C: SIGINT to the whole process group.
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(130);
    expect(stdout.trim().split('\n').pop(), stdout + stderr).toBe('emulator: stopped');
    expect(stderr).toBe('');
    await expect(fetch(`${endpoint}/moto-api/`)).rejects.toThrow();
  }, 30_000);
});
