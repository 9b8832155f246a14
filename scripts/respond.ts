/**
 * `npm run respond -- <execution-id> [--failure "reason"]`: the business application's step,
 * uploading `inbound/<id>/success.json` (or `failure.json`) to the integration bucket. Refuses an id
 * that is not a UUID or has no `outbound/<id>/task_token.txt`. With `--endpoint` and `--bucket` it
 * answers a local run (`npm run local -- --manual`) instead of a deployment.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { Command } from 'commander';
import { deploymentContext, respond, runCommand } from './lib/execution';
import { localS3Client } from './lib/local/s3-backend';

const program = new Command('respond')
  .description('Answer a waiting execution as the business application (success.json or failure.json)')
  .argument('<execution-id>', 'the execution id (UUID) shown by start-execution or the local run')
  .option('--failure <reason>', 'answer failure.json with this cause instead of success.json')
  .option('--error <code>', 'error code of a failure answer', 'BusinessApplicationFailure')
  .option('-e, --env <env>', 'environment (config/<env>.json, dist/outputs/<env>.json)', 'devl')
  .option('--region <region>', 'AWS region (default: from the config file, us-east-1 with --endpoint)')
  .option('--profile <profile>', 'AWS profile')
  .option('--endpoint <url>', 'S3 endpoint of a local run (static local credentials); needs --bucket')
  .option('--bucket <name>', 'integration bucket (default: from the stack outputs)')
  .parse();

const options = program.opts<{
  failure?: string;
  error: string;
  env: string;
  region?: string;
  profile?: string;
  endpoint?: string;
  bucket?: string;
}>();
const [executionId = ''] = program.args;

await runCommand('respond', async () => {
  let s3: S3Client;
  let bucket: string;
  if (options.endpoint) {
    if (!options.bucket) throw new Error('--endpoint needs --bucket (the local run prints both)');
    s3 = localS3Client(options.endpoint, options.region ?? 'us-east-1');
    bucket = options.bucket;
  } else {
    const context = deploymentContext(options);
    s3 = context.s3;
    bucket = options.bucket ?? context.bucket;
  }
  const failure = options.failure !== undefined ? { cause: options.failure, error: options.error } : undefined;
  const key = await respond({ s3, bucket, executionId, failure });
  console.log(`wrote s3://${bucket}/${key}`);
});
