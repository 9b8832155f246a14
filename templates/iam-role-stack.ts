/**
 * `cft/nested-stacks/iam-role-stack.yaml`: one role per function (integration: the original's
 * Lambda execution role; processing: its own, so it can neither read nor answer task tokens) and the
 * state machine role. Every ARN is built from the naming rule, so this stack
 * depends on no other stack and no cycle can form (the integration role's SendTask* grant names
 * the state machine that is created later).
 */
import { cf } from './cloudform';
import {
  allow,
  allowIf,
  nagSuppressions,
  policyDocument,
  tags,
  arn,
  arnText,
  logGroupArn,
  lambdaLogGroupName,
  nameText,
  output,
  physicalName,
  ref,
  s3Arn,
  sub,
  template,
  XRAY_WRITE_ACTIONS,
  useKmsKeyVia,
  type KmsViaService,
  type Statement,
} from './common';
import { executionRole } from './building-blocks';
import { IAM } from './logical-ids';
import { STATE_MACHINE_ENCRYPTION_CONTEXT } from './iam-contract';

const processingFunction = nameText('${ProcessingLambdaFunctionName}');
const queue = arn('sqs', nameText('${SQSQueueBaseName}'));
const bucket = nameText('${S3IntegrationBucketName}');
const kmsKey = ref('KmsMasterKeyArn');
const stateMachineArn = arn('states', `stateMachine:${nameText('${StepFunctionName}')}`);

/**
 * Use of the key for our state machine's encrypted execution data only: the encryption context Step
 * Functions puts on every KMS call for a state machine encrypted with a customer managed key (the AWS
 * Step Functions developer guide, "Data at rest encryption",
 * docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html; aws-cdk's
 * aws-stepfunctions/lib/state-machine.ts) names it. Whoever starts, answers or reads its
 * executions needs it, nobody else.
 */
export const useKeyForStateMachineData = (Sid: string, actions: readonly string[]): Statement =>
  allowIf(Sid, actions, [kmsKey], { StringEquals: { [STATE_MACHINE_ENCRYPTION_CONTEXT]: stateMachineArn } });

/**
 * What Step Functions calls to deliver its logs to CloudWatch Logs (vended log delivery); these
 * APIs support no resource-level permissions.
 */
export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
] as const;

/** X-Ray sampling reads of a traced state machine (no resource-level permissions either). */
export const XRAY_SAMPLING_ACTIONS = ['xray:GetSamplingRules', 'xray:GetSamplingTargets'] as const;

/**
 * What the Lambda service does with every function's role: write the function's logs, send failed
 * asynchronous invocations to the function's dead-letter queue (KMS-encrypted: a sender needs
 * GenerateDataKey and Decrypt), write X-Ray traces.
 */
