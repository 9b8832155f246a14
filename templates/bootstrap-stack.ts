/**
 * The bootstrap stack (`npm run bootstrap`): what every other stack needs before the first publish,
 * the customer managed KMS key with its alias, the artifact bucket and the role CloudFormation
 * assumes to deploy the environment's stacks (the execution role). A key or bucket that exists
 * already is adopted: its `Create*` condition is false and the stack neither creates nor changes it
 * (the outputs name it all the same).
 */
import { cf, type IntrinsicFunction } from './cloudform';
import { arnText, deleteWithStack, denyInsecureTransport, nagSuppressions, output, policyDocument, ref, sub, tags, template, toPlain } from './common';
import { keyPolicy } from './iam-contract';
import { BOOTSTRAP } from './logical-ids';
import { cfnExecutionRoleName } from './names';
import { toYaml } from './yaml';

/** Days a replaced or deleted artifact version is kept before S3 expires it. */
export const NONCURRENT_VERSION_DAYS = 30;

/** Days after which S3 aborts a multipart upload that was never completed (publish uses multipart above 8 MiB). */
export const INCOMPLETE_UPLOAD_DAYS = 1;

/** Days between the deletion of the bootstrap stack and the deletion of its key (KMS allows 7 to 30). */
export const KEY_PENDING_WINDOW_DAYS = 30;

/** Condition names of the bootstrap stack. */
export const BOOTSTRAP_CONDITIONS = { createKey: 'CreateKey', createAlias: 'CreateAlias', createBucket: 'CreateBucket' } as const;

/**
 * The key policy of {@link keyPolicy} (the one the README documents and the IAM contract test
 * simulates) with `${AWS::AccountId}` and `${AWS::Partition}` left to CloudFormation, as one `!Sub`
 * of the JSON text. A string, which `AWS::KMS::Key` accepts as well as an object: moto 5.2 keeps a
 * template's object policy as a dict and then fails every call on the key, so the tests need text.
 */
export function bootstrapKeyPolicy(): IntrinsicFunction {
  return sub(`${JSON.stringify(keyPolicy({ accountId: '${AWS::AccountId}', partition: '${AWS::Partition}' }), null, 2)}\n`);
}

const { createKey, createAlias, createBucket } = BOOTSTRAP_CONDITIONS;
const KEY_ID = cf.Fn.If(createKey, ref(BOOTSTRAP.key), ref('ExistingKmsKeyId'));
const KEY_ARN = cf.Fn.If(createKey, cf.Fn.GetAtt(BOOTSTRAP.key, 'Arn'), sub(arnText('kms', 'key/${ExistingKmsKeyId}')));

/**
 * The execution role's policy as a template value: `policy` is the policy document written for the
 * targets `${AWS::Partition}`, `${AWS::Region}`, `${AWS::AccountId}`, `${AWS::URLSuffix}`,
 * `${Environment}`, `${ProjectName}`, `${ArtifactBucketName}`, `${ArtifactKeyPrefix}`,
 * `${RootStackName}`, `${CrossStackName}` and `${KeyArn}` (the deployment layer generates it from
 * its contract, scripts/lib/deployment/deployer-policy.ts), substituted by CloudFormation.
 */
export type ExecutionRolePolicy = object;

/**
 * Who may assume the execution role: CloudFormation, for this account's stacks of the environment
 * only (root, its nested stacks, cross), never for the bootstrap stack (which holds the role).
 * CloudFormation documents `aws:SourceArn` (a stack or extension ARN) and `aws:SourceAccount` for
 * its service principal (CloudFormation User Guide, "Cross-service confused deputy prevention",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cross-service-confused-deputy-prevention.html),
 * but not that it sends them when it assumes a stack's service role: `...IfExists` restricts when
 * they are present and does not lock the stacks out when they are not.
 */
function cfnTrustPolicy(): Record<string, unknown> {
  const stackArn = (name: string) => sub(`arn:\${AWS::Partition}:cloudformation:\${AWS::Region}:\${AWS::AccountId}:stack/${name}/*`);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'cloudformation.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEqualsIfExists: { 'aws:SourceAccount': ref('AWS::AccountId') },
          ArnLikeIfExists: { 'aws:SourceArn': [stackArn('${RootStackName}'), stackArn('${RootStackName}-*'), stackArn('${CrossStackName}')] },
        },
      },
    ],
  };
}

