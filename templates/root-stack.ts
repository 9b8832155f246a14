/**
 * `cft/bellflower-root-stack.yaml`: the six nested stacks, the S3 -> integration function
 * trigger (permission + custom resource from the cross stack), the SQS event source mapping and
 * the state machine with its log group. The state machine definition is read from the artifact
 * bucket under a content-addressed key, so a changed ASL changes the template parameters and
 * CloudFormation updates the state machine.
 */
import { cf, type IntrinsicFunction } from './cloudform';
import { PLACEHOLDERS } from '../asl/state-machine';
import { alarm, alarmConditions, BELLFLOWER_NAMESPACE, deadLetterAlarm, logGroup } from './building-blocks';
import { BUSINESS_FAILURE_LOG } from '../handlers/integration/log-lines';
import { businessApplicationConditions, HAS_BUSINESS_APPLICATION } from './iam-role-stack';
import { arnText, deleteWithStack, nagSuppressions, nameText, s3Arn, output, physicalName, ref, stackOutput, sub, tags, template } from './common';
import { NESTED_TEMPLATES, type NestedTemplateName } from './layout';
import { IAM, LAMBDA, ROOT, S3, SNS, SQS } from './logical-ids';
import { S3_PUBLIC_ACCESS_PARAMETERS, SNS_TOPIC_PARAMETERS, SQS_QUEUE_PARAMETERS, type ParameterName } from './parameters';
import { CROSS_EXPORTS, ROOT_OUTPUTS } from './names';
import { importFromCrossStack } from './s3-stack';

/** S3 event that triggers the integration function, and its key filter (the business answers). */
export const TRIGGER = { event: 's3:ObjectCreated:*', prefix: 'inbound', suffix: '.json' } as const;

/** Start of every nested TemplateURL; the path of the template under the key prefix follows. */
export const TEMPLATE_URL_BASE = 'https://${LambdaFunctionCodeBucket}.s3.${AWS::Region}.${AWS::URLSuffix}/${ArtifactKeyPrefix}/';

/** `https://<bucket>.s3.<region>.<suffix>/<prefix>/<path>` of a nested template. */
export const templateUrl = (path: string): IntrinsicFunction => sub(`${TEMPLATE_URL_BASE}${path}`);

/** Options of {@link buildRootStack}. */
export interface RootStackOptions {
  /**
   * Path under the key prefix of each nested template, content-addressed
   * (`cft/nested-stacks/iam-role-stack-<16 hex>.yaml`, see `nestedTemplatePath` in layout.ts) so
   * that a changed nested template changes the root template and CloudFormation updates it.
   */
  readonly nestedTemplatePaths: Readonly<Record<NestedTemplateName, string>>;
}

function validateOptions(options: RootStackOptions): void {
  const paths = (options as Partial<RootStackOptions> | undefined)?.nestedTemplatePaths ?? {};
  for (const name of NESTED_TEMPLATES) {
    const path = (paths as Partial<Record<NestedTemplateName, unknown>>)[name];
    if (typeof path !== 'string' || !/^[\w./-]+\.yaml$/.test(path) || path.startsWith('/')) {
      throw new Error(
        `buildRootStack: nestedTemplatePaths.${name} must be the template's path under the key prefix (e.g. "cft/nested-stacks/<file>-<hash>.yaml"), got ${JSON.stringify(path)}`,
      );
    }
  }
}

/** Paths under the key prefix of the nested templates a root template references (TemplateURLs). */
export function referencedTemplatePaths(rootTemplate: Record<string, unknown>): string[] {
  const resources = (rootTemplate.Resources ?? {}) as Record<string, { Type?: string; Properties?: { TemplateURL?: unknown } }>;
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::CloudFormation::Stack')
    .map((resource) => {
      const url = (resource.Properties?.TemplateURL as { 'Fn::Sub'?: unknown } | undefined)?.['Fn::Sub'];
      if (typeof url !== 'string' || !url.startsWith(TEMPLATE_URL_BASE)) {
        throw new Error(`unexpected nested TemplateURL ${JSON.stringify(url)}: expected "${TEMPLATE_URL_BASE}<path>"`);
      }
      return url.slice(TEMPLATE_URL_BASE.length);
    });
}

const pass = (...names: ParameterName[]): Record<string, IntrinsicFunction> =>
  Object.fromEntries(names.map((name) => [name, ref(name)]));

