/**
 * Publish + deploy + destroy of the cross stack against moto's CloudFormation (change sets, IAM
 * roles, Lambda functions from code in moto's S3). The root stack cannot run on moto 5 (no GetAtt
 * of nested-stack outputs, custom resources never answer): see stacks.test.ts (aws-sdk-client-mock) for it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListChangeSetsCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { TEMPLATE_PATHS } from '../../../templates/layout';
import type { MotoServer } from '../../../test/support/moto';
import { requireTool } from '../../../test/support/tools';
import type { AwsClients } from '../core/aws';
import type { BellflowerConfig } from '../core/config';
import { PreflightError } from '../core/errors';
import { deploy } from './deploy';
import { checkRootParameters, effectiveParameters } from './preflight';
import { destroy } from './destroy';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { publish, publishOptions } from './publish';
import { recordingReporter } from '../../../test/support/reporter';
import { describeStack } from './stacks';
import { fakeCrossTemplate, writeFakeBuild } from '../../../test/support/fake-build';
import { startMotoEnvironment } from '../../../test/support/moto-environment';

describe.runIf(requireTool('moto_server'))('deploy against moto (cross stack)', () => {
  let moto: MotoServer;
  let clients: AwsClients;
  let config: BellflowerConfig;
  let distDir: string;
  beforeAll(async () => {
    ({ moto, clients, config } = await startMotoEnvironment({ parameters: { LambdaLogLevel: 'DEBUG' } }));
    distDir = writeFakeBuild();
  });
  afterAll(async () => {
    await moto?.stop();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });
  const publishBuild = () => publish(publishOptions({ config, clients, distDir, tlsOnlyPolicy: false }));
  const stackNames = async () =>
    ((await clients.cloudFormation.send(new ListStacksCommand({}))).StackSummaries ?? [])
      .filter((summary) => summary.StackStatus !== 'DELETE_COMPLETE')
      .map((summary) => summary.StackName);

  it('rejects a failed preflight (unpublished build, wrong alias) before creating anything', async () => {
    const problems = await deploy({ config: { ...config, kmsKeyAlias: 'not-the-alias' }, clients, distDir }).catch(
      (error: unknown) => (error as PreflightError).problems,
    );
    expect(problems).toEqual([
      `KMS alias alias/not-the-alias does not point at key ${config.kmsKeyId} (its aliases: alias/bellflower-devl)`,
      expect.stringMatching(/^no publish manifest for devl at .*manifests\/devl\.json: run `bellflower publish --env devl` first$/),
    ]);
    expect(await stackNames()).toEqual([]);
  });

  it('creates the cross stack through a change set, then reports "no changes", then destroys it', async () => {
    await publishBuild();
    const reporter = recordingReporter();
    const first = await deploy({ config, clients, distDir, reporter, crossOnly: true, pollSeconds: 0.2 });
    expect(first.cross.action).toBe('created');
    const stack = await describeStack(clients.cloudFormation, config.crossStackName);
    expect(stack?.StackStatus).toBe('CREATE_COMPLETE');
    expect(stack?.Tags).toEqual(expect.arrayContaining([{ Key: 'ProjectName', Value: 'bellflower' }, { Key: 'Environment', Value: 'devl' }]));
    expect(Object.fromEntries((stack?.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]))).toMatchObject({
      Environment: 'devl',
      KmsMasterKeyId: config.kmsKeyId,
      LambdaFunctionCodeBucket: 'bellflower-artifacts',
      S3CreateFolderLambdaFunctionCodeKey: expect.stringMatching(/^bellflower\/code\/s3_folders_lambda-[0-9a-f]{16}\.zip$/),
      LambdaLogLevel: 'DEBUG',
    });
    expect(reporter.lines).toContain(`  ${config.crossStackName} CREATE_COMPLETE`);

    const again = await deploy({ config, clients, distDir, reporter, crossOnly: true, pollSeconds: 0.2 });
    expect(again.cross.action).toBe('no-changes');
    expect(reporter.lines).toContain(`${config.crossStackName}: no changes`);
    const changeSets = await clients.cloudFormation.send(new ListChangeSetsCommand({ StackName: config.crossStackName }));
    // Moto keeps executed change sets listed; none may be left waiting (the empty one was deleted).
    expect((changeSets.Summaries ?? []).filter((summary) => summary.ExecutionStatus !== 'EXECUTE_COMPLETE')).toEqual([]);

    await destroy({ config, clients, pollSeconds: 0.2 });
    expect(await stackNames()).toEqual([]);
  });

  it('rejects a callback queue whose VisibilityTimeout is under 6 times LambdaFunctionTimeoutSecs, creating nothing', async () => {
    await publishBuild();
    const shortQueue = { ...config, parameters: { ...config.parameters, VisibilityTimeout: '300' } };
    const problems = await deploy({ config: shortQueue, clients, distDir }).catch((error: unknown) => (error as PreflightError).problems);
    expect(problems).toEqual([
      "VisibilityTimeout 300 s of the callback queue is less than 6 times LambdaFunctionTimeoutSecs 300 s (AWS's recommendation for a Lambda event source, so that throttled messages are retried, not dead-lettered): pass --parameter VisibilityTimeout=1800 or more, or lower LambdaFunctionTimeoutSecs",
    ]);
    expect(await stackNames()).toEqual([]);
    // Overrides win over the template defaults; a shorter Lambda timeout makes the same queue valid.
    const effective = effectiveParameters({ VisibilityTimeout: { Default: 300 }, LambdaFunctionTimeoutSecs: { Default: 300 } }, { LambdaFunctionTimeoutSecs: '50' });
    expect(effective).toEqual({ VisibilityTimeout: '300', LambdaFunctionTimeoutSecs: '50' });
    expect(checkRootParameters(config, effective)).toEqual([]);
  });

  it('rejects values outside the template\'s declared constraints and bucket names S3 refuses, creating nothing', async () => {
    await publishBuild();
    const bad = { ...config, parameters: { ...config.parameters, LambdaFunctionMemory: '99999', S3IntegrationBucketName: 'xn--exchange' } };
    const problems = await deploy({ config: bad, clients, distDir }).catch((error: unknown) => (error as PreflightError).problems);
    expect(problems).toEqual([
      'parameter LambdaFunctionMemory = "99999" is above the maximum 10240',
      'the integration bucket (S3IntegrationBucketName) "xn--exchange-devl-us-east-1" must not start with "xn--" (S3 bucket naming rules)',
    ]);
    expect(await stackNames()).toEqual([]);
  });

  it('rejects a key whose policy lacks the CloudWatch and log-delivery statements (alarms on), printing the statements to add, and creates nothing', async () => {
    await publishBuild();
    // moto's default key policy: the account root only, as a hand-made key often has.
    const { KeyMetadata: key } = await clients.kms.send(new CreateKeyCommand({}));
    await clients.kms.send(new CreateAliasCommand({ AliasName: 'alias/bellflower-handmade', TargetKeyId: key!.KeyId! }));
    const handMade = { ...config, kmsKeyId: key!.KeyId!, kmsKeyAlias: 'bellflower-handmade' };
    const problems = await deploy({ config: handMade, clients, distDir }).catch((error: unknown) => (error as PreflightError).problems);
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(`^the key policy of KMS key ${key!.KeyId} has no statement for cloudwatch\\.amazonaws\\.com: .*add this statement .*"Principal":\\{"Service":"cloudwatch\\.amazonaws\\.com"\\}`),
      ),
      expect.stringMatching(
        new RegExp(`^the key policy of KMS key ${key!.KeyId} has no statement for delivery\\.logs\\.amazonaws\\.com: .*add this statement .*"Principal":\\{"Service":"delivery\\.logs\\.amazonaws\\.com"\\}`),
      ),
    ]);
    expect(await stackNames()).toEqual([]);
  });

  it('rejects fewer than 5 receives before the dead-letter queue, and exchange files expiring before the callback wait ends', () => {
    expect(checkRootParameters(config, { MaxReceiveCount: '3', S3ObjectExpirationInDays: '30' })).toEqual([
      'MaxReceiveCount 3 moves a callback message to the dead-letter queue after fewer than 5 receives (throttling alone can do that): pass --parameter MaxReceiveCount=5 or more',
    ]);
    const longWait = { ...config, callbackTimeoutSeconds: 10 * 86_400 };
    expect(checkRootParameters(longWait, { MaxReceiveCount: '5', S3ObjectExpirationInDays: '10' })).toEqual([
      'S3ObjectExpirationInDays 10 would expire task tokens and answers before the callback wait of 864000 s ends: pass --parameter S3ObjectExpirationInDays=11 or more, or shorten callbackTimeoutSeconds',
    ]);
    expect(checkRootParameters(longWait, { MaxReceiveCount: '5', S3ObjectExpirationInDays: '11' })).toEqual([]);
  });

  it('rejects a callbackTimeoutSeconds outside 1..31536000, creating nothing', async () => {
    await publishBuild();
    for (const callbackTimeoutSeconds of [0, 31_536_001]) {
      const problems = await deploy({ config: { ...config, callbackTimeoutSeconds }, clients, distDir }).catch(
        (error: unknown) => (error as PreflightError).problems,
      );
      expect(problems).toEqual([
        `callbackTimeoutSeconds ${callbackTimeoutSeconds} in config/devl.json is not a whole number of seconds within 1..31536000 (Step Functions' limit): set it in that range or remove it (default 86400)`,
      ]);
    }
    expect(await stackNames()).toEqual([]);
  });

  it('fails a broken template with the reason CloudFormation gives', async () => {
    const broken = fakeCrossTemplate({ roleName: 'broken-role' });
    (broken.Resources as Record<string, { Properties: Record<string, unknown> }>).FolderFunction!.Properties.Role = {
      'Fn::ImportValue': 'no-such-export',
    };
    writeFileSync(join(distDir, TEMPLATE_PATHS.cross), stringify(broken));
    await publishBuild();
    await expect(
      deploy({ config: { ...config, crossStackName: 'broken-cross' }, clients, distDir, crossOnly: true, pollSeconds: 0.2 }),
    ).rejects.toThrow('deploy of broken-cross failed: No export named no-such-export found.');
  });
});
