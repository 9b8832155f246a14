/**
 * Resource builders used by more than one template: a KMS-encrypted queue, its TLS-only policy,
 * a Node.js function with its log group, and a log group.
 */
import { cf, type IntrinsicFunction, type Value } from './cloudform';
import {
  assumeRolePolicy,
  deleteWithStack,
  denyInsecureTransport,
  nagSuppressions,
  policyDocument,
  ref,
  tags,
  XRAY_WILDCARD,
  type Statement,
  type Suppression,
} from './common';
import { LAMBDA_HANDLER, LAMBDA_RUNTIME } from './names';

/** Options of {@link encryptedQueue}. */
export interface QueueOptions {
  readonly name: Value<string>;
  readonly kmsKey: Value<string>;
  readonly suppressions?: readonly Suppression[];
  readonly properties?: Record<string, unknown>;
}

/** An SQS queue encrypted with the customer managed key. */
export function encryptedQueue(options: QueueOptions): object {
  const queue = deleteWithStack(
    new cf.SQS.Queue({
    QueueName: options.name,
    KmsMasterKeyId: options.kmsKey,
    // Reuse data keys for 5 minutes: fewer KMS calls, same protection.
    KmsDataKeyReusePeriodSeconds: 300,
      ...options.properties,
      Tags: tags(),
    }),
  );
  return options.suppressions ? queue.metadata(nagSuppressions(...options.suppressions)) : queue;
}

/** Suppressions for a queue that is itself a dead-letter queue. */
export const DLQ_SUPPRESSIONS: readonly Suppression[] = [
  ['AwsSolutions-SQS3', 'This queue is a dead-letter queue: messages that reach it are kept for inspection, not redriven again.'],
  ['Serverless-SQSRedrivePolicy', 'This queue is a dead-letter queue: messages that reach it are kept for inspection, not redriven again.'],
];

/** A queue policy that denies every request not made over TLS. */
export function tlsOnlyQueuePolicy(queueIds: readonly string[]): object {
  return new cf.SQS.QueuePolicy({
    Queues: queueIds.map((id) => ref(id)),
    PolicyDocument: policyDocument(denyInsecureTransport('sqs:*', queueIds.map((id) => cf.Fn.GetAtt(id, 'Arn')))),
  });
}

/** A log group with the retention of the `LogRetentionInDays` parameter. */
export function logGroup(name: Value<string>): object {
  return deleteWithStack(
    new cf.Logs.LogGroup({ LogGroupName: name, RetentionInDays: ref('LogRetentionInDays'), Tags: tags() }),
  );
}

/** Options of {@link nodeFunction}. */
export interface FunctionOptions {
  readonly name: IntrinsicFunction;
  readonly description: Value<string>;
  readonly role: Value<string>;
  readonly codeBucket: Value<string>;
  readonly codeKey: Value<string>;
  readonly logGroupId: string;
  readonly deadLetterQueueArn: Value<string>;
  readonly environment: Record<string, Value<string>>;
  /** @default LAMBDA_RUNTIME */
  readonly runtime?: Value<string>;
  /** @default LAMBDA_HANDLER */
  readonly handler?: Value<string>;
  readonly timeout?: Value<number>;
  readonly memory?: Value<number>;
  readonly suppressions: readonly Suppression[];
}

/**
 * A Node.js function: code from the artifact bucket, X-Ray tracing, JSON logs into its own
 * log group (created first, with retention), failed asynchronous invocations into a
 * dead-letter queue.
 */
export function nodeFunction(options: FunctionOptions): object {
  const properties = {
    FunctionName: options.name,
    Description: options.description,
    Role: options.role,
    Runtime: options.runtime ?? LAMBDA_RUNTIME,
    Handler: options.handler ?? LAMBDA_HANDLER,
    Architectures: ['arm64'],
    Timeout: options.timeout,
    MemorySize: options.memory,
    Code: { S3Bucket: options.codeBucket, S3Key: options.codeKey },
    Environment: {
      Variables: { NODE_OPTIONS: '--enable-source-maps', ...options.environment },
    },
    TracingConfig: { Mode: 'Active' },
    DeadLetterConfig: { TargetArn: options.deadLetterQueueArn },
    LoggingConfig: { LogFormat: 'JSON', LogGroup: ref(options.logGroupId) },
    Tags: tags(),
  };
  return new cf.Lambda.Function(properties as ConstructorParameters<typeof cf.Lambda.Function>[0]).metadata(
    nagSuppressions(...options.suppressions),
  );
}