function functionBaseStatements(functionBaseName: string, kmsVia: readonly KmsViaService[]): Statement[] {
  return [
    allow('WriteLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [logGroupArn(lambdaLogGroupName(nameText(functionBaseName)))]),
    // The function's dead-letter queue, named as in lambda-function-stack.
    allow('SendFailedInvocations', ['sqs:SendMessage'], [arn('sqs', nameText(`${functionBaseName}-dlq`))]),
    useKmsKeyVia('UseKmsKey', kmsKey, kmsVia),
    allow('WriteTraces', [...XRAY_WRITE_ACTIONS], ['*']),
  ];
}

/**
 * The processing function calls no AWS API itself: its role only carries what the Lambda service
 * needs (logs, dead-letter queue, traces). It cannot read task tokens or answer them.
 */
export function processingStatements(): Statement[] {
  return functionBaseStatements('${ProcessingLambdaFunctionName}', ['sqs']);
}

/** The integration function: the callback queue (event source), the exchange files, task tokens. */
export function integrationStatements(): Statement[] {
  return [
    ...functionBaseStatements('${IntegrationLambdaFunctionName}', ['sqs', 's3']),
    // Polled by the Lambda service for the event source mapping, with this role.
    allow('ReceiveCallbackMessages', ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], [queue]),
    allow('WriteOutbound', ['s3:PutObject', 's3:GetObject'], [s3Arn(`${bucket}/outbound/*`)]),
    allow('ReadInbound', ['s3:GetObject'], [s3Arn(`${bucket}/inbound/*`)]),
    // Without ListBucket S3 answers a missing outbound/<id>/task_token.txt with AccessDenied instead of
    // NoSuchKey, and the integration handler would retry an unknown execution as if S3 were failing.
    allow('FindExecutionTokens', ['s3:ListBucket'], [s3Arn(bucket)]),
    // The Service Authorization Reference lists no resource type for these actions, but Step Functions
    // authorizes them against the state machine of the token (its AccessDenied names that ARN, and
    // aws-cdk's grantTaskResponse scopes them the same way): see the IAM contract.
    allow('AnswerTaskTokens', ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'], [stateMachineArn]),
    // The answer becomes execution data of the encrypted state machine (see stepFunctionStatements).
    useKeyForStateMachineData('EncryptAnswers', ['kms:GenerateDataKey', 'kms:Decrypt']),
  ];
}

/** What the state machine calls: the processing function, the queue, the topic, KMS, log delivery, X-Ray. */
export function stepFunctionStatements(): Statement[] {
  const processingArn = arnText('lambda', `function:${processingFunction}`);
  return [
    // The definition invokes the unqualified function ARN (no version or alias).
    allow('InvokeProcessingFunction', ['lambda:InvokeFunction'], [sub(processingArn)]),
    allow('SendCallbackMessages', ['sqs:SendMessage'], [queue]),
    allow('PublishResults', ['sns:Publish'], [arn('sns', nameText('${SNSTopicBaseName}'))]),
    useKmsKeyVia('UseKmsKey', kmsKey, ['sqs', 'sns']),
    // The state machine's own data (definition, execution history) is encrypted with the key, as
    // the Step Functions developer guide ("Data at rest encryption") and aws-cdk's StateMachine grant it.
    useKeyForStateMachineData('EncryptExecutionData', ['kms:Decrypt', 'kms:GenerateDataKey']),
    // Log delivery of an encrypted state machine: aws-cdk's StateMachine grants the role
    // GenerateDataKey with the logs `SourceArn` encryption context of the account and region (it
    // writes StringEquals on a `*` value, which matches no ARN; StringLike is what it means).
    allowIf('EncryptLogDeliveries', ['kms:GenerateDataKey'], [kmsKey], {
      StringLike: { 'kms:EncryptionContext:SourceArn': arn('logs', '*') },
    }),
    allow('DeliverLogs', [...LOG_DELIVERY_ACTIONS], ['*']),
    allow('WriteTraces', [...XRAY_WRITE_ACTIONS, ...XRAY_SAMPLING_ACTIONS], ['*']),
  ];
}

/**
 * Only Step Functions acting for our state machine, in this account, may assume its role: the
 * confused-deputy protection of the Step Functions developer guide ("Creating an IAM role for your
 * state machine", cross-service confused deputy prevention: `aws:SourceAccount` and an `ArnLike`
 * `aws:SourceArn` on the state machine). Its versions and aliases (`stateMachine:<name>:<qualifier>`) too.
 * Lambda is left without: it documents no such keys for assuming an execution role.
 */
export function stateMachineTrustCondition(): Record<string, unknown> {
  const stateMachine = arnText('states', `stateMachine:${nameText('${StepFunctionName}')}`);
  return {
    StringEquals: { 'aws:SourceAccount': cf.Refs.AccountId },
    ArnLike: { 'aws:SourceArn': [sub(stateMachine), sub(`${stateMachine}:*`)] },
  };
}

/** Files the business application may write: its answers and heartbeats (`inbound/<uuid>/<file>`). */
export const BUSINESS_APPLICATION_FILES = ['success.json', 'failure.json', 'heartbeat.json'] as const;

/** Condition: `BusinessApplicationPrincipal` is set, so the business application role exists. */
export const HAS_BUSINESS_APPLICATION = 'HasBusinessApplication';
const HAS_EXTERNAL_ID = 'HasBusinessApplicationExternalId';

/** Conditions of the business application role (root and IAM stack). */
export const businessApplicationConditions = (): Record<string, unknown> => ({
  [HAS_BUSINESS_APPLICATION]: cf.Fn.Not(cf.Fn.Equals(ref('BusinessApplicationPrincipal'), '')),
});

/**
 * What the business application may do, and nothing more: list and read `outbound/`, write its
 * answers and heartbeats under `inbound/<uuid>/`, and use the key only through S3 (no delete, no
 * outbound writes, no other prefix).
 */
export function businessApplicationStatements(): Statement[] {
  return [
    allowIf('ListOutbound', ['s3:ListBucket'], [s3Arn(bucket)], { StringLike: { 's3:prefix': ['outbound/', 'outbound/*'] } }),
    // Its data and the notices of refused answers; never task_token.txt (only the integration
    // function answers a token: a partner holding one could end an execution itself).
    allow('ReadOutbound', ['s3:GetObject'], [s3Arn(`${bucket}/outbound/*/data.json`), s3Arn(`${bucket}/outbound/*/rejected/*`)]),
    allow('WriteAnswers', ['s3:PutObject'], BUSINESS_APPLICATION_FILES.map((file) => s3Arn(`${bucket}/inbound/*/${file}`))),
    useKmsKeyVia('UseKeyThroughS3', kmsKey, ['s3']),
  ];
}

/**
 * The role the business application assumes (AWS's third-party access pattern): trusted by the
 * one principal given (an account or a role, possibly in another account), with the external id
 * when one is set. Being in this account, it needs no bucket or key policy change to work
 * cross-account.
 */
function businessApplicationRole(): object {
  return {
    Type: 'AWS::IAM::Role',
    Condition: HAS_BUSINESS_APPLICATION,
    Metadata: nagSuppressions([
      'AwsSolutions-IAM5',
      'Object ARNs end in /outbound/* and /inbound/*/<file> because object keys carry the execution id.',
    ]),
    Properties: {
      RoleName: physicalName('${ProjectName}-business-app'),
      Description: 'Bellflower business application: reads outbound/, writes its answers under inbound/.',
      AssumeRolePolicyDocument: policyDocument({
        Sid: 'TrustTheBusinessApplication',
        Effect: 'Allow',
        Principal: { AWS: ref('BusinessApplicationPrincipal') },
        Action: 'sts:AssumeRole',
        Condition: cf.Fn.If(
          HAS_EXTERNAL_ID,
          { StringEquals: { 'sts:ExternalId': ref('BusinessApplicationExternalId') } },
          cf.Refs.NoValue,
        ) as unknown as Record<string, unknown>,
      }),
      MaxSessionDuration: 3600,
      Policies: [{ PolicyName: 'business-application', PolicyDocument: policyDocument(...businessApplicationStatements()) }],
      Tags: tags(),
    },
  };
}

/** Builds the IAM role stack. */
export function buildIamRoleStack(): Record<string, unknown> {
  return template({
    description: 'Bellflower IAM roles: Lambda execution role and Step Functions execution role (least privilege).',
    groups: [
      { label: 'Project And Environment', parameters: ['ProjectName', 'Environment'] },
      { label: 'KMS', parameters: ['KmsMasterKeyId', 'KmsMasterKeyArn'] },
      {
        label: 'Lambda Function',
        parameters: ['ProcessingLambdaFunctionName', 'IntegrationLambdaFunctionName', 'LambdaExecutionRoleName', 'LambdaExecutionPolicyName'],
      },
      { label: 'Step Function', parameters: ['StepFunctionExecutionRoleName', 'StepFunctionExecutionPolicyName', 'StepFunctionName'] },
      { label: 'SQS, SNS and S3', parameters: ['SQSQueueBaseName', 'SNSTopicBaseName', 'S3IntegrationBucketName'] },
      { label: 'Business Application', parameters: ['BusinessApplicationPrincipal', 'BusinessApplicationExternalId'] },
    ],
    conditions: {
      ...businessApplicationConditions(),
      [HAS_EXTERNAL_ID]: cf.Fn.Not(cf.Fn.Equals(ref('BusinessApplicationExternalId'), '')),
    },
    resources: {
      [IAM.lambdaRole]: executionRole({
        name: physicalName('${LambdaExecutionRoleName}'),
        policyName: ref('LambdaExecutionPolicyName'),
        service: 'lambda.amazonaws.com',
        description: sub('Bellflower integration function (KMS key ${KmsMasterKeyId}).'),
        statements: integrationStatements(),
        wildcardReason: 'S3 object ARNs end in /outbound/* and /inbound/* because object keys carry the execution id.',
      }),
      // An explicit name, so that the deployer's grants (`role/*-<Environment>-<Region>`) cover it:
      // the name CloudFormation would generate, `<nested stack name cut to 25>-<logical id cut>-<random>`,
      // ends in neither. `${ProjectName}` is at most 30 characters, so the name stays within IAM's 64
      // (30 + `-processing` + the 20-character suffix); ProcessingLambdaFunctionName (44) would not.
      [IAM.processingRole]: executionRole({
        name: physicalName('${ProjectName}-processing'),
        policyName: physicalName('${ProcessingLambdaFunctionName}-policy'),
        service: 'lambda.amazonaws.com',
        description: sub('Bellflower processing function (KMS key ${KmsMasterKeyId}).'),
        statements: processingStatements(),
      }),
      [IAM.stepFunctionRole]: executionRole({
        name: physicalName('${StepFunctionExecutionRoleName}'),
        policyName: ref('StepFunctionExecutionPolicyName'),
        service: 'states.amazonaws.com',
        description: sub('Bellflower state machine (KMS key ${KmsMasterKeyId}).'),
        statements: stepFunctionStatements(),
        trustCondition: stateMachineTrustCondition(),
        wildcardReason:
          'CloudWatch Logs vended log delivery (logs:*LogDelivery, *ResourcePolicy, DescribeLogGroups) supports no resource-level permissions.',
      }),
      [IAM.businessApplicationRole]: businessApplicationRole(),
    },
    outputs: {
      [IAM.lambdaRoleArn]: output('ARN of the integration function role.', cf.Fn.GetAtt(IAM.lambdaRole, 'Arn')),
      [IAM.processingRoleArn]: output('ARN of the processing function role.', cf.Fn.GetAtt(IAM.processingRole, 'Arn')),
      [IAM.stepFunctionRoleArn]: output('ARN of the state machine role.', cf.Fn.GetAtt(IAM.stepFunctionRole, 'Arn')),
      [IAM.businessApplicationRoleArn]: {
        Condition: HAS_BUSINESS_APPLICATION,
        ...output('ARN of the role the business application assumes.', cf.Fn.GetAtt(IAM.businessApplicationRole, 'Arn')),
      },
    },
  });
}
