/**
 * `cft/cross-stacks/custom-resource-lambda-stack.yaml`, deployed before the root stack: the two
 * custom-resource functions (create the bucket folders; set the bucket notification) with their
 * roles, log groups and a dead-letter queue (CloudFormation invokes them asynchronously). Their
 * ARNs are exported as `${AWS::StackName}-<suffix>` for the root and s3 stacks.
 *
 * The roles name no bucket: the s3 stack attaches each role's bucket grants together with the
 * bucket, so renaming the bucket (a root stack change, applied after this stack) never leaves a
 * custom resource without access to the old bucket it must clean up.
 */
import { cf } from './cloudform';
import { DLQ_SUPPRESSIONS, encryptedQueue, executionRole, logGroup, nodeFunction, tlsOnlyQueuePolicy } from './building-blocks';
import {
  allow,
  arnText,
  lambdaLogGroupName,
  logGroupArn,
  nameText,
  output,
  physicalName,
  ref,
  sub,
  template,
  XRAY_WRITE_ACTIONS,
  useKmsKeyVia,
  type Statement,
} from './common';
import { CROSS } from './logical-ids';
import { CROSS_EXPORTS } from './names';

const FOLDERS_BASE = '${ProjectName}-s3-folders-cr';
const KMS_KEY_ARN = sub(arnText('kms', 'key/${KmsMasterKeyId}'));

/** Names of one custom-resource function's resources. */
interface CustomResourceFunction {
  readonly base: string;
  readonly functionId: string;
  readonly roleId: string;
  readonly logGroupId: string;
  readonly codeKeyParameter: string;
  readonly description: string;
  readonly serviceName: string;
  readonly statements: readonly Statement[];
  /** Function timeout, seconds. */
  readonly timeout: number;
}

/**
 * What the folder function calls beyond its bucket (whose grants the s3 stack attaches with the
 * bucket): KMS for the folder markers it writes (SSE-KMS), and itself, to continue emptying a large
 * bucket in a new invocation.
 */
export function foldersStatements(): Statement[] {
  return [
    useKmsKeyVia('EncryptFolderMarkers', KMS_KEY_ARN, ['s3'], ['kms:GenerateDataKey']),
    allow('ContinueEmptying', ['lambda:InvokeFunction'], [sub(arnText('lambda', `function:${nameText(FOLDERS_BASE)}`))]),
  ];
}

/** The notification function needs nothing beyond its bucket grants (attached by the s3 stack). */
export function notificationStatements(): Statement[] {
  return [];
}

const FUNCTIONS: readonly CustomResourceFunction[] = [
  {
    base: FOLDERS_BASE,
    functionId: CROSS.foldersFunction,
    roleId: CROSS.foldersRole,
    logGroupId: CROSS.foldersLogGroup,
    codeKeyParameter: 'S3CreateFolderLambdaFunctionCodeKey',
    description: 'Bellflower custom resource: creates the folders of the integration bucket and empties it on delete.',
    serviceName: 's3-folders-custom-resource',
    statements: foldersStatements(),
    // Emptying a bucket runs until shortly before the timeout, then continues in a new invocation.
    timeout: 900,
  },
  {
    base: '${ProjectName}-s3-notify-cr',
    functionId: CROSS.notificationFunction,
    roleId: CROSS.notificationRole,
    logGroupId: CROSS.notificationLogGroup,
    codeKeyParameter: 'S3NotificationLambdaFunctionCodeKey',
    description: 'Bellflower custom resource: sets the integration bucket notification to the integration function.',
    serviceName: 's3-notification-custom-resource',
    statements: notificationStatements(),
    timeout: 120,
  },
];

