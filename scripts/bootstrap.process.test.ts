/**
 * `npm run bootstrap` as CI runs it: spawned with stdin closed (no terminal), so `--guided` asks
 * nothing; a missing e-mail address is one error line naming its flag; with the flags given it
 * bootstraps moto's empty account from the shipped configuration.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type MotoServer } from '../test/support/moto';
import { MOTO_ACCOUNT } from '../test/support/moto-iam';
import { npmScript } from '../test/support/bellflower-cli';
import { requireTool } from '../test/support/tools';
import { DEFAULT_CONFIG_DIR } from './lib/core/paths';

/** What `npm run bootstrap` runs. */
const bootstrap = npmScript('bootstrap');

/** Runs the command with stdin closed; resolves with its exit code and output. */
function bootstrapCommand(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bootstrap.command, [...bootstrap.args, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_REGION: '', AWS_PROFILE: '', NODE_NO_WARNINGS: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bootstrap without a terminal', () => {
  let configDir: string;
  beforeAll(() => {
    configDir = mkdtempSync(join(tmpdir(), 'bellflower-bootstrap-cli-'));
    copyFileSync(join(DEFAULT_CONFIG_DIR, 'devl.json'), join(configDir, 'devl.json'));
  });
  afterAll(() => rmSync(configDir, { recursive: true, force: true }));

  it('fails with one line naming --email when the configuration holds only the example address, even with --guided', async () => {
    const result = await bootstrapCommand(['--env', 'devl', '--guided', '--config-dir', configDir]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'no terminal: asking nothing (flags and defaults only)',
      'bootstrap: no e-mail address that receives the results and alarms: pass --email <value>',
    ]);
  });

  describe.runIf(requireTool('moto_server'))('against moto', () => {
    let moto: MotoServer;
    beforeAll(async () => {
      moto = await startMoto();
    });
    afterAll(async () => {
      await moto?.stop();
    });

    it('bootstraps with flags and defaults only, and records them', async () => {
      const env = { AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
      const result = await bootstrapCommand(['--env', 'devl', '--guided', '--email', 'ci@bellflower.test', '--config-dir', configDir], env);
      expect(result.stderr).toContain('no terminal: asking nothing');
      expect(result.code).toBe(0);
      const recorded = JSON.parse(readFileSync(join(configDir, 'devl.local.json'), 'utf8')) as Record<string, string>;
      expect(recorded).toMatchObject({
        region: 'us-east-1',
        artifactBucket: `bellflower-artifacts-${MOTO_ACCOUNT}-us-east-1-devl`,
        kmsKeyAlias: 'bellflower-devl',
        kmsKeyId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        subscriptionEmail: 'ci@bellflower.test',
      });
      expect(result.stdout).toContain(`kmsKeyId = ${recorded.kmsKeyId}`);

      // The recorded e-mail address is now the default: the same command without --email changes nothing.
      const again = await bootstrapCommand(['--env', 'devl', '--yes', '--config-dir', configDir], env);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain('bellflower-bootstrap-devl: no changes');
      expect(again.stdout).toContain('(unchanged)');
    });
  });
});
