/**
 * Logical IDs and output names of every template (docs/original.md sections 2-4). They are part of
 * the public contract: a changed logical ID makes CloudFormation replace the resource.
 */

/** Root stack resources. */
export const ROOT = {
  s3Stack: 'BellflowerS3Bucket',
  iamStack: 'BellflowerIAMRole',
  sqsStack: 'BellflowerSQSQueue',
  snsStack: 'BellflowerReportResultsSNSTopic',
  processingStack: 'BellflowerProcessingLambdaFunction',
  integrationStack: 'BellflowerIntegrationLambdaFunction',
  invokePermission: 'BellflowerLambdaInvokePermission',
  trigger: 'BellflowerLambdaTrigger',
  eventSourceMapping: 'BellflowerIntegrationLambdaSQSEventSourceMapping',
  stateMachine: 'BellflowerStateMachine',
  stateMachineLogGroup: 'BellflowerStateMachineLogGroup',
  executionsFailedAlarm: 'BellflowerExecutionsFailedAlarm',
  executionsTimedOutAlarm: 'BellflowerExecutionsTimedOutAlarm',
  executionsAbortedAlarm: 'BellflowerExecutionsAbortedAlarm',
  customResourceDeadLetterAlarm: 'BellflowerCustomResourceDeadLetterQueueAlarm',
  businessFailuresMetricFilter: 'BellflowerBusinessFailuresMetricFilter',
  businessFailuresAlarm: 'BellflowerBusinessFailuresAlarm',
} as const;

/** IAM stack resources and outputs. */
export const IAM = {
  /** The integration function's role (the original's single Lambda role keeps its logical ID). */
  lambdaRole: 'BellflowerLambdaExecutionRole',
  processingRole: 'BellflowerProcessingLambdaExecutionRole',
  stepFunctionRole: 'BellflowerStepFunctionExecutionRole',
  lambdaRoleArn: 'BellflowerLambdaExecutionRoleArn',
  processingRoleArn: 'BellflowerProcessingLambdaExecutionRoleArn',
  businessApplicationRole: 'BellflowerBusinessApplicationRole',
  businessApplicationRoleArn: 'BellflowerBusinessApplicationRoleArn',
  stepFunctionRoleArn: 'BellflowerStepFunctionExecutionRoleArn',
} as const;

/** Lambda function stack resources and outputs. */
export const LAMBDA = {
  function: 'LambdaFunction',
  logGroup: 'LambdaFunctionLogGroup',
  deadLetterQueue: 'LambdaFunctionDeadLetterQueue',
  deadLetterQueuePolicy: 'LambdaFunctionDeadLetterQueuePolicy',
  errorsAlarm: 'LambdaFunctionErrorsAlarm',
  throttlesAlarm: 'LambdaFunctionThrottlesAlarm',
  deadLetterAlarm: 'LambdaFunctionDeadLetterQueueAlarm',
  functionArn: 'LambdaFunctionArn',
  deadLetterQueueUrl: 'LambdaFunctionDeadLetterQueueURL',
} as const;

/** S3 stack resources and outputs. */
export const S3 = {
  bucket: 'S3IntegrationBucket',
  bucketPolicy: 'S3IntegrationBucketPolicy',
  folders: 'S3DataBucketCustomResource',
  foldersPolicy: 'S3DataBucketCustomResourcePolicy',
  notificationPolicy: 'S3BucketNotificationCustomResourcePolicy',
  bucketArn: 'S3IntegrationBucketArn',
  bucketName: 'S3IntegrationBucketName',
} as const;

/** SNS stack resources and outputs. */
export const SNS = {
  topic: 'SNSTopic',
  topicPolicy: 'SNSTopicPolicy',
  subscription: 'SNSSubscription',
  topicArn: 'SNSTopicArn',
  subscriptionArn: 'SNSSubscriptionArn',
} as const;

/** SQS stack resources and outputs. */
export const SQS = {
  queue: 'SQSQueue',
  deadLetterQueue: 'SQSDeadLetterQueue',
  policy: 'SQSPolicy',
  deadLetterAlarm: 'SQSDeadLetterQueueAlarm',
  oldestMessageAlarm: 'SQSQueueOldestMessageAlarm',
  queueUrl: 'SQSQueueURL',
  queueArn: 'SQSQueueArn',
  deadLetterQueueUrl: 'SQSDeadLetterQueueURL',
  deadLetterQueueArn: 'SQSDeadLetterQueueArn',
} as const;

/** Cross stack resources and outputs (the export suffixes are in `names.ts` CROSS_EXPORTS). */
export const CROSS = {
  foldersFunction: 'S3CreateFolderCustomResourceLambdaFunction',
  foldersRole: 'S3CreateFolderCustomResourceLambdaExecutionRole',
  foldersLogGroup: 'S3CreateFolderCustomResourceLambdaLogGroup',
  notificationFunction: 'S3NotificationCustomResourceLambdaFunction',
  notificationRole: 'S3NotificationCustomResourceLambdaExecutionRole',
  notificationLogGroup: 'S3NotificationCustomResourceLambdaLogGroup',
  deadLetterQueue: 'CustomResourceLambdaDeadLetterQueue',
  deadLetterQueuePolicy: 'CustomResourceLambdaDeadLetterQueuePolicy',
  foldersRoleArn: 'S3CustomResourceLambdaFunctionExecutionRoleArn',
  foldersFunctionArn: 'S3CustomResourceLambdaFunctionArn',
  notificationRoleArn: 'S3NotificationCustomResourceLambdaFunctionExecutionRoleArn',
  notificationFunctionArn: 'S3NotificationCustomResourceLambdaFunctionArn',
} as const;

/** Bootstrap stack resources and outputs (`templates/bootstrap-stack.ts`). */
export const BOOTSTRAP = {
  key: 'BellflowerKmsKey',
  alias: 'BellflowerKmsKeyAlias',
  bucket: 'BellflowerArtifactBucket',
  bucketPolicy: 'BellflowerArtifactBucketPolicy',
  keyIdOutput: 'KmsKeyId',
  keyArnOutput: 'KmsKeyArn',
  aliasOutput: 'KmsKeyAlias',
  bucketNameOutput: 'ArtifactBucketName',
  cfnExecutionRole: 'BellflowerCfnExecutionRole',
  cfnExecutionRoleArnOutput: 'CfnExecutionRoleArn',
} as const;
