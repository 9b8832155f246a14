/**
 * `bellflower validate` through the binary: the three checkers on the synthesized templates, the
 * exit code of an error finding, `--json`, a missing cfn-lint as a clear error, and Ctrl-C.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bellflower } from '../test/support/bellflower-cli';
import { requireTool } from '../test/support/tools';

describe.runIf(requireTool('cfn-lint'))('bellflower validate', () => {
  let home: string;
  let configDir: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'bellflower-validate-'));
    configDir = join(home, 'config');
    mkdirSync(configDir);
    mkdirSync(join(home, 'bad'));
    writeFileSync(
      join(configDir, 'devl.json'),
      JSON.stringify({
        region: 'eu-west-1',
        artifactBucket: 'bellflower-artifacts-validate-devl',
        kmsKeyAlias: 'bellflower-devl',
        kmsKeyId: '0b7f3c1e-8d2a-4c5b-9e6f-1a2b3c4d5e6f',
        subscriptionEmail: 'ops@bellflower.test',
      }),
    );
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const env = () => ({ HOME: home, BELLFLOWER_CONFIG_DIR: configDir });

  it('reports each checker and exits 0 on a clean tree and configuration; --json carries the findings', async () => {
    const [plain, json] = await Promise.all([bellflower(['validate'], env()), bellflower(['validate', '--json'], env())]);
    expect(plain.stdout.split('\n').filter(Boolean)).toEqual(['cfn-lint: no findings', 'cdk-nag: no findings', 'preflight: no findings', 'validate: ok']);
    expect(plain.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ environment: 'devl', ok: true, findings: [], counts: { 'cfn-lint': 0, 'cdk-nag': 0, preflight: 0 } });
    expect(json.code).toBe(0);
  });

  it('fails with exit code 1 on an error finding, listing it under its checker', async () => {
    writeFileSync(join(home, 'bad', 'devl.json'), JSON.stringify({ region: 'eu-west-1', artifactBucket: 'bellflower-artifacts-validate-devl', kmsKeyAlias: 'bellflower-devl', kmsKeyId: '0b7f3c1e-8d2a-4c5b-9e6f-1a2b3c4d5e6f', subscriptionEmail: 'ops@bellflower.test', parameters: { MaxReceiveCount: '1' } }));
    const result = await bellflower(['validate', '--json'], { HOME: home, BELLFLOWER_CONFIG_DIR: join(home, 'bad') });
    const report = JSON.parse(result.stdout) as { ok: boolean; findings: { source: string; level: string; message: string }[] };
    expect(report.ok).toBe(false);
    expect(report.findings.filter((finding) => finding.source === 'preflight').map((finding) => finding.message).join('\n')).toContain('MaxReceiveCount 1 moves a callback message to the dead-letter queue');
    expect(result.code).toBe(1);
  });

  it('fails when cfn-lint is not installed, naming pip and pipx, rather than skipping it', async () => {
    // Only node's folder on the PATH: no cfn-lint.
    const result = await bellflower(['validate'], { ...env(), PATH: dirname(process.execPath) });
    expect(result.stderr).toMatch(/validate: cfn-lint is not installed \(not on the PATH\): pipx install cfn-lint \(or pip install cfn-lint\)/);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(1);
  });

  it('stops on Ctrl-C with exit code 130 and leaves no synthesized folder behind', async () => {
    const scratch = join(home, 'tmp');
    mkdirSync(scratch);
    const result = await bellflower(['validate'], { ...env(), TMPDIR: scratch }, {
      // Once the checks have begun (the folder exists, cfn-lint runs for seconds).
      onStderr: (stderr, kill) => void (stderr.includes('validate: synthesizing') && setTimeout(() => kill('SIGINT'), 1_000)),
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('interrupted');
    expect(readdirSync(scratch)).toEqual([]);
  });
});
