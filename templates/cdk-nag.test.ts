import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '../scripts/lib/build/synth';
import { bootstrapTemplate } from '../scripts/lib/deployment/deployer-policy';
import { BOOTSTRAP_TEMPLATE_PATH, TEMPLATE_PATHS } from './layout';

/**
 * The AWS Solutions and Serverless rule packs of cdk-nag, run on the emitted templates through
 * CfnInclude. Exceptions are suppressed in each resource's Metadata (`cdk_nag`) with a reason.
 */
describe('cdk-nag', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bellflower-cdk-nag-'));
    await synthesize({ outDir: join(dir, 'dist') });
    await mkdir(dirname(join(dir, 'dist', BOOTSTRAP_TEMPLATE_PATH)), { recursive: true });
    await writeFile(join(dir, 'dist', BOOTSTRAP_TEMPLATE_PATH), bootstrapTemplate().text);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports no unsuppressed AwsSolutions or Serverless finding on any template', () => {
    // CDK's built-in CloudFormation validation is off: it checks the templates against the
    // CloudFormation schema, as cfn-lint already does (templates/cfn-lint.test.ts), and doubled this test's time.
    const app = new App({ outdir: join(dir, 'cdk.out'), analyticsReporting: false, builtinCloudFormationValidation: false });
    for (const [name, path] of [...Object.entries(TEMPLATE_PATHS), ['bootstrap', BOOTSTRAP_TEMPLATE_PATH]]) {
      new CfnInclude(new Stack(app, name), 'Template', { templateFile: join(dir, 'dist', path) });
    }
    Aspects.of(app).add(new AwsSolutionsChecks());
    Aspects.of(app).add(new ServerlessChecks());
    const findings = app
      .synth()
      .stacks.flatMap((stack) => stack.messages)
      .filter((message) => message.level !== 'info')
      .map((message) => `${message.id}: ${String(message.entry.data).split('\n')[0]}`);
    expect(findings).toEqual([]);
  });
});
