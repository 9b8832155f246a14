/**
 * What templates/cdk-nag.test.ts does, timed: the emitted templates (a folder given as the first
 * argument, laid out as dist/) through CfnInclude and the AwsSolutions and Serverless packs, with
 * CDK's built-in CloudFormation validation on or off (second argument `on` | `off`). Prints the
 * milliseconds of the synthesis and the number of findings. Plain JavaScript, run by `npm run
 * bench` in a fresh process: aws-cdk-lib's types stay out of the project's type-check program.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

const [distDir, validation, ...templatePaths] = process.argv.slice(2);
const outdir = mkdtempSync(join(tmpdir(), 'bellflower-nag-bench-'));
try {
  const start = performance.now();
  const app = new App({ outdir, analyticsReporting: false, builtinCloudFormationValidation: validation === 'on' });
  for (const [index, path] of templatePaths.entries()) {
    new CfnInclude(new Stack(app, `Template${index}`), 'Template', { templateFile: join(distDir, path) });
  }
  Aspects.of(app).add(new AwsSolutionsChecks());
  Aspects.of(app).add(new ServerlessChecks());
  const findings = app
    .synth()
    .stacks.flatMap((stack) => stack.messages)
    .filter((message) => message.level !== 'info').length;
  process.stdout.write(JSON.stringify({ ms: performance.now() - start, findings }));
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
