/**
 * `cft/nested-stacks/s3-stack.yaml`: the integration bucket (SSE-KMS, no public access, TLS only)
 * and the custom resource, served by the cross stack, that creates its folders.
 */
import { cf } from './cloudform';
import { deleteWithStack, denyInsecureTransport, nagSuppressions, output, physicalName, policyDocument, ref, sub, tags, template } from './common';
import { S3 } from './logical-ids';
import { S3_PUBLIC_ACCESS_PARAMETERS } from './parameters';
import { CROSS_EXPORTS } from './names';

/** `!ImportValue` of a cross stack export (`${S3CustomResourceStackName}-<suffix>`). */
export const importFromCrossStack = (exportSuffix: string) =>
  cf.Fn.ImportValue(sub(`\${S3CustomResourceStackName}-${exportSuffix}`));

/** Builds the S3 stack. */
export function buildS3Stack(): Record<string, unknown> {
  const bucketArn = cf.Fn.GetAtt(S3.bucket, 'Arn');
  return template({
    description: 'Bellflower integration bucket (exchange with the business application) and its folders.',
    groups: [
      { label: 'Project And Environment', parameters: ['ProjectName', 'Environment'] },
      { label: 'KMS', parameters: ['KmsMasterKeyAlias'] },
      {
        label: 'S3',
        parameters: ['S3BucketBaseName', 'S3DataBucketFolder', ...S3_PUBLIC_ACCESS_PARAMETERS],
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
              ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: sub('alias/${KmsMasterKeyAlias}') },
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
        PolicyDocument: policyDocument(denyInsecureTransport('s3:*', [bucketArn, sub(`\${${S3.bucket}.Arn}/*`)])),
      }),
      [S3.folders]: {
        Type: 'Custom::S3CustomResource',
        Properties: {
          ServiceToken: importFromCrossStack(CROSS_EXPORTS.s3FoldersFunctionArn),
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
