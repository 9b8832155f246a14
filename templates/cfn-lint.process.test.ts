import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cfnLintFindings } from '../scripts/lib/deployment/cfn-lint';
import { synthesizeForValidation, VALIDATED_TEMPLATES } from '../scripts/lib/deployment/validate';
import { requireTool } from '../test/support/tools';

describe.runIf(requireTool('cfn-lint'))('cfn-lint', () => {
  let outDir: string;
  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'bellflower-cfn-lint-'));
    await synthesizeForValidation(outDir);
  });
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('reports no error, warning or informational finding on any template', async () => {
    // The checker `bellflower validate` runs: one cfn-lint over all files, informational findings included.
    expect(await cfnLintFindings(outDir, Object.values(VALIDATED_TEMPLATES))).toEqual([]);
  });
});