function customResourceFunction(fn: CustomResourceFunction): Record<string, object> {
  const functionName = nameText(fn.base);
  return {
    [fn.logGroupId]: logGroup(sub(lambdaLogGroupName(functionName))),
    [fn.roleId]: executionRole({
      name: physicalName(fn.base),
      policyName: physicalName(fn.base),
      service: 'lambda.amazonaws.com',
      description: fn.description,
      statements: [
        allow('WriteLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [logGroupArn(lambdaLogGroupName(functionName))]),
        ...fn.statements,
        // Failed asynchronous invocations, sent by the Lambda service with this role to the
        // KMS-encrypted dead-letter queue (a sender needs GenerateDataKey and Decrypt).
        allow('SendFailedInvocations', ['sqs:SendMessage'], [cf.Fn.GetAtt(CROSS.deadLetterQueue, 'Arn')]),
        useKmsKeyVia('UseKmsKeyForDeadLetters', KMS_KEY_ARN, ['sqs']),
        allow('WriteTraces', [...XRAY_WRITE_ACTIONS], ['*']),
      ],
    }),
    [fn.functionId]: nodeFunction({
      name: sub(functionName),
      description: fn.description,
      role: cf.Fn.GetAtt(fn.roleId, 'Arn'),
      timeout: fn.timeout,
      memory: 256,
      codeBucket: ref('LambdaFunctionCodeBucket'),
      codeKey: ref(fn.codeKeyParameter),
      logGroupId: fn.logGroupId,
      deadLetterQueueArn: cf.Fn.GetAtt(CROSS.deadLetterQueue, 'Arn'),
      environment: { POWERTOOLS_SERVICE_NAME: fn.serviceName, POWERTOOLS_LOG_LEVEL: ref('LambdaLogLevel') },
      suppressions: [
        [
          'Serverless-LambdaAsyncFailureDestination',
          'Failed asynchronous invocations by CloudFormation go to the dead-letter queue (DeadLetterConfig).',
        ],
      ],
    }),
  };
}

/** An output holding a resource's ARN, exported as `${AWS::StackName}-<exportSuffix>`. */
const exportedArn = (name: string, what: string, resourceId: string, exportSuffix: string) => ({
  [name]: output(`ARN of the ${what}.`, cf.Fn.GetAtt(resourceId, 'Arn'), exportSuffix),
});

/** Builds the cross stack. */
export function buildCustomResourceLambdaStack(): Record<string, unknown> {
  return template({
    description: 'Bellflower custom-resource functions (S3 folders, S3 notification), deployed before the root stack.',
    groups: [
      { label: 'Project And Environment', parameters: ['ProjectName', 'Environment'] },
      { label: 'KMS', parameters: ['KmsMasterKeyId'] },
      {
        label: 'Lambda Function',
        parameters: [
          'LambdaFunctionCodeBucket',
          'S3CreateFolderLambdaFunctionCodeKey',
          'S3NotificationLambdaFunctionCodeKey',
          'LambdaLogLevel',
          'LogRetentionInDays',
        ],
      },
    ],
    resources: {
      [CROSS.deadLetterQueue]: encryptedQueue({
        name: physicalName('${ProjectName}-cr-dlq'),
        kmsKey: KMS_KEY_ARN,
        properties: { MessageRetentionPeriod: 1_209_600 },
        suppressions: DLQ_SUPPRESSIONS,
      }),
      [CROSS.deadLetterQueuePolicy]: tlsOnlyQueuePolicy([CROSS.deadLetterQueue]),
      ...Object.assign({}, ...FUNCTIONS.map(customResourceFunction)),
    },
    outputs: {
      ...exportedArn(CROSS.foldersRoleArn, 'folder custom-resource role', CROSS.foldersRole, CROSS_EXPORTS.s3FoldersRoleArn),
      ...exportedArn(CROSS.foldersFunctionArn, 'folder custom-resource function', CROSS.foldersFunction, CROSS_EXPORTS.s3FoldersFunctionArn),
      ...exportedArn(CROSS.notificationRoleArn, 'notification custom-resource role', CROSS.notificationRole, CROSS_EXPORTS.s3NotificationRoleArn),
      ...exportedArn(
        CROSS.notificationFunctionArn,
        'notification custom-resource function',
        CROSS.notificationFunction,
        CROSS_EXPORTS.s3NotificationFunctionArn,
      ),
    },
  });
}
