/**
 * `cft/nested-stacks/lambda-function-stack.yaml`: one Node.js function with its log group and the
 * dead-letter queue for failed asynchronous invocations (the integration function is invoked
 * asynchronously by S3). The root stack instantiates it twice: processing and integration.
 */
import { cf } from './cloudform';
import {
  alarm,
  alarmConditions,
  deadLetterAlarm,
  DLQ_SUPPRESSIONS,
  encryptedQueue,
  logGroup,
  nodeFunction,
  tlsOnlyQueuePolicy,
} from './building-blocks';
import { arn, lambdaLogGroupName, nameText, output, physicalName, ref, sub, template } from './common';
import { LAMBDA } from './logical-ids';

/** An alarm on one of the function's metrics. */
const functionAlarm = (metric: string, what: string, description: string) =>
  alarm({
    name: physicalName(`\${LambdaFunctionName}-${what}`),
    description,
    namespace: 'AWS/Lambda',
    metric,
    dimension: { Name: 'FunctionName', Value: ref(LAMBDA.function) },
    topicArn: ref('AlarmTopicArn'),
  });

/** Builds the Lambda function stack. */
export function buildLambdaFunctionStack(): Record<string, unknown> {
  const functionName = nameText('${LambdaFunctionName}');
  return template({
    description: 'Bellflower Lambda function (code from the artifact bucket) with log group and dead-letter queue.',
    groups: [
      { label: 'Project And Environment', parameters: ['ProjectName', 'Environment'] },
      { label: 'KMS', parameters: ['KmsMasterKeyAlias'] },
      {
        label: 'Lambda Function',
        parameters: [
          'LambdaFunctionName',
          'LambdaFunctionDescription',
          'LambdaExecutionRoleArn',
          'LambdaHandlerPath',
          'LambdaRuntime',
          'LambdaFunctionTimeoutSecs',
          'LambdaFunctionMemory',
          'LambdaFunctionCodeBucket',
          'LambdaFunctionCodeKey',
          'LambdaLogLevel',
          'LogRetentionInDays',
          'SimulatedWorkMs',
        ],
      },
      { label: 'Step Function', parameters: ['StepFunctionName'] },
      { label: 'S3', parameters: ['S3IntegrationBucketName'] },
      { label: 'Alarms', parameters: ['AlarmsEnabled', 'AlarmTopicArn'] },
    ],
    conditions: alarmConditions(),
    resources: {
      [LAMBDA.logGroup]: logGroup(sub(lambdaLogGroupName(functionName))),
      [LAMBDA.deadLetterQueue]: encryptedQueue({
        name: physicalName('${LambdaFunctionName}-dlq'),
        kmsKey: sub('alias/${KmsMasterKeyAlias}'),
        properties: { MessageRetentionPeriod: 1_209_600 },
        suppressions: DLQ_SUPPRESSIONS,
      }),
      [LAMBDA.deadLetterQueuePolicy]: tlsOnlyQueuePolicy([LAMBDA.deadLetterQueue]),
      [LAMBDA.errorsAlarm]: functionAlarm('Errors', 'errors', 'The function failed (an error a retry may fix, or a bug): see its log group.'),
      [LAMBDA.throttlesAlarm]: functionAlarm(
        'Throttles',
        'throttles',
        'Invocations of the function were throttled (account or reserved concurrency): messages wait, then reach the dead-letter queue.',
      ),
      [LAMBDA.deadLetterAlarm]: deadLetterAlarm(
        physicalName('${LambdaFunctionName}-dlq-messages'),
        'function',
        cf.Fn.GetAtt(LAMBDA.deadLetterQueue, 'QueueName'),
        ref('AlarmTopicArn'),
      ),
      [LAMBDA.function]: nodeFunction({
        name: sub(functionName),
        description: ref('LambdaFunctionDescription'),
        role: ref('LambdaExecutionRoleArn'),
        runtime: ref('LambdaRuntime'),
        handler: ref('LambdaHandlerPath'),
        timeout: ref('LambdaFunctionTimeoutSecs'),
        memory: ref('LambdaFunctionMemory'),
        codeBucket: ref('LambdaFunctionCodeBucket'),
        codeKey: ref('LambdaFunctionCodeKey'),
        logGroupId: LAMBDA.logGroup,
        deadLetterQueueArn: cf.Fn.GetAtt(LAMBDA.deadLetterQueue, 'Arn'),
        environment: {
          POWERTOOLS_SERVICE_NAME: ref('LambdaFunctionName'),
          POWERTOOLS_LOG_LEVEL: ref('LambdaLogLevel'),
          SIMULATED_WORK_MS: ref('SimulatedWorkMs'),
          S3_BUCKET_NAME: physicalName('${S3IntegrationBucketName}'),
          STATE_MACHINE: arn('states', `stateMachine:${nameText('${StepFunctionName}')}`),
        },
        suppressions: [
          [
            'Serverless-LambdaAsyncFailureDestination',
            'Failed asynchronous invocations go to the function dead-letter queue (DeadLetterConfig).',
          ],
          [
            'CdkNagValidationFailure',
            'The runtime is the LambdaRuntime parameter, whose only allowed value is nodejs24.x (the latest Node.js runtime); cdk-nag cannot resolve parameters (rules L1, LambdaLatestVersion).',
          ],
        ],
      }),
    },
    outputs: {
      [LAMBDA.functionArn]: output('ARN of the function.', cf.Fn.GetAtt(LAMBDA.function, 'Arn')),
      [LAMBDA.deadLetterQueueUrl]: output('URL of the dead-letter queue of failed asynchronous invocations.', ref(LAMBDA.deadLetterQueue)),
    },
  });
}
