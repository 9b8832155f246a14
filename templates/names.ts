/**
 * Public contract of the stacks: names that other stacks, the scripts and users depend on.
 * Changing any of these is a breaking change for deployed stacks (CloudFormation replaces
 * resources whose logical ID changes and refuses to remove an export that is still imported).
 */

/** Root stack parameters that the deploy command sets (everything else keeps its default unless overridden). */
export const ROOT_PARAMS = {
  projectName: 'ProjectName',
  environment: 'Environment',
  kmsMasterKeyAlias: 'KmsMasterKeyAlias',
  kmsMasterKeyId: 'KmsMasterKeyId',
  snsSubscriptionEmail: 'SNSSubscriptionEmail',
  /** The artifact bucket: nested templates, handler code and the state machine definition. */
  artifactBucket: 'LambdaFunctionCodeBucket',
  /** Key prefix of every artifact in the artifact bucket (e.g. `bellflower`). */
  artifactKeyPrefix: 'ArtifactKeyPrefix',
  processingCodeKey: 'ProcessingLambdaFunctionCodeKey',
  integrationCodeKey: 'IntegrationLambdaFunctionCodeKey',
  /** Content-addressed key of the ASL definition, so that a changed definition updates the state machine. */
  stateMachineDefinitionKey: 'StateMachineDefinitionKey',
  crossStackName: 'S3CustomResourceStackName',
} as const;

/** Cross stack parameters that the deploy command sets. */
export const CROSS_PARAMS = {
  projectName: 'ProjectName',
  environment: 'Environment',
  kmsMasterKeyId: 'KmsMasterKeyId',
  artifactBucket: 'LambdaFunctionCodeBucket',
  s3FoldersCodeKey: 'S3CreateFolderLambdaFunctionCodeKey',
  s3NotificationCodeKey: 'S3NotificationLambdaFunctionCodeKey',
} as const;

/** Root stack outputs (docs/original.md section 2, plus BellflowerS3BucketName and the dead-letter queue). */
export const ROOT_OUTPUTS = {
  s3BucketArn: 'BellflowerS3BucketArn',
  s3BucketName: 'BellflowerS3BucketName',
  /** The integration function's role (the original's single Lambda role). */
  lambdaExecutionRoleArn: 'BellflowerLambdaFunctionExecutionRoleArn',
  processingLambdaExecutionRoleArn: 'BellflowerProcessingLambdaFunctionExecutionRoleArn',
  /** The role the business application assumes (only when BusinessApplicationPrincipal is set). */
  businessApplicationRoleArn: 'BellflowerBusinessApplicationRoleArn',
  businessApplicationOutboundPrefix: 'BellflowerBusinessApplicationOutboundPrefix',
  businessApplicationInboundPrefix: 'BellflowerBusinessApplicationInboundPrefix',
  stepFunctionExecutionRoleArn: 'BellflowerStepFunctionExecutionRoleArn',
  sqsQueueArn: 'BellflowerSQSQueueArn',
  sqsQueueUrl: 'BellflowerSQSQueueURL',
  sqsDeadLetterQueueUrl: 'BellflowerSQSDeadLetterQueueURL',
  snsTopicArn: 'BellflowerReportResultsSNSTopicArn',
  snsSubscriptionArn: 'BellflowerSNSSubscriptionArn',
  processingLambdaArn: 'BellflowerProcessingLambdaFunctionArn',
  integrationLambdaArn: 'BellflowerIntegrationLambdaFunctionArn',
  stepFunctionArn: 'BellflowerStepFunctionArn',
} as const;

/**
 * Export name suffixes of the cross stack; the full export name is `<cross stack name>-<suffix>`.
 * `S3NoticationCustomResourceLambdaFunctionArn` is misspelled in the original and stays so: the
 * root stack of every existing deployment imports that exact name.
 */
export const CROSS_EXPORTS = {
  s3FoldersRoleArn: 'S3CustomResourceLambdaFunctionExecutionRoleArn',
  s3FoldersFunctionArn: 'S3CreateFolderCustomResourceLambdaFunctionArn',
  s3NotificationRoleArn: 'S3NotificationCustomResourceLambdaFunctionExecutionRoleArn',
  s3NotificationFunctionArn: 'S3NoticationCustomResourceLambdaFunctionArn',
} as const;

/**
 * What an environment name may be: the `Environment` parameter's pattern and length, and `--env`'s.
 * Any name with a configuration file (`config/<name>.json`) is an environment; whether it is a
 * production one is that file's `production` field, not its name. The name is part of every
 * physical name (`<base>-<Environment>-<Region>`), of S3 bucket names (lowercase letters, digits
 * and single hyphens) and of the stack names. How long a name may be depends on the region and the
 * other parameters: the preflight computes every physical name for the environment's actual name
 * and region and refuses one over its AWS limit (`checkNameLengths`, scripts/lib/deployment/preflight.ts).
 */
export const ENVIRONMENT_NAME = {
  pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$',
  maxLength: 8,
  /** Said wherever a name is refused. */
  rule: '1 to 8 lowercase letters, digits and single hyphens, starting with a letter (e.g. dev, staging, prod-eu)',
} as const;

/** The environments the project ships a configuration file for (`config/<name>.json`). */
export const SHIPPED_ENVIRONMENTS = ['devl', 'test', 'prod'] as const;

/** An environment's name: any name that follows {@link ENVIRONMENT_NAME} and has a configuration file. */
export type EnvironmentName = string;

/** Whether `name` follows {@link ENVIRONMENT_NAME}. */
export function isEnvironmentName(name: string): boolean {
  return name.length <= ENVIRONMENT_NAME.maxLength && new RegExp(ENVIRONMENT_NAME.pattern).test(name);
}

/** Lambda runtime of every function (the newest nodejs runtime cfn-lint 1.51 accepts without warning). */
export const LAMBDA_RUNTIME = 'nodejs24.x';

/** Handler entry point inside every zip (`index.mjs` exporting `handler`). */
export const LAMBDA_HANDLER = 'index.handler';

/**
 * Name of the role CloudFormation assumes for an environment's stacks (bootstrap creates it). It
 * ends in `-cfn-exec`, not in `-<Environment>-<Region>`, so no grant of its own policy (roles named
 * `*-<Environment>-<Region>`) reaches it: a change set cannot widen the role it runs with.
 * At most 29 + 1 + 8 + 1 + 15 + 9 = 63 characters, within IAM's 64 (the preflight checks it too).
 */
export function cfnExecutionRoleName(projectName: string, environment: string, region: string): string {
  return `${projectName}-${environment}-${region}-cfn-exec`;
}
