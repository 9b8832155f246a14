/**
 * `npm run bootstrap` against moto: from an empty account and the shipped (unedited) example
 * configuration to a key, alias and bucket recorded in `<env>.local.json`, then publish and deploy
 * of the cross stack with no hand edit; a second run changes nothing; existing resources are
 * adopted and left as they were; destroy --bootstrap removes it all.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, ListAliasesCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetBucketEncryptionCommand, HeadBucketCommand, PutBucketEncryptionCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keyPolicy } from '../../../templates/iam-contract';
import { startMoto, type MotoServer } from '../../../test/support/moto';
import { MOTO_ACCOUNT } from '../../../test/support/moto-iam';
import { requireTool } from '../../../test/support/tools';
import { createAwsClients, type AwsClients } from '../core/aws';
import { bootstrap, BootstrapError, bootstrapResources, bootstrapStackName, defaultArtifactBucket, planBootstrap } from './bootstrap';
import { exampleFields, loadConfig, localConfigPath } from '../core/config';
import { DEFAULT_CONFIG_DIR } from '../core/paths';
import { deploy } from './deploy';
import { diffBootstrap } from './diff';
import { destroy } from './destroy';
import { publish, publishOptions } from './publish';
import { recordingReporter } from '../../../test/support/reporter';
import { writeFakeBuild } from '../../../test/support/fake-build';

const EMAIL = 'ops@bellflower.test';
const polling = { pollSeconds: 0.2 };

describe.runIf(requireTool('moto_server'))('bootstrap against moto', () => {
  let moto: MotoServer;
  let clients: AwsClients;
  let configDir: string;
  let distDir: string;
  beforeAll(async () => {
    moto = await startMoto();
    clients = createAwsClients({ ...moto.clientConfig });
    distDir = writeFakeBuild();
  });
  afterAll(async () => {
    await moto?.stop();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });
  /** A fresh config folder holding the shipped, unedited config/devl.json, and an empty account. */
  const freshStart = async () => {
    await moto.reset();
    configDir = mkdtempSync(join(tmpdir(), 'bellflower-bootstrap-config-'));
    copyFileSync(join(DEFAULT_CONFIG_DIR, 'devl.json'), join(configDir, 'devl.json'));
  };
  afterEach(() => rmSync(configDir, { recursive: true, force: true }));
  const config = () => ({ ...loadConfig({ env: 'devl', configDir }), subscriptionEmail: EMAIL });
  const recordLocal = (fields: Record<string, unknown>) => writeFileSync(localConfigPath('devl', configDir), JSON.stringify(fields));
  const run = (extra: Partial<Parameters<typeof bootstrap>[0]> = {}) =>
    bootstrap({ config: config(), clients, configDir, reporter: recordingReporter(), record: { subscriptionEmail: EMAIL }, ...polling, ...extra });
  const liveStacks = async () =>
    ((await clients.cloudFormation.send(new ListStacksCommand({}))).StackSummaries ?? [])
      .filter((s) => s.StackStatus !== 'DELETE_COMPLETE')
      .map((s) => s.StackName)
      .sort();

  it('creates key, alias and bucket from an empty account, records them so that publish and deploy run unedited, changes nothing the second time, and destroy --bootstrap removes it all', async () => {
    await freshStart();
    expect((await diffBootstrap({ config: config(), clients, ...polling })).status).toBe('new');
    const first = await run();
    const bucket = defaultArtifactBucket(MOTO_ACCOUNT, 'us-east-1', 'devl');
    expect(first.plan).toMatchObject({ key: { origin: 'new' }, alias: { origin: 'new', name: 'bellflower-devl' }, bucket: { origin: 'new', name: bucket } });
    expect(first.stack?.action).toBe('created');
    const keyId = first.recorded.kmsKeyId!;
    const roleArn = `arn:aws:iam::${MOTO_ACCOUNT}:role/bellflower-devl-us-east-1-cfn-exec`;
    expect(JSON.parse(readFileSync(localConfigPath('devl', configDir), 'utf8'))).toEqual({
      region: 'us-east-1',
      artifactBucket: bucket,
      kmsKeyAlias: 'bellflower-devl',
      kmsKeyId: keyId,
      cfnExecutionRoleArn: roleArn,
      subscriptionEmail: EMAIL,
    });
    // The loader merges the local file over the shipped example: nothing left for deploy's preflight to refuse.
    const merged = loadConfig({ env: 'devl', configDir });
    expect(exampleFields(merged)).toEqual([]);
    expect(merged).toMatchObject({ artifactBucket: bucket, kmsKeyId: keyId, cfnExecutionRoleArn: roleArn, subscriptionEmail: EMAIL });

    const { KeyMetadata: key } = await clients.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    expect(first.keyArn).toBe(key!.Arn);
    expect((await clients.kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled).toBe(true);
    const policy = await clients.kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }));
    expect(JSON.parse(policy.Policy!)).toEqual(keyPolicy({ accountId: MOTO_ACCOUNT, partition: 'aws' }));
    const aliases = await clients.kms.send(new ListAliasesCommand({ KeyId: keyId }));
    expect(aliases.Aliases?.map((a) => a.AliasName)).toEqual(['alias/bellflower-devl']);
    const encryption = await clients.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: key!.Arn,
    });

    const again = await run();
    expect(again.stack?.action).toBe('no-changes');
    expect(again.configChanged).toBe(false);
    expect(again.plan).toMatchObject({ key: { origin: 'stack', id: keyId }, alias: { origin: 'stack' }, bucket: { origin: 'stack', name: bucket } });
    expect(await diffBootstrap({ config: merged, clients, ...polling })).toMatchObject({ stackName: bootstrapStackName('devl'), status: 'unchanged', changes: [] });

    await publish(publishOptions({ config: merged, clients, distDir, tlsOnlyPolicy: false }));
    const deployed = await deploy({ config: merged, clients, distDir, crossOnly: true, ...polling });
    expect(deployed.cross.action).toBe('created');

    const reporter = recordingReporter();
    const destroyed = await destroy({ config: merged, clients, configDir, bootstrap: true, reporter, ...polling });
    expect(destroyed.deletedStacks).toEqual([merged.crossStackName, bootstrapStackName('devl')]);
    expect(destroyed.deletedObjects).toBeGreaterThan(10);
    expect(await liveStacks()).toEqual([]);
    await expect(clients.s3.send(new HeadBucketCommand({ Bucket: bucket }))).rejects.toThrow();
    // Moto deletes the key at once; AWS schedules it for deletion after the key's 30-day window.
    expect(reporter.lines).toContain(`KMS key ${keyId}: deleted`);
    expect(JSON.parse(readFileSync(localConfigPath('devl', configDir), 'utf8'))).toEqual({
      region: 'us-east-1',
      kmsKeyAlias: 'bellflower-devl',
      subscriptionEmail: EMAIL,
    });
  });

  it('adopts a configured key and an existing bucket untouched, creating only the missing alias, and says what they lack', async () => {
    await freshStart();
    const { KeyMetadata: key } = await clients.kms.send(new CreateKeyCommand({}));
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'team-artifacts' }));
    // What publish gave the buckets it created before bootstrap existed.
    await clients.s3.send(
      new PutBucketEncryptionCommand({ Bucket: 'team-artifacts', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }),
    );
    recordLocal({ kmsKeyId: key!.KeyId, artifactBucket: 'team-artifacts' });

    const result = await run();
    expect(result.plan).toMatchObject({ key: { origin: 'existing', id: key!.KeyId }, alias: { origin: 'new' }, bucket: { origin: 'existing', name: 'team-artifacts' } });
    expect(result.stack?.action).toBe('created');
    expect(result.recorded).toMatchObject({ kmsKeyId: key!.KeyId, artifactBucket: 'team-artifacts' });
    expect((await clients.kms.send(new ListAliasesCommand({ KeyId: key!.KeyId }))).Aliases?.map((a) => a.AliasName)).toEqual(['alias/bellflower-devl']);
    expect(result.warnings).toEqual([
      `KMS key ${key!.KeyId} has automatic rotation off (aws kms enable-key-rotation --key-id ${key!.KeyId})`,
      expect.stringMatching(
        new RegExp(
          `^the key policy of KMS key ${key!.KeyId} has no statement for cloudwatch.amazonaws.com: alarms cannot notify the encrypted topic; add this statement \\(aws kms put-key-policy --key-id ${key!.KeyId} --policy-name default \\.\\.\\.\\): \\{"Sid":"AllowCloudWatchAlarmsToNotifyTheEncryptedTopic"`,
        ),
      ),
      expect.stringMatching(new RegExp(`^the key policy of KMS key ${key!.KeyId} has no statement for delivery.logs.amazonaws.com: .*\\{"Sid":"AllowLogDeliveryOfTheEncryptedStateMachine"`)),
      `bucket team-artifacts encrypts with AES256, not SSE-KMS with ${key!.Arn}`,
    ]);
    // Untouched: rotation still off, no policy or encryption change.
    expect((await clients.kms.send(new GetKeyRotationStatusCommand({ KeyId: key!.KeyId }))).KeyRotationEnabled).toBe(false);

    expect((await run()).stack?.action).toBe('no-changes');
    // Deleting the bootstrap stack removes the alias it made, never the adopted key or bucket.
    await destroy({ config: config(), clients, configDir, bootstrap: true, ...polling });
    expect((await clients.kms.send(new DescribeKeyCommand({ KeyId: key!.KeyId }))).KeyMetadata?.KeyState).toBe('Enabled');
    await clients.s3.send(new HeadBucketCommand({ Bucket: 'team-artifacts' }));
    expect(JSON.parse(readFileSync(localConfigPath('devl', configDir), 'utf8'))).toMatchObject({ kmsKeyId: key!.KeyId, artifactBucket: 'team-artifacts' });
  });

  it('adopts the key an existing alias points at, and deploys only the execution role when key, alias and bucket all exist', async () => {
    await freshStart();
    const { KeyMetadata: key } = await clients.kms.send(new CreateKeyCommand({}));
    await clients.kms.send(new CreateAliasCommand({ AliasName: 'alias/bellflower-devl', TargetKeyId: key!.KeyId }));
    const byAlias = await run({ bucket: 'given-artifacts' });
    expect(byAlias.plan).toMatchObject({ key: { origin: 'existing', id: key!.KeyId }, alias: { origin: 'existing' }, bucket: { origin: 'new', name: 'given-artifacts' } });
    expect(byAlias.recorded.kmsKeyId).toBe(key!.KeyId);

    await freshStart();
    const { KeyMetadata: other } = await clients.kms.send(new CreateKeyCommand({}));
    await clients.kms.send(new CreateAliasCommand({ AliasName: 'alias/bellflower-devl', TargetKeyId: other!.KeyId }));
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'team-artifacts' }));
    const reporter = recordingReporter();
    const roleOnly = await run({ bucket: 'team-artifacts', reporter });
    expect(roleOnly.stack.action).toBe('created');
    expect(await bootstrapResources(clients.cloudFormation, bootstrapStackName('devl'))).toEqual({ role: 'bellflower-devl-us-east-1-cfn-exec' });
    expect(roleOnly.recorded.cfnExecutionRoleArn).toBe(`arn:aws:iam::${MOTO_ACCOUNT}:role/bellflower-devl-us-east-1-cfn-exec`);
    expect(existsSync(localConfigPath('devl', configDir))).toBe(true);
  });

  it('rejects an alias that points at another key than the configured one, a missing, disabled or deleted key and a bucket in another region, creating nothing', async () => {
    await freshStart();
    const { KeyMetadata: a } = await clients.kms.send(new CreateKeyCommand({}));
    const { KeyMetadata: b } = await clients.kms.send(new CreateKeyCommand({}));
    await clients.kms.send(new CreateAliasCommand({ AliasName: 'alias/bellflower-devl', TargetKeyId: b!.KeyId }));
    const plan = (local: Record<string, unknown>, bucket?: string) => {
      recordLocal(local);
      return planBootstrap({ config: config(), clients, account: MOTO_ACCOUNT, ...(bucket ? { bucket } : {}) });
    };

    await expect(plan({ kmsKeyId: a!.KeyId })).rejects.toThrow(
      new BootstrapError(`alias/bellflower-devl points at KMS key ${b!.KeyId}, not at ${a!.KeyId}: set "kmsKeyAlias" to another name, or "kmsKeyId" to ${b!.KeyId}`),
    );
    const missing = '11111111-2222-3333-4444-555555555555';
    await expect(plan({ kmsKeyId: missing })).rejects.toThrow(
      `the configuration names KMS key ${missing}, which does not exist in us-east-1: remove "kmsKeyId" from ${join(configDir, 'devl.json')} and ${join(configDir, 'devl.local.json')} to have bootstrap create one`,
    );
    const { KeyMetadata: disabled } = await clients.kms.send(new CreateKeyCommand({}));
    await clients.kms.send(new DisableKeyCommand({ KeyId: disabled!.KeyId }));
    await expect(plan({ kmsKeyId: disabled!.KeyId, kmsKeyAlias: 'other-alias' })).rejects.toThrow(
      `the configuration names KMS key ${disabled!.KeyId}, but KMS key ${disabled!.KeyId} is Disabled, not Enabled`,
    );
    await clients.kms.send(new ScheduleKeyDeletionCommand({ KeyId: a!.KeyId, PendingWindowInDays: 7 }));
    await expect(plan({ kmsKeyId: a!.KeyId, kmsKeyAlias: 'other-alias' })).rejects.toThrow(
      `the configuration names KMS key ${a!.KeyId}, but KMS key ${a!.KeyId} is pending deletion (keep it: aws kms cancel-key-deletion --key-id ${a!.KeyId}, then aws kms enable-key --key-id ${a!.KeyId})`,
    );
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'eu-artifacts', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    await expect(plan({ kmsKeyAlias: 'other-alias' }, 'eu-artifacts')).rejects.toThrow(
      'bucket eu-artifacts is in eu-west-1, not us-east-1: pass --bucket <another name>',
    );
    expect(await liveStacks()).toEqual([]);
  });
});
