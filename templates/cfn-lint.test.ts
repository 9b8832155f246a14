import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '../scripts/lib/synth';
import { requireTool } from '../test/support/tools';
import { TEMPLATE_PATHS } from './layout';

describe.runIf(requireTool('cfn-lint'))('cfn-lint', () => {
  let outDir: string;
  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'bellflower-cfn-lint-'));
    await synthesize({ outDir });
  });
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('reports no error, warning or informational finding on any template', () => {
    // One run over all files: cfn-lint takes seconds to start. `--` keeps `-c` from taking the file names.
    const files = Object.values(TEMPLATE_PATHS);
    const result = spawnSync('cfn-lint', ['-c', 'I', '--', ...files], { cwd: outDir, encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });
});
