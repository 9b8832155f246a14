import { describe, expect, it } from 'vitest';
import { evaluateTemplate, SAMPLE } from '../test/support/deployment';
import { bootstrapKeyPolicy, KEY_PENDING_WINDOW_DAYS, NONCURRENT_VERSION_DAYS } from './bootstrap-stack';
import { bootstrapTemplate, deployerContract, deployerPolicy, executionRoleEntries } from '../scripts/lib/deployment/deployer-policy';
import { keyPolicy } from './iam-contract';
import { BOOTSTRAP_TEMPLATE_PATH } from './layout';
import { BOOTSTRAP } from './logical-ids';
import { parseYaml } from './yaml';

type Obj = Record<string, any>;
const { object, text } = bootstrapTemplate();
const resources = object.Resources as Record<string, Obj>;
const bucket = resources[BOOTSTRAP.bucket]!;
const KEY_ID = SAMPLE.kmsKeyId;
const EXISTING_KEY_ID = 'aaaabbbb-cccc-dddd-eeee-ffff00001111';
const base = {
  Environment: 'devl',
  KmsMasterKeyAlias: 'bellflower-devl',
  ArtifactBucketName: 'bellflower-artifacts-111122223333-eu-west-1-devl',
  RootStackName: SAMPLE.rootStackName,
  CrossStackName: SAMPLE.crossStackName,
};
const sample = SAMPLE;

