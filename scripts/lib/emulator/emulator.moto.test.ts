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
    expect(patches).toContain('cloudformation: UpdateTerminationProtection');
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
    const { child, exited, endpoint, output } = await runEmulatorCommand(['--port', '0']);
    expect((await fetch(`${endpoint}/moto-api/`)).ok).toBe(true);
    // A terminal's Ctrl-C: SIGINT to the whole process group.
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(130);
    expect(output.stdout.trim().split('\n').pop(), output.stdout + output.stderr).toBe('emulator: stopped');
    expect(output.stderr).toBe('');
    await expect(fetch(`${endpoint}/moto-api/`)).rejects.toThrow();
  }, 30_000);

  it('rejects a port in use before starting anything, naming the process that holds it', async () => {
    const holder = spawn(python, ['-c', 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(60)'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const port = Number(await new Promise<string>((resolvePort) => holder.stdout.once('data', (chunk: Buffer) => resolvePort(chunk.toString()))));
      const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'bellflower.mjs'), 'emulator', '--port', String(port)], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
      });
      expect(result.status).toBe(1);
      // Nothing of the success banner: no endpoint, no export lines.
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        new RegExp(`^emulator: port ${port} on 127\\.0\\.0\\.1 is in use by pid ${holder.pid} \\(\\S*python[\\d.]* -c import socket.*\\): stop it, or pass --port <another> \\(0 picks a free one\\)\\n$`),
      );
    } finally {
      holder.kill('SIGKILL');
    }
  }, 30_000);

  it('prints a block that unsets AWS_PROFILE, so that a profile without credentials does not break the commands', async () => {
    const { child, exited, endpoint, output } = await runEmulatorCommand(['--port', '0']);
    try {
      const home = mkdtempSync(join(dir, 'home-'));
      writeFileSync(join(home, 'aws-config'), '[profile sso-only]\nregion = us-east-1\n');
      const block = output.stdout.split('\n').filter((line) => /^(export|unset) /.test(line));
      const result = spawnSync('sh', ['-c', `${block.join('\n')}\nexec "${process.execPath}" "${join(ROOT, 'bin', 'bellflower.mjs')}" outputs --dist "${home}"`], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1', AWS_PROFILE: 'sso-only', AWS_CONFIG_FILE: join(home, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none') },
      });
      // The emulator's keys sign the calls: the AWS line names moto's account, then the stack is missing.
      expect(result.stderr).toMatch(new RegExp(`^AWS account 123456789012 .* endpoint ${endpoint} \\(AWS_ENDPOINT_URL\\)$`, 'm'));
      expect(result.stderr).not.toMatch(/sso-only|Multiple credential sources/);
      expect(result.stderr).toMatch(/^outputs: stack bellflower-root-stack-devl does not exist/m);
    } finally {
      process.kill(-child.pid!, 'SIGINT');
      await exited;
    }
  }, 30_000);

  it('stops the server when the process that started it goes (stopped through the PID of npx), leaving no process behind', async () => {
    // npx -> sh -> node -> python, as `npx bellflower emulator` runs: killing the npx stand-in
    // passes no signal on; the pipes close only once every process of the chain has exited.
    const command = `"${process.execPath}" "${join(ROOT, 'bin', 'bellflower.mjs')}" emulator --port 0`;
    const npx = spawn(process.execPath, ['-e', `require('node:child_process').spawn('sh', ['-c', ${JSON.stringify(command)}], { stdio: 'inherit' }); setInterval(() => {}, 1000)`], {
      cwd: ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { stdout: '', stderr: '' };
    npx.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
    const closed = new Promise<void>((resolveClosed) => npx.stdout.on('close', () => resolveClosed()));
    await new Promise<void>((resolveReady) =>
      npx.stdout.on('data', (chunk: Buffer) => {
        output.stdout += chunk.toString();
        if (output.stdout.includes('Ctrl-C stops it.')) resolveReady();
      }),
    );
    const endpoint = /^export AWS_ENDPOINT_URL=(\S+)$/m.exec(output.stdout)![1]!;
    expect((await fetch(`${endpoint}/moto-api/`)).ok).toBe(true);

    npx.kill('SIGTERM');

    await closed;
    await expect(fetch(`${endpoint}/moto-api/`)).rejects.toThrow();
    expect(output.stderr).toMatch(/^emulator: stopped \(process \d+, which started it, has exited\)$/m);
  }, 60_000);
});

/** Runs `bellflower emulator <args>` in a process group of its own and waits for its banner. */
async function runEmulatorCommand(args: readonly string[]) {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'bellflower.mjs'), 'emulator', ...args], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  const output = { stdout: '', stderr: '' };
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.on('close', resolveExit));
  await new Promise<void>((resolveReady) =>
    child.stdout.on('data', (chunk: Buffer) => {
      output.stdout += chunk.toString();
      if (output.stdout.includes('Ctrl-C stops it.')) resolveReady();
    }),
  );
  const endpoint = /^export AWS_ENDPOINT_URL=(\S+)$/m.exec(output.stdout)![1]!;
  return { child, exited, endpoint, output };
}