/** Builds the bootstrap stack; `executionRolePolicy`: see {@link ExecutionRolePolicy}. */
export function buildBootstrapStack(executionRolePolicy: ExecutionRolePolicy): Record<string, unknown> {
  const bucketArn = cf.Fn.GetAtt(BOOTSTRAP.bucket, 'Arn');
  return template({
    description: 'Bellflower bootstrap: the customer managed KMS key, its alias, the artifact bucket and the CloudFormation execution role (npm run bootstrap).',
    groups: [
      { label: 'Project And Environment', parameters: ['ProjectName', 'Environment'] },
      { label: 'KMS', parameters: ['KmsMasterKeyAlias', 'ExistingKmsKeyId', 'CreateKmsKeyAlias'] },
      { label: 'Artifact Bucket', parameters: ['ArtifactBucketName', 'CreateArtifactBucket', 'ArtifactKeyPrefix'] },
      { label: 'CloudFormation Execution Role', parameters: ['RootStackName', 'CrossStackName'] },
    ],
    conditions: {
      [createKey]: cf.Fn.Equals(ref('ExistingKmsKeyId'), ''),
      [createAlias]: cf.Fn.Equals(ref('CreateKmsKeyAlias'), 'true'),
      [createBucket]: cf.Fn.Equals(ref('CreateArtifactBucket'), 'true'),
    },
    resources: {
      // Deleting the stack schedules the key's deletion after the pending window (KMS never deletes a
      // key at once; `aws kms cancel-key-deletion` undoes it). A replacement would keep the old key:
      // objects encrypted with it stay readable.
      [BOOTSTRAP.key]: Object.assign(
        new cf.KMS.Key({
          Description: sub('Bellflower ${Environment}: encrypts the artifact and integration buckets, the queues and the topic.'),
          KeySpec: 'SYMMETRIC_DEFAULT',
          KeyUsage: 'ENCRYPT_DECRYPT',
          EnableKeyRotation: true,
          PendingWindowInDays: KEY_PENDING_WINDOW_DAYS,
          KeyPolicy: bootstrapKeyPolicy(),
          // No Tags here: the stack's tags (ProjectName, Environment, set by bootstrap) reach the key, and
          // moto 5.2 fails to create a key with template tags (KeyError 'TagKey'), which the tests need.
        }).condition(createKey),
        { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Retain' },
      ),
      [BOOTSTRAP.alias]: new cf.KMS.Alias({ AliasName: sub('alias/${KmsMasterKeyAlias}'), TargetKeyId: KEY_ID }).condition(createAlias),
      [BOOTSTRAP.bucket]: Object.assign(
        deleteWithStack(
          new cf.S3.Bucket({
            BucketName: ref('ArtifactBucketName'),
            BucketEncryption: {
              ServerSideEncryptionConfiguration: [
                // The key ARN: an alias would be resolved in the requester's account.
                { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN }, BucketKeyEnabled: true },
              ],
            },
            PublicAccessBlockConfiguration: {
              BlockPublicAcls: true,
              BlockPublicPolicy: true,
              IgnorePublicAcls: true,
              RestrictPublicBuckets: true,
            },
            OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
            VersioningConfiguration: { Status: 'Enabled' },
            LifecycleConfiguration: {
              Rules: [
                // Content-addressed artifacts (code, definition, nested templates) are never overwritten, so
                // they stay current and this rule never expires them: a deployed stack, or the rollback of
                // the next update, may still name any of them, and their age says nothing about that.
                // What it expires is what publish replaces (the faithful template keys) and deletes.
                {
                  Id: 'expire-replaced-artifacts',
                  Status: 'Enabled',
                  NoncurrentVersionExpiration: { NoncurrentDays: NONCURRENT_VERSION_DAYS },
                  ExpiredObjectDeleteMarker: true,
                  AbortIncompleteMultipartUpload: { DaysAfterInitiation: INCOMPLETE_UPLOAD_DAYS },
                },
              ],
            },
            Tags: tags(),
          }),
        ).condition(createBucket),
        // Kept if CloudFormation ever had to replace it: the old bucket holds what deployed stacks name.
        { UpdateReplacePolicy: 'Retain' },
      ).metadata(
        nagSuppressions([
          'AwsSolutions-S1',
          'Artifact bucket written only by publish; object access is audited with CloudTrail data events, not server access logs (which would need a second bucket).',
        ]),
      ),
      [BOOTSTRAP.bucketPolicy]: new cf.S3.BucketPolicy({
        Bucket: ref(BOOTSTRAP.bucket),
        PolicyDocument: policyDocument(denyInsecureTransport('s3:*', [bucketArn, sub(`\${${BOOTSTRAP.bucket}.Arn}/*`)])),
      }).condition(createBucket),
      // Deploy, destroy and executed change sets pass it as RoleARN: CloudFormation creates, updates
      // and deletes the stacks' resources with it, not with the deployer's credentials.
      [BOOTSTRAP.cfnExecutionRole]: new cf.IAM.Role({
        RoleName: sub(cfnExecutionRoleName('${ProjectName}', '${Environment}', '${AWS::Region}')),
        Description: sub('Bellflower ${Environment}: assumed by CloudFormation to deploy the root, nested and cross stacks.'),
        AssumeRolePolicyDocument: cfnTrustPolicy(),
        Policies: [{ PolicyName: 'cloudformation-handlers', PolicyDocument: cf.Fn.Sub(`${JSON.stringify(executionRolePolicy, null, 2)}\n`, { KeyArn: KEY_ARN }) }],
        Tags: tags(),
      }),
    },
    outputs: {
      [BOOTSTRAP.keyIdOutput]: output('Id of the customer managed KMS key (config "kmsKeyId").', KEY_ID),
      [BOOTSTRAP.keyArnOutput]: output('ARN of the customer managed KMS key.', KEY_ARN),
      [BOOTSTRAP.aliasOutput]: output('Alias name of the key, without "alias/" (config "kmsKeyAlias").', ref('KmsMasterKeyAlias')),
      [BOOTSTRAP.bucketNameOutput]: output('Name of the artifact bucket (config "artifactBucket").', ref('ArtifactBucketName')),
      [BOOTSTRAP.cfnExecutionRoleArnOutput]: output('ARN of the CloudFormation execution role (config "cfnExecutionRoleArn").', cf.Fn.GetAtt(BOOTSTRAP.cfnExecutionRole, 'Arn')),
    },
  });
}

/** The bootstrap template as plain data and as the YAML text bootstrap deploys (deterministic). */
export function renderBootstrapTemplate(executionRolePolicy: ExecutionRolePolicy): { readonly object: Record<string, unknown>; readonly text: string } {
  const object = toPlain(buildBootstrapStack(executionRolePolicy));
  return { object, text: toYaml(object) };
}