describe('bootstrap stack', () => {
  it('matches its snapshot and parses back to the builder object', async () => {
    await expect(text).toMatchFileSnapshot(`__snapshots__/${BOOTSTRAP_TEMPLATE_PATH.split('/').pop()}`);
    expect(parseYaml(text)).toEqual(object);
  });

  it('creates a rotating key, its alias, the artifact bucket and its policy, each under its own condition, and the execution role always', () => {
    expect(Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, [r.Type, r.Condition]]))).toEqual({
      [BOOTSTRAP.key]: ['AWS::KMS::Key', 'CreateKey'],
      [BOOTSTRAP.alias]: ['AWS::KMS::Alias', 'CreateAlias'],
      [BOOTSTRAP.bucket]: ['AWS::S3::Bucket', 'CreateBucket'],
      [BOOTSTRAP.bucketPolicy]: ['AWS::S3::BucketPolicy', 'CreateBucket'],
      [BOOTSTRAP.cfnExecutionRole]: ['AWS::IAM::Role', undefined],
    });
    const key = resources[BOOTSTRAP.key]!;
    expect(key.Properties).toMatchObject({ EnableKeyRotation: true, KeySpec: 'SYMMETRIC_DEFAULT', PendingWindowInDays: KEY_PENDING_WINDOW_DAYS });
    // Deleting the stack schedules the key's deletion; a replacement keeps the old key.
    expect([key.DeletionPolicy, key.UpdateReplacePolicy]).toEqual(['Delete', 'Retain']);
  });

  it('locks the bucket down: SSE-KMS with the key ARN, versioned, owner enforced, no public access, TLS only', () => {
    const p = bucket.Properties;
    const rule = p.BucketEncryption.ServerSideEncryptionConfiguration[0];
    expect(rule).toEqual({
      ServerSideEncryptionByDefault: {
        SSEAlgorithm: 'aws:kms',
        KMSMasterKeyID: {
          'Fn::If': ['CreateKey', { 'Fn::GetAtt': [BOOTSTRAP.key, 'Arn'] }, { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${ExistingKmsKeyId}' }],
        },
      },
      BucketKeyEnabled: true,
    });
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(p.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(p.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    const statement = resources[BOOTSTRAP.bucketPolicy]!.Properties.PolicyDocument.Statement;
    expect(statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });

  it('expires replaced versions and incomplete uploads, never a current (content-addressed) artifact', () => {
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([
      {
        Id: 'expire-replaced-artifacts',
        Status: 'Enabled',
        NoncurrentVersionExpiration: { NoncurrentDays: NONCURRENT_VERSION_DAYS },
        ExpiredObjectDeleteMarker: true,
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ]);
    expect(JSON.stringify(bucket.Properties.LifecycleConfiguration)).not.toMatch(/ExpirationInDays|ExpirationDate|"Prefix"/);
  });

  it('uses the documented key policy: the account\'s IAM policies decide, CloudWatch alarms and log delivery of this account may use the key', () => {
    for (const [partition, accountId] of [['aws', '111122223333'], ['aws-cn', '444455556666']] as const) {
      const evaluated = evaluateTemplate('bootstrap', object, base, { ...sample, partition, accountId });
      expect(JSON.parse(evaluated.resources[BOOTSTRAP.key]!.properties.KeyPolicy)).toEqual(keyPolicy({ accountId, partition }));
    }
    const statements = (keyPolicy({ accountId: '1', partition: 'aws' }).Statement as Obj[]).map((s) => s.Principal);
    expect(statements).toEqual([{ AWS: 'arn:aws:iam::1:root' }, { Service: 'cloudwatch.amazonaws.com' }, { Service: 'delivery.logs.amazonaws.com' }]);
    expect(JSON.stringify(bootstrapKeyPolicy())).toContain('arn:${AWS::Partition}:iam::${AWS::AccountId}:root');
  });

  it('lets CloudFormation alone assume the execution role, for this account\'s root, nested and cross stacks only', () => {
    for (const [partition, accountId] of [['aws', '111122223333'], ['aws-cn', '444455556666']] as const) {
      const region = partition === 'aws' ? 'eu-west-1' : 'cn-north-1';
      const role = evaluateTemplate('bootstrap', object, base, { ...sample, partition, accountId, region }).resources[BOOTSTRAP.cfnExecutionRole]!.properties;
      expect(role.RoleName).toBe(`bellflower-devl-${region}-cfn-exec`);
      const stack = (name: string) => `arn:${partition}:cloudformation:${region}:${accountId}:stack/${name}/*`;
      expect(role.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'cloudformation.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEqualsIfExists: { 'aws:SourceAccount': accountId },
            ArnLikeIfExists: { 'aws:SourceArn': [stack(SAMPLE.rootStackName), stack(`${SAMPLE.rootStackName}-*`), stack(SAMPLE.crossStackName)] },
          },
        },
      ]);
      // Its one inline policy is the deployer contract's CloudFormation part for these targets, no more.
      const keyArn = `arn:${partition}:kms:${region}:${accountId}:key/${KEY_ID}`;
      const expected = deployerPolicy(
        executionRoleEntries(
          deployerContract({
            partition,
            region,
            accountId,
            urlSuffix: partition === 'aws' ? 'amazonaws.com' : 'amazonaws.com.cn',
            environment: 'devl',
            projectName: 'bellflower',
            artifactBucket: base.ArtifactBucketName,
            keyPrefix: 'bellflower',
            keyArn,
            rootStackName: SAMPLE.rootStackName,
            crossStackName: SAMPLE.crossStackName,
            bootstrapStackName: 'bellflower-bootstrap-devl',
          }),
        ),
      );
      expect(role.Policies).toHaveLength(1);
      expect(JSON.parse(role.Policies[0].PolicyDocument)).toEqual(expected);
      // IAM's limit on a role's inline policies together: 10,240 characters, white space not counted.
      expect(role.Policies[0].PolicyDocument.replace(/\s/g, '').length).toBeLessThan(10_240);
    }
  });

  it('outputs the created key, alias, bucket and execution role', () => {
    const evaluated = evaluateTemplate('bootstrap', object, base, sample);
    expect(Object.keys(evaluated.resources).sort()).toEqual([BOOTSTRAP.bucket, BOOTSTRAP.bucketPolicy, BOOTSTRAP.key, BOOTSTRAP.alias, BOOTSTRAP.cfnExecutionRole].sort());
    expect(evaluated.resources[BOOTSTRAP.alias]!.properties).toEqual({ AliasName: 'alias/bellflower-devl', TargetKeyId: KEY_ID });
    expect(evaluated.outputs).toEqual({
      [BOOTSTRAP.keyIdOutput]: KEY_ID,
      [BOOTSTRAP.keyArnOutput]: `arn:aws:kms:${SAMPLE.region}:${SAMPLE.accountId}:key/${KEY_ID}`,
      [BOOTSTRAP.aliasOutput]: 'bellflower-devl',
      [BOOTSTRAP.bucketNameOutput]: base.ArtifactBucketName,
      [BOOTSTRAP.cfnExecutionRoleArnOutput]: `arn:aws:iam::${SAMPLE.accountId}:role/bellflower-devl-${SAMPLE.region}-cfn-exec`,
    });
  });

  it('adopts an existing key (creating only its missing alias) and an existing bucket without touching them', () => {
    const evaluated = evaluateTemplate(
      'bootstrap',
      object,
      { ...base, ExistingKmsKeyId: EXISTING_KEY_ID, CreateArtifactBucket: 'false' },
      sample,
    );
    expect(Object.keys(evaluated.resources)).toEqual([BOOTSTRAP.alias, BOOTSTRAP.cfnExecutionRole]);
    expect(evaluated.resources[BOOTSTRAP.alias]!.properties.TargetKeyId).toBe(EXISTING_KEY_ID);
    expect(evaluated.outputs[BOOTSTRAP.keyIdOutput]).toBe(EXISTING_KEY_ID);
    expect(evaluated.outputs[BOOTSTRAP.keyArnOutput]).toBe(`arn:aws:kms:${SAMPLE.region}:${SAMPLE.accountId}:key/${EXISTING_KEY_ID}`);

    const keyOnly = evaluateTemplate('bootstrap', object, { ...base, ExistingKmsKeyId: EXISTING_KEY_ID, CreateKmsKeyAlias: 'false' }, sample);
    expect(Object.keys(keyOnly.resources).sort()).toEqual([BOOTSTRAP.bucket, BOOTSTRAP.bucketPolicy, BOOTSTRAP.cfnExecutionRole]);
    expect(keyOnly.resources[BOOTSTRAP.bucket]!.properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID).toBe(
      `arn:aws:kms:${SAMPLE.region}:${SAMPLE.accountId}:key/${EXISTING_KEY_ID}`,
    );
  });
});
