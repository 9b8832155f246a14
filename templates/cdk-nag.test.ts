import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdkNagFindings, type CdkNagModules } from '../scripts/lib/deployment/cdk-nag';
import { synthesizeForValidation, VALIDATED_TEMPLATES } from '../scripts/lib/deployment/validate';

/**
 * The AWS Solutions and Serverless rule packs of cdk-nag, run on the emitted templates through
 * CfnInclude by the checker `bellflower validate` uses. Exceptions are suppressed in each
 * resource's Metadata (`cdk_nag`) with a reason. The real packages are passed in, so that
 * tsconfig.cdk-nag.json checks them against the checker's small view of them.
 */
const modules: CdkNagModules = { App, Stack, Aspects, CfnInclude, AwsSolutionsChecks, ServerlessChecks };

describe('cdk-nag', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bellflower-cdk-nag-'));
    await synthesizeForValidation(join(dir, 'dist'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports no unsuppressed AwsSolutions or Serverless finding on any template', () => {
    expect(cdkNagFindings(join(dir, 'dist'), VALIDATED_TEMPLATES, modules)).toEqual([]);
  });

  it('fails a queue that accepts plain http: the finding names the rule, the resource and the level', async () => {
    await writeFile(join(dir, 'queue.yaml'), 'Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n');
    const findings = cdkNagFindings(dir, { plain: 'queue.yaml' }, modules);
    expect(findings).toContainEqual(
      expect.objectContaining({ source: 'cdk-nag', level: 'error', rule: 'AwsSolutions-SQS4', location: 'plain/Template/Queue' }),
    );
  });
});
