/**
 * `npm run respond -- <execution-id> [--failure "reason"]`: the business application's step,
 * uploading `inbound/<id>/success.json` (or `failure.json`) to the integration bucket. Refuses an id
 * that is not a UUID or has no `outbound/<id>/task_token.txt`. With `--role-arn` (and
 * `--external-id`) it acts as the business application through the role it assumes, proving that
 * access; with `--endpoint` and `--bucket` it answers a local run (`npm run local -- --manual`).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { Command } from 'commander';
import { deploymentContext, withEnvironmentOptions, type EnvironmentFlags } from './lib/cli';
import { assumeRoleOptions, createAwsClients } from './lib/aws';
import { run } from './lib/command';
import { respond } from './lib/execution';
import { localS3Client } from './lib/local/s3-backend';

type RespondFlags = EnvironmentFlags & {
  failure?: string;
  error: string;
  endpoint?: string;
  bucket?: string;
  roleArn?: string;
  externalId?: string;
};

/** The bucket to answer in: a local run's (`--endpoint`, `--bucket`) or the deployment's. */
function answerTarget(flags: RespondFlags): { s3: S3Client; bucket: string } {
  if (flags.externalId !== undefined && flags.roleArn === undefined) throw new Error('--external-id needs --role-arn');
  if (flags.endpoint === undefined) {
    const { clients, config, target } = deploymentContext(flags);
    const bucket = flags.bucket ?? target.bucket;
    if (flags.roleArn === undefined) return { s3: clients.s3, bucket };
    const role = { roleArn: flags.roleArn, ...(flags.externalId !== undefined ? { externalId: flags.externalId } : {}) };
    const options = assumeRoleOptions({ region: config.region, ...(config.profile !== undefined ? { profile: config.profile } : {}) }, role);
    return { s3: createAwsClients(options).s3, bucket };
  }
  if (!flags.bucket) throw new Error('--endpoint needs --bucket (the local run prints both)');
  return { s3: localS3Client(flags.endpoint, flags.region ?? 'us-east-1'), bucket: flags.bucket };
}

const program = withEnvironmentOptions(
  new Command('respond')
    .description('Answer a waiting execution as the business application (success.json or failure.json)')
    .argument('<execution-id>', 'the execution id (UUID) shown by start-execution or the local run'),
)
  .option('--failure <reason>', 'answer failure.json with this cause instead of success.json')
  .option('--error <code>', 'error code of a failure answer', 'BusinessApplicationFailure')
  .option('--endpoint <url>', 'S3 endpoint of a local run (static local credentials, region us-east-1 unless --region); needs --bucket')
  .option('--bucket <name>', 'integration bucket (default: from the stack outputs)')
  .option('--role-arn <arn>', 'act as the business application: assume this role (output BellflowerBusinessApplicationRoleArn)')
  .option('--external-id <id>', 'external id to pass when assuming --role-arn (BusinessApplicationExternalId)')
  .action((executionId: string, flags: RespondFlags) =>
    run('respond', async () => {
      const { s3, bucket } = answerTarget(flags);
      const failure = flags.failure !== undefined ? { cause: flags.failure, error: flags.error } : undefined;
      const key = await respond({ s3, bucket, executionId, failure });
      console.log(`wrote s3://${bucket}/${key}`);
    }),
  );

await program.parseAsync();
