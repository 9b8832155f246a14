import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { npmScript } from '../test/support/bellflower-cli';

describe('npm run synth', () => {
  it('fails with a message naming the bad --callback-timeout-seconds value', () => {
    const synth = npmScript('synth');
    const result = spawnSync(synth.command, [...synth.args, '--out', tmpdir(), '--callback-timeout-seconds', 'soon'], {
      encoding: 'utf8',
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/--callback-timeout-seconds.*whole number of seconds.*"soon"/);
  });
});
