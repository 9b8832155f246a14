/**
 * `bellflower respond <execution-id> [--failure "reason"]` (`npm run respond -- ...`): the business application's step,
 * uploading `inbound/<id>/success.json` (or `failure.json`) to the integration bucket. Refuses an id
 * that is not a UUID or has no `outbound/<id>/data.json`. With `--role-arn` (and
 * `--external-id`) it acts as the business application through the role it assumes, proving that
 * access; with `--endpoint` and `--bucket` it answers a local run (`npm run local -- --manual`).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { type BellflowerCommand, type EnvironmentFlags, withEnvironmentOptions } from './cli/command';
import { UsageError } from './lib/core/errors';

type RespondFlags = EnvironmentFlags & {
  failure?: string;
  error: string;
  endpoint?: string;
  bucket?: string;
  roleArn?: string;
  externalId?: string;
  body?: string;
  file?: string;
  heartbeat?: boolean;
};

/** The success body `--body` or `--file` give (`--file -`: standard input); undefined for the default one. */
async function answerBody(flags: RespondFlags): Promise<string | undefined> {
  const given = [flags.body !== undefined && '--body', flags.file !== undefined && '--file', flags.failure !== undefined && '--failure', flags.heartbeat && '--heartbeat'].filter(Boolean);
  if (given.length > 1) throw new UsageError(`${given.join(' and ')} cannot be combined: give one answer`);
  if (flags.body !== undefined) return flags.body;
  if (flags.file === undefined) return undefined;
  const { readFileSync } = await import('node:fs');
  try {
    return readFileSync(flags.file === '-' ? 0 : flags.file, 'utf8');
  } catch (error) {
    throw new UsageError(`--file ${flags.file}: cannot read it (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** The bucket to answer in: a local run's (`--endpoint`, `--bucket`), `--bucket` as given, or the deployment's. */
async function answerTarget(flags: RespondFlags, id: string): Promise<{ s3: S3Client; bucket: string; executionId: string }> {
  if (flags.externalId !== undefined && flags.roleArn === undefined) throw new UsageError('--external-id needs --role-arn');
  if (flags.endpoint === undefined) {
    const { commandContext, findDeployment } = await import('./cli/context');
    const { assumeRoleOptions, createAwsClients } = await import('./lib/core/aws');
    const context = await commandContext(flags);
    const { clients, config } = context;
    const deployment = await findDeployment(context);
    const bucket = flags.bucket ?? deployment.bucket;
    // The execution's name is a UUID too: an id without an outbound folder is looked up as a name.
    const { answerId } = await import('./lib/workflow/resolve-execution');
    const executionId = await answerId({ s3: clients.s3, sfn: clients.sfn, bucket, stateMachineArn: deployment.stateMachineArn, id });
    if (flags.roleArn === undefined) return { s3: clients.s3, bucket, executionId };
    const role = { roleArn: flags.roleArn, ...(flags.externalId !== undefined ? { externalId: flags.externalId } : {}) };
    const options = assumeRoleOptions({ region: config.region, ...(config.profile !== undefined ? { profile: config.profile } : {}) }, role);
    return { s3: createAwsClients(options).s3, bucket, executionId };
  }
  if (!flags.bucket) throw new UsageError('--endpoint needs --bucket (the local run prints both)');
  const { checkEndpoint } = await import('./lib/core/aws');
  const { localS3Client } = await import('./lib/local/s3-backend');
  checkEndpoint('--endpoint', flags.endpoint);
  return { s3: localS3Client(flags.endpoint, flags.region ?? 'us-east-1'), bucket: flags.bucket, executionId: id };
}

/** `bellflower respond`. */
export const command: BellflowerCommand<RespondFlags> = {
  name: 'respond',
  options: (command) =>
    withEnvironmentOptions(
    command
      .description('Answer a waiting execution as the business application (success.json, failure.json or heartbeat.json)')
      .argument('<execution-id>', 'the execution id (UUID) shown by start-execution or the local run, or the execution name'),
  )
    .option('--body <json>', 'the JSON of success.json (kept as the execution\'s $.response); default {"status":"Response Received"}')
    .option('--file <path>', 'read the JSON of success.json from a file (- for standard input)')
    .option('--heartbeat', 'write heartbeat.json: the wait\'s heartbeat timer starts again, the execution keeps waiting')
    .option('--failure <reason>', 'answer failure.json with this cause instead of success.json')
    .option('--error <code>', 'error code of a failure answer', 'BusinessApplicationFailure')
    .option('--endpoint <url>', 'S3 endpoint of a local run (static local credentials, region us-east-1 unless --region); needs --bucket')
    .option('--bucket <name>', 'integration bucket, used as is (default: from the root stack outputs)')
    .option('--role-arn <arn>', 'act as the business application: assume this role (output BellflowerBusinessApplicationRoleArn)')
    .option('--external-id <id>', 'external id to pass when assuming --role-arn (BusinessApplicationExternalId)'),
  run: async ({ flags, args: [executionId] }) => {
    const { isExecutionId } = await import('../handlers/shared/execution-id');
    // A bad id is refused before any credentials or endpoint are looked at.
    if (!isExecutionId(executionId)) throw new UsageError(`"${executionId}" is not an execution id (a UUID such as 2f1c9a8e-3b7d-4e21-9c55-0d6a1b2c3d4e)`);
    const body = await answerBody(flags);
    const { checkAnswerBody, respond } = await import('./lib/workflow/execution');
    // A bad body is refused before any credentials are looked at.
    if (body !== undefined) checkAnswerBody(body, flags.body !== undefined ? '--body' : `--file ${flags.file}`);
    const { s3, bucket, executionId: answered } = await answerTarget(flags, executionId);
    const failure = flags.failure !== undefined ? { cause: flags.failure, error: flags.error } : undefined;
    const key = await respond({ s3, bucket, executionId: answered, failure, ...(body !== undefined ? { body } : {}), ...(flags.heartbeat ? { heartbeat: true } : {}) });
    console.log(`wrote s3://${bucket}/${key}`);
  },
};

