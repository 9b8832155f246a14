import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '../scripts/lib/build/synth';
import { bootstrapTemplate } from '../scripts/lib/deployment/deployer-policy';
import { requireTool } from '../test/support/tools';
import { BOOTSTRAP_TEMPLATE_PATH, TEMPLATE_PATHS } from './layout';

describe.runIf(requireTool('cfn-lint'))('cfn-lint', () => {
  let outDir: string;
  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'bellflower-cfn-lint-'));
    await synthesize({ outDir });
    await mkdir(dirname(join(outDir, BOOTSTRAP_TEMPLATE_PATH)), { recursive: true });
    await writeFile(join(outDir, BOOTSTRAP_TEMPLATE_PATH), bootstrapTemplate().text);
  });
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('reports no error, warning or informational finding on any template', () => {
    // One run over all files: cfn-lint takes seconds to start. `--` keeps `-c` from taking the file names.
    const files = [...Object.values(TEMPLATE_PATHS), BOOTSTRAP_TEMPLATE_PATH];
    const result = spawnSync('cfn-lint', ['-c', 'I', '--', ...files], { cwd: outDir, encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });
});
