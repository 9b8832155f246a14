/**
 * `cft/nested-stacks/s3-stack.yaml`: the integration bucket (SSE-KMS with the key ARN, no public
 * access, TLS only), the custom resource, served by the cross stack, that creates its folders and
 * empties it on delete, and the bucket grants of both custom-resource roles.
 */
import { cf } from './cloudform';
import {
  allow,
  deleteWithStack,
  denyInsecureTransport,
  nagSuppressions,
  output,
  physicalName,
  policyDocument,
  ref,
  sub,
  tags,
  template,
  type Statement,
} from './common';
import { S3 } from './logical-ids';
import { S3_PUBLIC_ACCESS_PARAMETERS } from './parameters';
import { CROSS_EXPORTS } from './names';

/** CloudFormation's limit for a custom resource's answer (`ServiceTimeout`, at most 3600 s). */
export const FOLDERS_SERVICE_TIMEOUT_SECONDS = 3600;

/** `!ImportValue` of a cross stack export (`${S3CustomResourceStackName}-<suffix>`). */
export const importFromCrossStack = (exportSuffix: string) =>
  cf.Fn.ImportValue(sub(`\${S3CustomResourceStackName}-${exportSuffix}`));

/** Name of a role whose ARN a cross stack export holds (`arn:<partition>:iam::<account>:role/<name>`, no path). */
const importedRoleName = (exportSuffix: string) => cf.Fn.Select(1, cf.Fn.Split('/', importFromCrossStack(exportSuffix)));

const BUCKET_ARN = sub(`\${${S3.bucket}.Arn}`);
const OBJECTS_ARN = sub(`\${${S3.bucket}.Arn}/*`);

/** What the folders custom resource calls on the bucket: put the folder markers, list and delete every version. */
export function foldersBucketStatements(): Statement[] {
  return [
    allow('ListObjectVersions', ['s3:ListBucketVersions'], [BUCKET_ARN]),
    allow('WriteFoldersAndDeleteVersions', ['s3:PutObject', 's3:DeleteObjectVersion'], [OBJECTS_ARN]),
  ];
}

/** What the notification custom resource calls on the bucket. */
export function notificationBucketStatements(): Statement[] {
  return [allow('ConfigureBucketNotification', ['s3:GetBucketNotification', 's3:PutBucketNotification'], [BUCKET_ARN])];
}

/**
 * An inline policy of a custom-resource role (created by the cross stack) granting access to this
 * bucket only. It lives here, with the bucket, and its name carries the bucket name: renaming the
 * bucket creates a new policy next to the old one, and CloudFormation deletes the old policy only in
 * the cleanup phase, after the custom resources are done with the old bucket (they depend on it).
 */
function customResourceBucketPolicy(roleArnExport: string, purpose: string, statements: Statement[], wildcardReason?: string): object {
  return {
    Type: 'AWS::IAM::RolePolicy',
    ...(wildcardReason ? { Metadata: nagSuppressions(['AwsSolutions-IAM5', wildcardReason]) } : {}),
    Properties: {
      RoleName: importedRoleName(roleArnExport),
      PolicyName: sub(`\${${S3.bucket}}-${purpose}`),
      PolicyDocument: policyDocument(...statements),
    },
  };
}

/**
 * Denies an upload that asks for any server-side encryption other than SSE-KMS with our key
 * (`x-amz-server-side-encryption: AES256`, DSSE, `aws:kms` without a key id, which S3 answers
 * with the AWS managed key aws/s3, another key, SSE-C): the writer, the business application
 * included, could otherwise override the bucket's default encryption. An upload without
 * encryption headers gets the default (our key): hence the `Null: false` (header present) beside
 * each negated match, which alone would also match a missing header
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
 * "negated matching condition operators ... evaluate to true if the key is not present";
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html for the
 * key-id condition, which compares the key ARN, as the bucket's default encryption names it).
 */
function denyForeignEncryption(): Statement[] {
  const deny = (Sid: string, Condition: Record<string, unknown>): Statement => ({
    Sid,
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:PutObject',
    Resource: [OBJECTS_ARN],
    Condition,
  });
  const sse = 's3:x-amz-server-side-encryption';
  return [
    deny('DenyEncryptionOtherThanOurKey', {
      Null: { [sse]: 'false' },
      StringNotEquals: { [`${sse}-aws-kms-key-id`]: ref('KmsMasterKeyArn') },
    }),
    deny('DenyCustomerProvidedKeys', { Null: { [`${sse}-customer-algorithm`]: 'false' } }),
  ];
}

/** The folders whose files expire (task tokens, data and answers are needed only while an execution waits). */
export const EXCHANGE_FOLDERS = ['outbound', 'inbound'] as const;

/**
 * Expires the files of one folder after `S3ObjectExpirationInDays`, their noncurrent versions a
 * day later; the empty folder marker (0 bytes) stays.
 */
function expireExchangeFiles(folder: (typeof EXCHANGE_FOLDERS)[number]) {
  return {
    Id: `expire-${folder}`,
    Status: 'Enabled',
    Prefix: `${folder}/`,
    ObjectSizeGreaterThan: 0,
    ExpirationInDays: ref('S3ObjectExpirationInDays'),
    NoncurrentVersionExpiration: { NoncurrentDays: 1 },
  };
}

