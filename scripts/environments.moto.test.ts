/**
 * Environments, execution role and stack tags as a user gives them to the `bellflower` binary,
 * against the emulator on 127.0.0.1 (moto with the patches that make it keep the tags of an
 * update and honour termination protection, as CloudFormation does): any configured environment name (`--env staging`), production-ness
 * from the configuration (approval of every change, termination protection), `--role-arn` (and its
 * earlier name `--cfn-role-arn`), `--tags` kept by later deploys until `--reset-tag`.
 */
import { DescribeStacksCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateAliasCommand } from '@aws-sdk/client-kms';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bellflower, emulatorEnvironment, type Result } from '../test/support/bellflower-cli';
import { writeFakeBuild } from '../test/support/fake-build';
import { requireTool } from '../test/support/tools';
import { createAwsClients, type AwsClients } from './lib/core/aws';
import { EMULATOR_CREDENTIALS, startEmulator, type RunningEmulator } from './lib/emulator/emulator';
import { loadConfig } from './lib/core/config';
import { publish, publishOptions } from './lib/deployment/publish';

const lastLine = (result: Result): string => result.stderr.trim().split('\n').at(-1) ?? '';

const KMS_KEY_ID = 'b311f10e-0000-4000-8000-0000000000e1';

describe.runIf(requireTool('moto_server'))('bellflower environments, --role-arn and --tags on the emulator', () => {
  let emulator: RunningEmulator;
  let clients: AwsClients;
  let work: string;
  let fakeDist: string;
  let env: NodeJS.ProcessEnv;
  const configDir = () => join(work, 'config');
  const paths = () => ['--config-dir', configDir(), '--dist', fakeDist];
  const deploy = (args: readonly string[]) => bellflower(['deploy', '--no-source-check', ...args, ...paths()], env);
  const stack = async (name: string) => (await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
  const tagsOf = async (name: string) => Object.fromEntries(((await stack(name)).Tags ?? []).map((tag) => [tag.Key, tag.Value]));

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, region: 'us-east-1', kmsKeyId: KMS_KEY_ID, kmsKeyAlias: 'bellflower-emulator' });
    clients = createAwsClients({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: EMULATOR_CREDENTIALS });
    work = mkdtempSync(join(tmpdir(), 'bellflower-environments-'));
    mkdirSync(configDir());
    const kmsKeyId = KMS_KEY_ID;
    fakeDist = writeFakeBuild();
    // Two environments none of whose names the project ships: one for development, one production.
    const files = {
      staging: { tags: { CostCenter: '4711' } },
      live: { production: true },
    };
    for (const [name, fields] of Object.entries(files)) {
      await clients.kms.send(new CreateAliasCommand({ AliasName: `alias/bellflower-${name}`, TargetKeyId: kmsKeyId }));
      const file = { artifactBucket: `bellflower-artifacts-${name}`, kmsKeyAlias: `bellflower-${name}`, kmsKeyId, subscriptionEmail: 'ops@bellflower.test', ...fields };
      writeFileSync(join(configDir(), `${name}.json`), JSON.stringify(file));
      const config = loadConfig({ env: name, configDir: configDir(), region: 'us-east-1', processEnv: {} });
      await publish(publishOptions({ config, clients, distDir: fakeDist, tlsOnlyPolicy: false }));
    }
    env = emulatorEnvironment(work, emulator.endpoint);
  });
  afterAll(async () => {
    await emulator?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    if (fakeDist) rmSync(fakeDist, { recursive: true, force: true });
  });

  it('rejects an environment without a configuration file, listing the configured ones and how to add it, before any AWS call', async () => {
    const result = await bellflower(['diff', '--env', 'qa', ...paths()], env);

    expect(result.code).toBe(1);
    expect(lastLine(result)).toBe(
      `diff: --env qa: no ${join(configDir(), 'qa.json')}; configured: live, staging. To add qa, copy one (cp ${join(configDir(), 'live.json')} ${join(configDir(), 'qa.json')}) and edit it, then run bellflower bootstrap --env qa`,
    );
    expect(result.stderr).not.toContain('AWS account');
  });

  it('rejects what cannot be an environment name, a role that is not a role ARN, and both names of --role-arn, as usage errors', async () => {
    const results = await Promise.all([
      bellflower(['deploy', '--env', 'staging_eu', ...paths()], env),
      bellflower(['deploy', '--env', 'staging', '--role-arn', 'bellflower-cfn', ...paths()], env),
      bellflower(['deploy', '--env', 'staging', '--role-arn', 'none', '--cfn-role-arn', 'none', ...paths()], env),
    ]);

    expect(results.map((result) => result.code)).toEqual([2, 2, 2]);
    expect(results[0]!.stderr).toContain('--env "staging_eu" is not an environment name: 1 to 8 lowercase letters, digits and single hyphens, starting with a letter');
    expect(results[1]!.stderr).toContain('--role-arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>) or none, got "bellflower-cfn"');
    expect(results[2]!.stderr).toContain("option '--cfn-role-arn <arn|none>' cannot be used with option '--role-arn <arn|none>'");
  });

  it('rejects a physical name over its AWS limit in the environment\'s region, naming the fix, before any AWS call (deploy, publish, diff, validate)', async () => {
    // Nothing listens there: a command that asked AWS anything would fail with another message.
    const offline = { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:1' };
    const commands = ['deploy', 'publish', 'diff', 'validate'];
    const results = await Promise.all(commands.map((command) => bellflower([command, '--env', 'staging', '--region', 'us-isof-south-1', ...(command === 'validate' ? ['--config-dir', configDir()] : paths())], offline)));

    const problem = `the IAM role name "bellflower-lambda-function-execution-role-staging-us-isof-south-1" (BellflowerLambdaExecutionRole of the BellflowerIAMRole stack) is 65 characters, over AWS's limit of 64`;
    for (const [index, result] of results.entries()) {
      expect(result.code, `${commands[index]}: ${result.stderr}`).toBe(1);
      expect(`${result.stdout}${result.stderr}`, commands[index]).toContain(problem);
      expect(`${result.stdout}${result.stderr}`, commands[index]).toContain(`shorten the environment name "staging" to at most 6 characters`);
      expect(`${result.stdout}${result.stderr}`, commands[index]).not.toMatch(/ECONNREFUSED|credentials|AWS account/);
    }
  });

  it('rejects tags CloudFormation refuses before any AWS call (deploy --tags)', async () => {
    const result = await deploy(['--env', 'staging', '--tags', 'aws:owner=me']);

    expect(result.code).toBe(1);
    expect(lastLine(result)).toBe(`deploy: tag key "aws:owner" must not start with "aws:" (reserved for AWS) (--tags / "tags" in ${join(configDir(), 'staging.json')})`);
    expect(result.stderr).not.toContain('AWS account');
  });

  it('shows what a deploy of an environment of any configured name would change (diff --env staging)', async () => {
    const result = await bellflower(['diff', '--env', 'staging', '--json', ...paths()], env);

    expect(result.code, result.stderr).toBe(0);
    const diff = JSON.parse(result.stdout) as { hasChanges: boolean; stacks: { stackName: string; status: string }[] };
    expect(diff.hasChanges).toBe(true);
    expect(diff.stacks.map((stack) => stack.stackName)).toEqual(['bellflower-s3-custom-resource-stack-staging', 'bellflower-root-stack-staging']);
  });

  it('deploys an environment of any configured name with the configuration\'s and --tags\' stack tags, as the caller (--role-arn none)', async () => {
    const result = await deploy(['--env', 'staging', '--require-approval', 'never', '--role-arn', 'none', '--tags', 'Team=payments', 'Owner=ops@bellflower.test']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("CloudFormation acts with the caller's credentials");
    const cross = await stack('bellflower-s3-custom-resource-stack-staging');
    expect(cross.StackStatus).toBe('CREATE_COMPLETE');
    expect(cross.Parameters).toEqual(expect.arrayContaining([{ ParameterKey: 'Environment', ParameterValue: 'staging' }]));
    expect(await tagsOf('bellflower-s3-custom-resource-stack-staging')).toEqual({
      ProjectName: 'bellflower',
      Environment: 'staging',
      CostCenter: '4711',
      Team: 'payments',
      Owner: 'ops@bellflower.test',
    });
    // Not a production environment: the stack can be deleted without first lifting a protection.
    expect(cross.EnableTerminationProtection ?? false).toBe(false);
  });

  it('keeps a tag given once on the next deploy, says so, and removes it with --reset-tag (--cfn-role-arn still accepted)', async () => {
    const kept = await deploy(['--env', 'staging', '--require-approval', 'never', '--cfn-role-arn', 'none', '--parameter', 'LambdaLogLevel=DEBUG']);

    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stderr).toContain('bellflower-s3-custom-resource-stack-staging: tag Team=payments kept from the last deploy (--reset-tag Team removes it)');
    expect(await tagsOf('bellflower-s3-custom-resource-stack-staging')).toMatchObject({ Team: 'payments', Owner: 'ops@bellflower.test', CostCenter: '4711' });

    const reset = await deploy(['--env', 'staging', '--require-approval', 'never', '--role-arn', 'none', '--parameter', 'LambdaLogLevel=WARN', '--reset-tag', 'Team']);

    expect(reset.code, reset.stderr).toBe(0);
    const tags = await tagsOf('bellflower-s3-custom-resource-stack-staging');
    expect(tags).not.toHaveProperty('Team');
    expect(tags).toMatchObject({ Owner: 'ops@bellflower.test', CostCenter: '4711', Environment: 'staging' });
  });

  it('asks about every change of a production environment, whatever its name, and refuses without a terminal', async () => {
    const result = await deploy(['--env', 'live', '--role-arn', 'none']);

    expect(result.code).toBe(1);
    expect(lastLine(result)).toMatch(
      new RegExp(
        `^deploy: bellflower-s3-custom-resource-stack-live: \\d+ change\\(s\\) \\("production": true in ${join(configDir(), 'live.json')}: every change is asked about\\) need approval and there is no terminal to ask; .*change set deleted, nothing changed$`,
      ),
    );
    const stacks = (await clients.cloudFormation.send(new ListStacksCommand({}))).StackSummaries ?? [];
    expect(stacks.filter((summary) => summary.StackName === 'bellflower-s3-custom-resource-stack-live' && summary.StackStatus !== 'DELETE_COMPLETE')).toEqual([]);
  });

  it('turns on termination protection for a production environment once deployed', async () => {
    const result = await deploy(['--env', 'live', '--role-arn', 'none', '--require-approval', 'never']);

    expect(result.code, result.stderr).toBe(0);
    const cross = await stack('bellflower-s3-custom-resource-stack-live');
    expect(cross.StackStatus).toBe('CREATE_COMPLETE');
    expect(cross.EnableTerminationProtection).toBe(true);
  });
});