/** Options of {@link executionRole}. */
export interface RoleOptions {
  /** Physical name; CloudFormation generates one when absent. */
  readonly name?: Value<string>;
  readonly policyName: Value<string>;
  /** Service principal, e.g. `lambda.amazonaws.com`. */
  readonly service: string;
  readonly description: Value<string>;
  readonly statements: readonly Statement[];
  /** Why the role's remaining wildcards (beyond X-Ray) are needed, for the cdk-nag IAM5 suppression. */
  readonly wildcardReason?: string;
  /** Conditions of the trust policy (`aws:SourceAccount`, `aws:SourceArn`) where the service sets them. @default none */
  readonly trustCondition?: Record<string, unknown>;
}

/** A service role with one inline policy; the cdk-nag IAM5 suppression explains its wildcards. */
export function executionRole(options: RoleOptions): object {
  const [id, reason] = XRAY_WILDCARD;
  const wildcardReason = options.wildcardReason ? `${reason} ${options.wildcardReason}` : reason;
  return new cf.IAM.Role({
    RoleName: options.name,
    Description: options.description,
    AssumeRolePolicyDocument: assumeRolePolicy(options.service, options.trustCondition),
    Policies: [{ PolicyName: options.policyName, PolicyDocument: policyDocument(...options.statements) }],
    Tags: tags(),
  }).metadata(
    nagSuppressions(
      [id, wildcardReason],
      // The Serverless pack repeats IAM5's check for Lambda roles.
      ...(options.service === 'lambda.amazonaws.com' ? [['Serverless-LambdaStarPermissions', wildcardReason] as const] : []),
    ),
  );
}

/** Condition name of every alarm: the `AlarmsEnabled` parameter is `true`. */
export const ALARMS_CONDITION = 'CreateAlarms';

/** The `Conditions` section of a template with alarms. */
export const alarmConditions = (): Record<string, unknown> => ({ [ALARMS_CONDITION]: cf.Fn.Equals(ref('AlarmsEnabled'), 'true') });

/** Namespace of the metrics Bellflower publishes itself (from its logs). */
export const BELLFLOWER_NAMESPACE = 'Bellflower';

/** Options of {@link alarm}. */
export interface AlarmOptions {
  readonly name: Value<string>;
  readonly description: string;
  readonly namespace: 'AWS/SQS' | 'AWS/Lambda' | 'AWS/States' | typeof BELLFLOWER_NAMESPACE;
  readonly metric: Value<string>;
  /** @default none (a metric of our own, named per environment) */
  readonly dimension?: { readonly Name: string; readonly Value: Value<string> };
  /** @default 'Sum' */
  readonly statistic?: 'Sum' | 'Maximum';
  /** The alarm fires above it. @default 0 */
  readonly threshold?: number;
  readonly topicArn: Value<string>;
}

/**
 * An alarm that fires when a metric is above its threshold (0) in a 5-minute period and notifies the topic
 * (created only when `AlarmsEnabled` is `true`). Missing data (nothing happened) is not breaching.
 */
export function alarm(options: AlarmOptions): object {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Condition: ALARMS_CONDITION,
    Properties: {
      AlarmName: options.name,
      AlarmDescription: options.description,
      Namespace: options.namespace,
      MetricName: options.metric,
      ...(options.dimension ? { Dimensions: [options.dimension] } : {}),
      Statistic: options.statistic ?? 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: options.threshold ?? 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [options.topicArn],
    },
  };
}

/** An alarm on a dead-letter queue holding any message. */
export const deadLetterAlarm = (name: Value<string>, what: string, queueName: Value<string>, topicArn: Value<string>): object =>
  alarm({
    name,
    description: `Messages in the ${what} dead-letter queue: inspect them (docs/operating.md) and redrive or delete them.`,
    namespace: 'AWS/SQS',
    metric: 'ApproximateNumberOfMessagesVisible',
    dimension: { Name: 'QueueName', Value: queueName },
    statistic: 'Maximum',
    topicArn,
  });
