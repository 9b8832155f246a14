import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EMULATOR_INSTALL_HINT, EmulatorError, exportLines, startEmulator } from './emulator';

const dir = mkdtempSync(join(tmpdir(), 'bellflower-emulator-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROOT = resolve(import.meta.dirname, '../../..');

describe('startEmulator without Python or moto', () => {
  it('rejects a missing interpreter with the install hint', async () => {
    await expect(startEmulator({ python: join(dir, 'no-such-python') })).rejects.toThrow(
      new EmulatorError(`cannot run ${join(dir, 'no-such-python')}: spawn ${join(dir, 'no-such-python')} ENOENT; install Python 3, then ${EMULATOR_INSTALL_HINT}`),
    );
  });

  it('rejects a Python without moto with the install hint', async () => {
    const fake = join(dir, 'python-without-moto');
    writeFileSync(fake, `#!/bin/sh\necho "ModuleNotFoundError: No module named 'moto'" >&2\nexit 1\n`);
    chmodSync(fake, 0o755);
    await expect(startEmulator({ python: fake })).rejects.toThrow(`moto is not installed for ${fake}: ${EMULATOR_INSTALL_HINT}`);
  });

  it('prints the lines a shell exports to reach the emulator', () => {
    expect(exportLines('http://127.0.0.1:4599', 'eu-west-1')).toEqual([
      'export AWS_ENDPOINT_URL=http://127.0.0.1:4599',
      'export AWS_ACCESS_KEY_ID=testing',
      'export AWS_SECRET_ACCESS_KEY=testing',
      'export AWS_REGION=eu-west-1',
      'unset AWS_PROFILE AWS_DEFAULT_PROFILE',
      `export BELLFLOWER_CONFIG_DIR=${join(ROOT, 'config', 'emulator')}`,
      `export BELLFLOWER_DIST_DIR=${join(ROOT, 'dist', 'emulator')}`,
    ]);
  });
});

