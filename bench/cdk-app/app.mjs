/**
 * The peer of `npm run synth` in `npm run bench`: Bellflower's stacks written as a plain CDK app
 * (L2 constructs, as a CDK user would write them), with the same resources per stack: the cross
 * stack (2 functions with their roles, log groups and dead-letter queues), and a root stack with
 * the state machine, its log group, 4 alarms, the event source mapping and the S3 permission,
 * over nested stacks for the state machine role, the two functions (function, role, log group,
 * DLQ, 3 alarms each), the bucket, the topic and the queues. Code and definition come from the artifact bucket, so CDK
 * builds no asset: what is timed is construct work and synthesis, as in Bellflower's synth.
 *
 * Plain JavaScript on purpose: it is run as `node app.mjs` (and by `cdk synth` through cdk.json),
 * the way a JavaScript CDK app runs, without a TypeScript loader in the measurement.
 * `CDK_VALIDATION=false` turns CDK's built-in CloudFormation validation off (the bare app).
 */
import { App, CfnOutput, Duration, NestedStack, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const ARTIFACTS = 'bellflower-artifacts';
const env = { account: '123456789012', region: 'us-east-1' };

/** A function with its log group, dead-letter queue and (optionally) alarms, code from the bucket. */
function fn(scope, id, key, alarms) {
  const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
    retention: logs.RetentionDays.ONE_MONTH,
    encryptionKey: key,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const deadLetterQueue = new sqs.Queue(scope, `${id}Dlq`, { encryptionMasterKey: key, enforceSSL: true });
  const f = new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromBucket(s3.Bucket.fromBucketName(scope, `${id}Artifacts`, ARTIFACTS), `code/${id}.zip`, 'version-1'),
    memorySize: 256,
    timeout: Duration.seconds(300),
    tracing: lambda.Tracing.ACTIVE,
    logGroup,
    deadLetterQueue,
    environment: { POWERTOOLS_LOG_LEVEL: 'INFO' },
  });
  if (alarms) {
    for (const [name, metric] of [
      ['Errors', f.metricErrors()],
      ['Throttles', f.metricThrottles()],
      ['DlqMessages', deadLetterQueue.metricApproximateNumberOfMessagesVisible()],
    ]) {
      new cloudwatch.Alarm(scope, `${id}${name}Alarm`, { metric, threshold: 1, evaluationPeriods: 1 });
    }
  }
  return f;
}

const app = new App();

const cross = new Stack(app, 'bellflower-s3-custom-resource-stack', { env });
const crossKey = kms.Key.fromKeyArn(cross, 'Key', KEY_ARN);
for (const name of ['S3Folders', 'S3Notification']) {
  const f = fn(cross, `${name}Function`, crossKey, false);
  new CfnOutput(cross, `${name}FunctionArn`, { value: f.functionArn, exportName: `bellflower-${name}-arn` });
}

const root = new Stack(app, 'bellflower-root-stack', { env });

// Each function gets its role from lambda.Function (the CDK way); the role stack holds the
// state machine's.
const roles = new NestedStack(root, 'IamRoleStack');
const stateMachineRole = new iam.Role(roles, 'StateMachineRole', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });

const storage = new NestedStack(root, 'S3Stack');
const storageKey = kms.Key.fromKeyArn(storage, 'Key', KEY_ARN);
const bucket = new s3.Bucket(storage, 'IntegrationBucket', {
  encryption: s3.BucketEncryption.KMS,
  encryptionKey: storageKey,
  enforceSSL: true,
  versioned: true,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  lifecycleRules: [{ expiration: Duration.days(30), noncurrentVersionExpiration: Duration.days(7) }],
});

const messaging = new NestedStack(root, 'SnsStack');
const topic = new sns.Topic(messaging, 'ResultTopic', { masterKey: kms.Key.fromKeyArn(messaging, 'Key', KEY_ARN), enforceSSL: true });
topic.addSubscription(new subscriptions.EmailSubscription('someone@example.com'));