function nestedStack(path: string, parameters: Record<string, unknown>, dependsOn: readonly string[] = []): object {
  const stack = new cf.CloudFormation.Stack({
    TemplateURL: templateUrl(path),
    Parameters: parameters as Record<string, IntrinsicFunction>,
    TimeoutInMinutes: 15,
    Tags: tags(),
  });
  return deleteWithStack(dependsOn.length > 0 ? stack.dependsOn([...dependsOn]) : stack);
}

/**
 * What writes into the integration bucket (the integration function, fed by the event source
 * mapping) depends on the S3 stack: CloudFormation deletes a resource only after everything that
 * depends on it ("DependsOn attribute", CloudFormation User Guide), so the bucket is emptied and
 * deleted after no function or mapping can write `outbound/` any more. The integration stack takes
 * the bucket's base name (the original's parameter), not the S3 stack's output, hence `DependsOn`.
 */
const DEPENDS_ON_BUCKET = [ROOT.s3Stack];

function lambdaStack(path: string, kind: 'Processing' | 'Integration'): object {
  return nestedStack(path, lambdaStackParameters(kind), kind === 'Integration' ? DEPENDS_ON_BUCKET : []);
}

function lambdaStackParameters(kind: 'Processing' | 'Integration'): Record<string, unknown> {
  return {
    ...pass('ProjectName', 'Environment', 'KmsMasterKeyAlias'),
    LambdaFunctionName: ref(`${kind}LambdaFunctionName`),
    LambdaFunctionDescription: ref(`${kind}LambdaFunctionDescription`),
    // One role per function: the integration function keeps the original's Lambda role.
    LambdaExecutionRoleArn: stackOutput(ROOT.iamStack, kind === 'Processing' ? IAM.processingRoleArn : IAM.lambdaRoleArn),
    ...pass('LambdaHandlerPath', 'LambdaRuntime', 'LambdaFunctionTimeoutSecs', 'LambdaFunctionMemory', 'LambdaFunctionCodeBucket'),
    LambdaFunctionCodeKey: ref(`${kind}LambdaFunctionCodeKey`),
    ...pass('LambdaLogLevel', 'LogRetentionInDays', 'SimulatedWorkMs', 'StepFunctionName', 'S3IntegrationBucketName', 'AlarmsEnabled'),
    AlarmTopicArn: ALARM_TOPIC_ARN,
  };
}

/** The alarms notify the result topic: one subscription to confirm, already encrypted and watched. */
const ALARM_TOPIC_ARN = stackOutput(ROOT.snsStack, SNS.topicArn);

/** An alarm on one of the state machine's execution metrics. */
const executionsAlarm = (metric: string, what: string, description: string) =>
  alarm({
    name: physicalName(`\${StepFunctionName}-${what}`),
    description,
    namespace: 'AWS/States',
    metric,
    dimension: { Name: 'StateMachineArn', Value: ref(ROOT.stateMachine) },
    topicArn: ALARM_TOPIC_ARN,
  });

const integrationFunctionArn = stackOutput(ROOT.integrationStack, LAMBDA.functionArn);

/** ARN of the customer managed key, built from its id (what the bucket and the IAM policies name). */
const KMS_KEY_ARN = sub(arnText('kms', 'key/${KmsMasterKeyId}'));

/** The metric counting business failures (failure.json answers), one per environment and region. */
/**
 * How long Step Functions reuses a data key of the state machine before it calls GenerateDataKey
 * again (60 to 900 s; 300 is aws-cdk's default): fewer KMS requests, as the KMS request quota is
 * shared with S3, SQS and SNS use of the same key.
 */
const STATE_MACHINE_DATA_KEY_REUSE_SECONDS = 300;

/** cloudform-types predates the state machine's EncryptionConfiguration (AWS::StepFunctions::StateMachine EncryptionConfiguration). */
type StateMachineProperties = ConstructorParameters<typeof cf.StepFunctions.StateMachine>[0] & {
  readonly EncryptionConfiguration: { readonly Type: 'CUSTOMER_MANAGED_KMS_KEY'; readonly KmsKeyId: IntrinsicFunction; readonly KmsDataKeyReusePeriodSeconds: number };
};

const BUSINESS_FAILURES_METRIC = physicalName('${StepFunctionName}-business-failures');

/**
 * Counts the integration function's log line of a business failure ({@link BUSINESS_FAILURE_LOG},
 * a JSON log: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html)
 * into {@link BUSINESS_FAILURES_METRIC}, after the function's stack created its log group.
 */