/**
 * First characters of an execution folder under `inbound/`: a UUID, in either case (the
 * integration function accepts both).
 */
const EXECUTION_ID_FIRST_CHARACTERS = [...'0123456789abcdefABCDEF'];

/**
 * Expires the empty files the business application may upload (`heartbeat.json`, `success.json`:
 * any content is accepted) that {@link expireExchangeFiles} leaves. A lifecycle filter cannot
 * exclude one key, so these rules name every prefix an execution folder can start with
 * (`inbound/0` ... `inbound/F`), which the folder marker `inbound/` never does. Our own outbound
 * files are never empty. S3 compares sizes strictly (ObjectSizeLessThan 1 is an empty object):
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-filters.html
 */
function expireEmptyAnswers() {
  return EXECUTION_ID_FIRST_CHARACTERS.map((c) => ({
    Id: `expire-empty-inbound-${/[A-F]/.test(c) ? `upper-${c}` : c}`,
    Status: 'Enabled',
    Prefix: `inbound/${c}`,
    ObjectSizeLessThan: 1,
    ExpirationInDays: ref('S3ObjectExpirationInDays'),
    NoncurrentVersionExpiration: { NoncurrentDays: 1 },
  }));
}

/** Builds the S3 stack. */
export function buildS3Stack(): Record<string, unknown> {
  const bucketArn = cf.Fn.GetAtt(S3.bucket, 'Arn');
  return template({
    description: 'Bellflower integration bucket (exchange with the business application) and its folders.',
    groups: [
      { label: 'Project And Environment', parameters: ['ProjectName', 'Environment'] },
      { label: 'KMS', parameters: ['KmsMasterKeyArn'] },
      {
        label: 'S3',
        parameters: ['S3BucketBaseName', 'S3DataBucketFolder', 'S3ObjectExpirationInDays', ...S3_PUBLIC_ACCESS_PARAMETERS],
      },
      { label: 'Cross Stack for Custom Resource', parameters: ['S3CustomResourceStackName'] },
    ],
    resources: {
      [S3.bucket]: deleteWithStack(
        new cf.S3.Bucket({
        BucketName: physicalName('${S3BucketBaseName}'),
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              // The key ARN, not an alias: S3 resolves an alias in the requester's account, so a business
              // application in another account would encrypt with a key of its own.
              ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: ref('KmsMasterKeyArn') },
              BucketKeyEnabled: true,
            },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: ref('S3BucketBlockPublicAcls'),
          BlockPublicPolicy: ref('S3BucketBlockPublicPolicy'),
          IgnorePublicAcls: ref('S3BucketIgnorePublicAcls'),
          RestrictPublicBuckets: ref('S3BucketRestrictPublicBuckets'),
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        // Versioned: an answer that is overwritten or deleted stays recoverable until it expires.
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: {
          Rules: [
            ...EXCHANGE_FOLDERS.map(expireExchangeFiles),
            ...expireEmptyAnswers(),
            // The delete markers that expiring a versioned object leaves, once nothing is behind them,
            // and uploads never completed.
            {
              Id: 'remove-expired-delete-markers',
              Status: 'Enabled',
              ExpiredObjectDeleteMarker: true,
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
        Tags: tags(),
        }).metadata(
          nagSuppressions(
            [
              'AwsSolutions-S1',
              'Exchange bucket of short-lived workflow files; object access is audited with CloudTrail data events, not server access logs (which would need a second bucket per environment).',
            ],
            [
              'CdkNagValidationFailure',
              'The public access block flags are parameters (default true, as in the original); cdk-nag cannot resolve parameters (rule S2).',
            ],
          ),
        ),
      ),
      [S3.bucketPolicy]: new cf.S3.BucketPolicy({
        Bucket: ref(S3.bucket),
        PolicyDocument: policyDocument(
          denyInsecureTransport('s3:*', [bucketArn, sub(`\${${S3.bucket}.Arn}/*`)]),
          ...denyForeignEncryption(),
        ),
      }),
      [S3.foldersPolicy]: customResourceBucketPolicy(
        CROSS_EXPORTS.s3FoldersRoleArn,
        'folders',
        foldersBucketStatements(),
        'Object ARNs end in /* because the folder function empties the whole bucket on delete.',
      ),
      // The root stack's notification custom resource reads this stack's outputs, so it runs after
      // this policy exists and is deleted before it.
      [S3.notificationPolicy]: customResourceBucketPolicy(
        CROSS_EXPORTS.s3NotificationRoleArn,
        'notification',
        notificationBucketStatements(),
      ),
      [S3.folders]: {
        Type: 'Custom::S3CustomResource',
        // Created after, and deleted before, the policies that let it work on the bucket.
        DependsOn: [S3.bucketPolicy, S3.foldersPolicy],
        Properties: {
          ServiceToken: importFromCrossStack(CROSS_EXPORTS.s3FoldersFunctionArn),
          // Emptying a large bucket may continue over several invocations; CloudFormation's default is an hour too.
          ServiceTimeout: FOLDERS_SERVICE_TIMEOUT_SECONDS,
          bucket_name: ref(S3.bucket),
          folders_to_create: ref('S3DataBucketFolder'),
        },
      },
    },
    outputs: {
      [S3.bucketArn]: output('ARN of the integration bucket.', bucketArn),
      [S3.bucketName]: output('Name of the integration bucket.', ref(S3.bucket)),
    },
  });
}