const queues = new NestedStack(root, 'SqsStack');
const queueKey = kms.Key.fromKeyArn(queues, 'Key', KEY_ARN);
const callbackDlq = new sqs.Queue(queues, 'CallbackDlq', { encryptionMasterKey: queueKey, enforceSSL: true });
const callbackQueue = new sqs.Queue(queues, 'CallbackQueue', {
  encryptionMasterKey: queueKey,
  enforceSSL: true,
  visibilityTimeout: Duration.seconds(1800),
  deadLetterQueue: { queue: callbackDlq, maxReceiveCount: 5 },
});
new cloudwatch.Alarm(queues, 'CallbackDlqAlarm', {
  metric: callbackDlq.metricApproximateNumberOfMessagesVisible(),
  threshold: 1,
  evaluationPeriods: 1,
});

const processingStack = new NestedStack(root, 'ProcessingLambdaStack');
const processing = fn(processingStack, 'ProcessingFunction', kms.Key.fromKeyArn(processingStack, 'Key', KEY_ARN), true);
const integrationStack = new NestedStack(root, 'IntegrationLambdaStack');
const integration = fn(integrationStack, 'IntegrationFunction', kms.Key.fromKeyArn(integrationStack, 'Key', KEY_ARN), true);
bucket.grantReadWrite(integration);

integration.addEventSource(new SqsEventSource(callbackQueue, { batchSize: 1 }));
integration.addPermission('S3Invoke', { principal: new iam.ServicePrincipal('s3.amazonaws.com'), sourceArn: bucket.bucketArn });
// The state machine's grants live in the root stack, as in Bellflower: the role stack must not
// depend on the function stacks that depend on it.
const stateMachinePolicy = new iam.Policy(root, 'StateMachinePolicy', { roles: [stateMachineRole] });
processing.grantInvoke(stateMachinePolicy);
callbackQueue.grantSendMessages(stateMachinePolicy);
topic.grantPublish(stateMachinePolicy);

const definition = {
  StartAt: 'Processing Lambda',
  States: {
    'Processing Lambda': {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: '${ProcessingFunctionArn}', 'Payload.$': '$' },
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2 }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'SNS Publish Failure' }],
      Next: 'Wait For Response',
    },
    'Wait For Response': {
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
      Parameters: { QueueUrl: '${CallbackQueueUrl}', MessageBody: { 'Input.$': '$', 'TaskToken.$': '$$.Task.Token' } },
      TimeoutSeconds: 86400,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'SNS Publish Failure' }],
      Next: 'SNS Publish Success',
    },
    'SNS Publish Success': {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: { TopicArn: '${TopicArn}', 'Message.$': '$' },
      Next: 'Success',
    },
    'SNS Publish Failure': {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: { TopicArn: '${TopicArn}', 'Message.$': '$' },
      Next: 'Fail',
    },
    Success: { Type: 'Succeed' },
    Fail: { Type: 'Fail' },
  },
};
const stateMachine = new sfn.StateMachine(root, 'StateMachine', {
  definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(definition)),
  definitionSubstitutions: {
    ProcessingFunctionArn: processing.functionArn,
    CallbackQueueUrl: callbackQueue.queueUrl,
    TopicArn: topic.topicArn,
  },
  role: stateMachineRole,
  tracingEnabled: true,
  logs: { destination: new logs.LogGroup(root, 'StateMachineLogGroup', { removalPolicy: RemovalPolicy.DESTROY }), level: sfn.LogLevel.ERROR },
});
for (const [name, metric] of [
  ['Failed', stateMachine.metricFailed()],
  ['TimedOut', stateMachine.metricTimedOut()],
  ['Aborted', stateMachine.metricAborted()],
  ['Throttled', stateMachine.metricThrottled()],
]) {
  new cloudwatch.Alarm(root, `Executions${name}Alarm`, { metric, threshold: 1, evaluationPeriods: 1 });
}
new CfnOutput(root, 'StateMachineArn', { value: stateMachine.stateMachineArn });

app.synth();