function businessFailuresMetricFilter(): object {
  return {
    Type: 'AWS::Logs::MetricFilter',
    DependsOn: ROOT.integrationStack,
    Properties: {
      LogGroupName: physicalName('/aws/lambda/${IntegrationLambdaFunctionName}'),
      FilterPattern: `{ $.message = "${BUSINESS_FAILURE_LOG}" }`,
      MetricTransformations: [{ MetricNamespace: BELLFLOWER_NAMESPACE, MetricName: BUSINESS_FAILURES_METRIC, MetricValue: '1', Unit: 'Count' }],
    },
  };
}

/** How long CloudFormation waits for the notification custom resource's answer (default: an hour). */
export const TRIGGER_SERVICE_TIMEOUT_SECONDS = 300;

/** Builds the root stack; throws when a nested template path is missing or malformed. */
export function buildRootStack(options: RootStackOptions): Record<string, unknown> {
  validateOptions(options);
  const paths = options.nestedTemplatePaths;
  return template({
    description: 'Project Bellflower: Step Functions callback workflow (Lambda, SQS task token, S3, SNS). Deploy the custom-resource cross stack first.',
    groups: [
      { label: 'Project And Environment', parameters: ['ProjectName', 'Environment'] },
      { label: 'KMS', parameters: ['KmsMasterKeyAlias', 'KmsMasterKeyId'] },
      {
        label: 'Lambda Function',
        parameters: [
          'LambdaExecutionRoleName',
          'LambdaExecutionPolicyName',
          'LambdaHandlerPath',
          'LambdaRuntime',
          'LambdaFunctionTimeoutSecs',
          'LambdaFunctionMemory',
          'LambdaLogLevel',
          'LogRetentionInDays',
          'LambdaFunctionCodeBucket',
          'ArtifactKeyPrefix',
          'ProcessingLambdaFunctionCodeKey',
          'ProcessingLambdaFunctionName',
          'ProcessingLambdaFunctionDescription',
          'SimulatedWorkMs',
          'IntegrationLambdaFunctionCodeKey',
          'IntegrationLambdaFunctionName',
          'IntegrationLambdaFunctionDescription',
        ],
      },
      { label: 'SQS', parameters: SQS_QUEUE_PARAMETERS },
      { label: 'SNS', parameters: SNS_TOPIC_PARAMETERS },
      { label: 'S3', parameters: ['S3IntegrationBucketName', 'S3DataBucketFolder', 'S3ObjectExpirationInDays', ...S3_PUBLIC_ACCESS_PARAMETERS] },
      {
        label: 'Step Function',
        parameters: ['StepFunctionExecutionRoleName', 'StepFunctionExecutionPolicyName', 'StepFunctionName', 'StateMachineDefinitionKey'],
      },
      { label: 'Cross Stack for Custom Resource', parameters: ['S3CustomResourceStackName'] },
      { label: 'Business Application', parameters: ['BusinessApplicationPrincipal', 'BusinessApplicationExternalId'] },
      { label: 'Alarms', parameters: ['AlarmsEnabled'] },
    ],
    conditions: { ...alarmConditions(), ...businessApplicationConditions() },
    resources: {
      [ROOT.s3Stack]: nestedStack(paths.s3, {
        ...pass('ProjectName', 'Environment'),
        KmsMasterKeyArn: KMS_KEY_ARN,
        S3BucketBaseName: ref('S3IntegrationBucketName'),
        S3DataBucketFolder: cf.Fn.Join(',', ref('S3DataBucketFolder')),
        ...pass('S3ObjectExpirationInDays', ...S3_PUBLIC_ACCESS_PARAMETERS, 'S3CustomResourceStackName'),
      }),
      [ROOT.iamStack]: nestedStack(paths.iam, {
        ...pass('ProjectName', 'Environment', 'KmsMasterKeyId'),
        KmsMasterKeyArn: KMS_KEY_ARN,
        ...pass(
          'ProcessingLambdaFunctionName',
          'IntegrationLambdaFunctionName',
          'LambdaExecutionRoleName',
          'LambdaExecutionPolicyName',
          'StepFunctionExecutionRoleName',
          'StepFunctionExecutionPolicyName',
          'StepFunctionName',
          'SQSQueueBaseName',
          'SNSTopicBaseName',
          'S3IntegrationBucketName',
          'BusinessApplicationPrincipal',
          'BusinessApplicationExternalId',
        ),
      }),
      [ROOT.sqsStack]: nestedStack(paths.sqs, {
        ...pass('ProjectName', 'Environment', 'KmsMasterKeyAlias', ...SQS_QUEUE_PARAMETERS, 'AlarmsEnabled'),
        AlarmTopicArn: ALARM_TOPIC_ARN,
      }),
      [ROOT.snsStack]: nestedStack(paths.sns, pass('ProjectName', 'Environment', 'KmsMasterKeyAlias', ...SNS_TOPIC_PARAMETERS)),
      [ROOT.processingStack]: lambdaStack(paths.lambda, 'Processing'),
      [ROOT.integrationStack]: lambdaStack(paths.lambda, 'Integration'),
      [ROOT.invokePermission]: new cf.Lambda.Permission({
        Action: 'lambda:InvokeFunction',
        FunctionName: integrationFunctionArn,
        Principal: 's3.amazonaws.com',
        SourceAccount: cf.Refs.AccountId,
        // Built from the naming rule (the bucket the S3 stack creates): a nested stack output here
        // would hide from checkers that this is a bucket ARN.
        SourceArn: s3Arn(nameText('${S3IntegrationBucketName}')),
      }),
      [ROOT.trigger]: {
        Type: 'Custom::LambdaTrigger',
        DependsOn: ROOT.invokePermission,
        Properties: {
          ServiceToken: importFromCrossStack(CROSS_EXPORTS.s3NotificationFunctionArn),
          ServiceTimeout: TRIGGER_SERVICE_TIMEOUT_SECONDS,
          LambdaArn: integrationFunctionArn,
          Bucket: stackOutput(ROOT.s3Stack, S3.bucketName),
          NotificationEventName: TRIGGER.event,
          Prefix: TRIGGER.prefix,
          Suffix: TRIGGER.suffix,
        },
      },
      [ROOT.eventSourceMapping]: new cf.Lambda.EventSourceMapping({
        EventSourceArn: stackOutput(ROOT.sqsStack, SQS.queueArn),
        FunctionName: integrationFunctionArn,
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        Enabled: true,
      })
        .dependsOn([...DEPENDS_ON_BUCKET])
        .metadata(
          nagSuppressions([
            'Serverless-LambdaEventSourceMappingDestination',
            'SQS event sources take no OnFailure destination; failed messages move to the callback dead-letter queue by the queue redrive policy.',
          ]),
        ),
      [ROOT.stateMachineLogGroup]: logGroup(physicalName('/aws/vendedlogs/states/${StepFunctionName}')),
      [ROOT.stateMachine]: new cf.StepFunctions.StateMachine(<StateMachineProperties>{
        StateMachineName: physicalName('${StepFunctionName}'),
        StateMachineType: 'STANDARD',
        RoleArn: stackOutput(ROOT.iamStack, IAM.stepFunctionRoleArn),
        DefinitionS3Location: { Bucket: ref('LambdaFunctionCodeBucket'), Key: ref('StateMachineDefinitionKey') },
        DefinitionSubstitutions: {
          [PLACEHOLDERS.partition]: cf.Refs.Partition,
          [PLACEHOLDERS.processingLambda]: stackOutput(ROOT.processingStack, LAMBDA.functionArn),
          [PLACEHOLDERS.waitForResponseQueueUrl]: stackOutput(ROOT.sqsStack, SQS.queueUrl),
          [PLACEHOLDERS.reportResultSnsTopicArn]: stackOutput(ROOT.snsStack, SNS.topicArn),
        } as unknown as Record<string, Record<string, unknown>>,
        LoggingConfiguration: {
          Level: 'ALL',
          // Execution data would put the task token ("Wait For Response" parameters) into the logs.
          IncludeExecutionData: false,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: cf.Fn.GetAtt(ROOT.stateMachineLogGroup, 'Arn') } }],
        },
        TracingConfiguration: { Enabled: true },
        // The execution history (the task token of "Wait For Response" among it) and the definition
        // are encrypted with our key: only a principal granted the key with this state machine's
        // encryption context reads them (GetExecutionHistory, DescribeExecution), see the IAM contract.
        EncryptionConfiguration: {
          Type: 'CUSTOMER_MANAGED_KMS_KEY',
          KmsKeyId: KMS_KEY_ARN,
          KmsDataKeyReusePeriodSeconds: STATE_MACHINE_DATA_KEY_REUSE_SECONDS,
        },
        Tags: tags(),
      }),
      [ROOT.executionsFailedAlarm]: executionsAlarm(
        'ExecutionsFailed',
        'executions-failed',
        'Executions failed (processing failed three times, the business application answered failure.json, its wait timed out, or Bellflower rejected the input): see the failure notification and the execution history. Without the business-failures alarm in the same period, the cause is on our side.',
      ),
      [ROOT.businessFailuresMetricFilter]: businessFailuresMetricFilter(),
      [ROOT.businessFailuresAlarm]: alarm({
        name: physicalName('${StepFunctionName}-business-failures'),
        description: 'The business application answered failure.json (a business decision, not a system failure): see the failure notification for its error and cause.',
        namespace: BELLFLOWER_NAMESPACE,
        metric: BUSINESS_FAILURES_METRIC,
        topicArn: ALARM_TOPIC_ARN,
      }),
      [ROOT.executionsTimedOutAlarm]: executionsAlarm(
        'ExecutionsTimedOut',
        'executions-timed-out',
        'Executions timed out at the state machine level: see the execution history.',
      ),
      [ROOT.executionsAbortedAlarm]: executionsAlarm(
        'ExecutionsAborted',
        'executions-aborted',
        'Executions were stopped (StopExecution): check who stopped them in CloudTrail.',
      ),
      // The cross stack is deployed before the topic exists; its dead-letter queue is watched from here.
      [ROOT.customResourceDeadLetterAlarm]: deadLetterAlarm(
        physicalName('${ProjectName}-cr-dlq-messages'),
        'custom-resource',
        physicalName('${ProjectName}-cr-dlq'),
        ALARM_TOPIC_ARN,
      ),
    },
    outputs: {
      [ROOT_OUTPUTS.s3BucketArn]: output('ARN of the integration bucket.', stackOutput(ROOT.s3Stack, S3.bucketArn)),
      [ROOT_OUTPUTS.s3BucketName]: output('Name of the integration bucket.', stackOutput(ROOT.s3Stack, S3.bucketName)),
      [ROOT_OUTPUTS.lambdaExecutionRoleArn]: output('ARN of the integration function role.', stackOutput(ROOT.iamStack, IAM.lambdaRoleArn)),
      [ROOT_OUTPUTS.processingLambdaExecutionRoleArn]: output(
        'ARN of the processing function role.',
        stackOutput(ROOT.iamStack, IAM.processingRoleArn),
      ),
      [ROOT_OUTPUTS.stepFunctionExecutionRoleArn]: output(
        'ARN of the state machine role.',
        stackOutput(ROOT.iamStack, IAM.stepFunctionRoleArn),
      ),
      [ROOT_OUTPUTS.sqsQueueArn]: output('ARN of the callback queue.', stackOutput(ROOT.sqsStack, SQS.queueArn)),
      [ROOT_OUTPUTS.sqsQueueUrl]: output('URL of the callback queue.', stackOutput(ROOT.sqsStack, SQS.queueUrl)),
      [ROOT_OUTPUTS.sqsDeadLetterQueueUrl]: output(
        'URL of the callback dead-letter queue.',
        stackOutput(ROOT.sqsStack, SQS.deadLetterQueueUrl),
      ),
      [ROOT_OUTPUTS.snsTopicArn]: output('ARN of the result topic.', stackOutput(ROOT.snsStack, SNS.topicArn)),
      [ROOT_OUTPUTS.snsSubscriptionArn]: output('ARN of the e-mail subscription.', stackOutput(ROOT.snsStack, SNS.subscriptionArn)),
      [ROOT_OUTPUTS.processingLambdaArn]: output(
        'ARN of the processing function.',
        stackOutput(ROOT.processingStack, LAMBDA.functionArn),
      ),
      [ROOT_OUTPUTS.integrationLambdaArn]: output('ARN of the integration function.', integrationFunctionArn),
      [ROOT_OUTPUTS.stepFunctionArn]: output('ARN of the state machine.', ref(ROOT.stateMachine)),
      // What to give the business application (docs/business-application.md).
      [ROOT_OUTPUTS.businessApplicationRoleArn]: {
        Condition: HAS_BUSINESS_APPLICATION,
        ...output('ARN of the role the business application assumes.', stackOutput(ROOT.iamStack, IAM.businessApplicationRoleArn)),
      },
      [ROOT_OUTPUTS.businessApplicationOutboundPrefix]: {
        Condition: HAS_BUSINESS_APPLICATION,
        ...output('Where the business application reads new executions (outbound/<uuid>/data.json).', 'outbound/'),
      },
      [ROOT_OUTPUTS.businessApplicationInboundPrefix]: {
        Condition: HAS_BUSINESS_APPLICATION,
        ...output('Where it answers: inbound/<uuid>/success.json, failure.json or heartbeat.json.', 'inbound/'),
      },
    },
  });
}
