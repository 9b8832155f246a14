/**
 * The IAM contract: every AWS call each principal of a Bellflower deployment makes, the IAM
 * action(s) AWS authorizes it with, on which resource and in which request context. The tests
 * evaluate every entry with an IAM policy simulator against the exact synthesized identity and
 * resource policies (every call allowed; without TLS denied), check that every granted action is
 * used by some entry, and fail when a handler sends an SDK command that has no entry here. The
 * README's permission table is rendered from it.
 *
 * Resources are written against {@link ContractTargets}, so one table serves a sample deployment
 * (concrete ARNs, for the simulator) and the README (placeholders).
 */

/** Who makes the call. */
export const PRINCIPALS = {
  processing: 'processing function',
  integration: 'integration function',
  stateMachine: 'state machine',
  folders: 'folders custom resource',
  notification: 'notification custom resource',
  s3Service: 'Amazon S3 (bucket notification)',
  alarms: 'CloudWatch alarms',
  partner: 'business application (its own identity)',
  businessApplication: 'business application role',
  logDelivery: 'CloudWatch Logs (log delivery)',
  operator: 'operator (start-execution, watch, logs, load)',
} as const;

/** A principal of the contract. */
export type PrincipalName = keyof typeof PRINCIPALS;

/** Who sends the request on the principal's behalf. */
export type Caller = 'handler code' | 'Lambda service' | 'Step Functions' | 'Amazon S3' | 'CloudWatch' | 'CloudWatch Logs' | 'the business application' | 'the CLI';

/** The resources and names the entries point at. */
export interface ContractTargets {
  readonly region: string;
  readonly accountId: string;
  readonly urlSuffix: string;
  readonly bucketArn: string;
  readonly keyArn: string;
  readonly queueArn: string;
  readonly topicArn: string;
  readonly stateMachineArn: string;
  /** ARN of the state machine's execution log group (`arn:...:log-group:/aws/vendedlogs/states/<name>`). */
  readonly stateMachineLogGroupArn: string;
  readonly processingFunctionArn: string;
  readonly integrationFunctionArn: string;
  readonly foldersFunctionArn: string;
  /** ARN of one of the deployment's alarms. */
  readonly alarmArn: string;
  /** The role the business application assumes, and the external id it passes. */
  readonly businessApplicationRoleArn: string;
  readonly externalId: string;
  /** Log-stream ARN prefix of each function's log group: `arn:...:log-group:<name>`. */
  readonly logGroupArns: Readonly<Record<'processing' | 'integration' | 'folders' | 'notification', string>>;
  /** Dead-letter queue ARN of each function's failed asynchronous invocations. */
  readonly deadLetterQueueArns: Readonly<Record<'processing' | 'integration' | 'folders' | 'notification', string>>;
}

/** One authorization AWS performs for a call. */
export interface PermissionRequest {
  readonly action: string;
  readonly resource: string;
  /** Request context beyond the principal and TLS (e.g. `kms:ViaService`, `aws:SourceArn`). */
  readonly context?: Readonly<Record<string, string>>;
  /**
   * `runtime`: the Service Authorization Reference lists no resource type for the action (so a
   * strict simulator only accepts `*`), but the service authorizes it against this resource (see
   * the entry's note); the simulator evaluates it without that validation.
   */
  readonly authorization?: 'runtime';
}

/** One AWS call of one principal. */
export interface ContractEntry {
  readonly principal: PrincipalName;
  /** `<SDK service>.<operation>`, as the handlers' call log records it (`S3.PutObject`). */
  readonly operation: string;
  readonly caller: Caller;
  readonly requests: readonly PermissionRequest[];
  readonly why: string;
}

const UUID = '0b7f3c1e-8d2a-4c5b-9e6f-1a2b3c4d5e6f';
const LOG_STREAM = 'log-stream:2026/11/25/[$LATEST]0123456789abcdef';

const via = (t: ContractTargets, service: 's3' | 'sqs' | 'sns') => ({
  'kms:ViaService': `${service}.${t.region}.${t.urlSuffix}`,
  'kms:CallerAccount': t.accountId,
});

/**
 * Use of the key for the encrypted state machine's data, with the encryption context Step Functions
 * sends (the AWS Step Functions developer guide, "Data at rest encryption"; aws-cdk's
 * aws-stepfunctions StateMachine grants its role the same).
 */
const stateMachineData = (t: ContractTargets, ...actions: string[]): PermissionRequest[] =>
  actions.map((action) => ({ action: `kms:${action}`, resource: t.keyArn, context: { [STATE_MACHINE_ENCRYPTION_CONTEXT]: t.stateMachineArn } }));

/** The encryption context key of a state machine encrypted with a customer managed key. */
export const STATE_MACHINE_ENCRYPTION_CONTEXT = 'kms:EncryptionContext:aws:states:stateMachineArn';

/** An execution of the state machine (`execution:<state machine name>:<execution name>`). */
export const executionArnOf = (stateMachineArn: string, name: string): string =>
  stateMachineArn.includes(':stateMachine:') ? `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}` : `<execution ARN prefix>:${name}`;

/** SSE-KMS / encrypted-queue key use by a service on the principal's behalf. */
const kms = (t: ContractTargets, service: 's3' | 'sqs' | 'sns', ...actions: string[]): PermissionRequest[] =>
  actions.map((action) => ({ action: `kms:${action}`, resource: t.keyArn, context: via(t, service) }));

type FunctionKey = keyof ContractTargets['logGroupArns'];

/** What the Lambda service does with every function's role: logs, the dead-letter queue, traces. */
function lambdaServiceEntries(principal: PrincipalName, fn: FunctionKey, t: ContractTargets): ContractEntry[] {
  const stream = `${t.logGroupArns[fn]}:${LOG_STREAM}`;
  return [
    {
      principal,
      operation: 'CloudWatchLogs.CreateLogStream',
      caller: 'Lambda service',
      requests: [{ action: 'logs:CreateLogStream', resource: stream }],
      why: 'the function log stream',
    },
    {
      principal,
      operation: 'CloudWatchLogs.PutLogEvents',
      caller: 'Lambda service',
      requests: [{ action: 'logs:PutLogEvents', resource: stream }],
      why: 'the function logs',
    },
    {
      principal,
      operation: 'SQS.SendMessage',
      caller: 'Lambda service',
      requests: [{ action: 'sqs:SendMessage', resource: t.deadLetterQueueArns[fn] }, ...kms(t, 'sqs', 'GenerateDataKey', 'Decrypt')],
      why: 'a failed asynchronous invocation goes to the function dead-letter queue (KMS-encrypted)',
    },
    {
      principal,
      operation: 'XRay.PutTraceSegments',
      caller: 'Lambda service',
      requests: [
        { action: 'xray:PutTraceSegments', resource: '*' },
        { action: 'xray:PutTelemetryRecords', resource: '*' },
      ],
      why: 'active tracing (X-Ray supports no resource-level permissions)',
    },
  ];
}

/** Every entry of the contract for one set of targets. */
export function contract(t: ContractTargets): ContractEntry[] {
  const object = (key: string) => `${t.bucketArn}/${key}`;
  return [
    ...lambdaServiceEntries('processing', 'processing', t),

    ...lambdaServiceEntries('integration', 'integration', t),
    {
      principal: 'integration',
      operation: 'SQS.ReceiveMessage',
      caller: 'Lambda service',
      requests: [
        { action: 'sqs:ReceiveMessage', resource: t.queueArn },
        { action: 'sqs:GetQueueAttributes', resource: t.queueArn },
        ...kms(t, 'sqs', 'Decrypt'),
      ],
      why: 'the event source mapping polls the callback queue with the function role',
    },
    {
      principal: 'integration',
      operation: 'SQS.DeleteMessage',
      caller: 'Lambda service',
      requests: [{ action: 'sqs:DeleteMessage', resource: t.queueArn }],
      why: 'a processed callback message is deleted by the event source mapping',
    },
    {
      principal: 'integration',
      operation: 'S3.PutObject',
      caller: 'handler code',
      requests: [
        { action: 's3:PutObject', resource: object(`outbound/${UUID}/task_token.txt`) },
        { action: 's3:PutObject', resource: object(`outbound/${UUID}/data.json`) },
        ...kms(t, 's3', 'GenerateDataKey'),
      ],
      why: 'writes the task token and the data for the business application (SSE-KMS)',
    },
    {
      principal: 'integration',
      operation: 'S3.GetObject',
      caller: 'handler code',
      requests: [
        { action: 's3:GetObject', resource: object(`outbound/${UUID}/task_token.txt`) },
        { action: 's3:GetObject', resource: object(`inbound/${UUID}/success.json`) },
        { action: 's3:GetObject', resource: object(`inbound/${UUID}/failure.json`) },
        // Without it S3 answers a missing key with AccessDenied instead of NoSuchKey.
        { action: 's3:ListBucket', resource: t.bucketArn },
        ...kms(t, 's3', 'Decrypt'),
      ],
      why: 'reads the token of the execution an answer belongs to, and the answer',
    },
    {
      principal: 'integration',
      operation: 'SFN.SendTaskSuccess',
      caller: 'handler code',
      requests: [
        { action: 'states:SendTaskSuccess', resource: t.stateMachineArn, authorization: 'runtime' },
        ...stateMachineData(t, 'GenerateDataKey', 'Decrypt'),
      ],
      why: 'resumes the execution with success.json (the answer becomes execution data, encrypted with the key)',
    },
    {
      principal: 'integration',
      operation: 'SFN.SendTaskFailure',
      caller: 'handler code',
      requests: [
        { action: 'states:SendTaskFailure', resource: t.stateMachineArn, authorization: 'runtime' },
        ...stateMachineData(t, 'GenerateDataKey', 'Decrypt'),
      ],
      why: 'fails the execution with failure.json, or at once when its callback message carries an input that can never succeed',
    },
    {
      principal: 'integration',
      operation: 'SFN.SendTaskHeartbeat',
      caller: 'handler code',
      requests: [{ action: 'states:SendTaskHeartbeat', resource: t.stateMachineArn, authorization: 'runtime' }],
      why: 'keeps a long wait alive when the business application writes heartbeat.json',
    },

    {
      principal: 'stateMachine',
      operation: 'Lambda.Invoke',
      caller: 'Step Functions',
      requests: [{ action: 'lambda:InvokeFunction', resource: t.processingFunctionArn }],
      why: '"Processing Lambda" (lambda:invoke with the unqualified function ARN)',
    },
    {
      principal: 'stateMachine',
      operation: 'SQS.SendMessage',
      caller: 'Step Functions',
      requests: [{ action: 'sqs:SendMessage', resource: t.queueArn }, ...kms(t, 'sqs', 'GenerateDataKey', 'Decrypt')],
      why: '"Wait For Response" sends the task token to the encrypted callback queue',
    },
    {
      principal: 'stateMachine',
      operation: 'SNS.Publish',
      caller: 'Step Functions',
      requests: [{ action: 'sns:Publish', resource: t.topicArn }, ...kms(t, 'sns', 'GenerateDataKey', 'Decrypt')],
      why: 'the success and failure notifications (encrypted topic)',
    },
    {
      principal: 'stateMachine',
      operation: 'KMS.GenerateDataKey',
      caller: 'Step Functions',
      requests: stateMachineData(t, 'GenerateDataKey', 'Decrypt'),
      why: 'the definition and execution history (the task token of "Wait For Response" among it) are encrypted with the key (EncryptionConfiguration)',
    },
    {
      principal: 'stateMachine',
      operation: 'CloudWatchLogs.CreateLogDelivery',
      caller: 'Step Functions',
      requests: [
        ...[
          'CreateLogDelivery',
          'GetLogDelivery',
          'UpdateLogDelivery',
          'DeleteLogDelivery',
          'ListLogDeliveries',
          'PutResourcePolicy',
          'DescribeResourcePolicies',
          'DescribeLogGroups',
        ].map((action) => ({ action: `logs:${action}`, resource: '*' })),
        // Log delivery of an encrypted state machine (aws-cdk's StateMachine grants the same).
        { action: 'kms:GenerateDataKey', resource: t.keyArn, context: { 'kms:EncryptionContext:SourceArn': t.stateMachineLogGroupArn } },
      ],
      why: 'execution logging to CloudWatch Logs (vended log delivery supports no resource-level permissions; its data is encrypted with the key)',
    },
    {
      principal: 'stateMachine',
      operation: 'XRay.PutTraceSegments',
      caller: 'Step Functions',
      requests: ['PutTraceSegments', 'PutTelemetryRecords', 'GetSamplingRules', 'GetSamplingTargets'].map((action) => ({
        action: `xray:${action}`,
        resource: '*',
      })),
      why: 'X-Ray tracing of executions (no resource-level permissions)',
    },

    ...lambdaServiceEntries('folders', 'folders', t),
    {
      principal: 'folders',
      operation: 'S3.PutObject',
      caller: 'handler code',
      requests: [
        { action: 's3:PutObject', resource: object('inbound/') },
        { action: 's3:PutObject', resource: object('outbound/') },
        ...kms(t, 's3', 'GenerateDataKey'),
      ],
      why: 'creates the folder markers (SSE-KMS)',
    },
    {
      principal: 'folders',
      operation: 'S3.ListObjectVersions',
      caller: 'handler code',
      requests: [{ action: 's3:ListBucketVersions', resource: t.bucketArn }],
      why: 'lists every object version and delete marker to empty the bucket on delete',
    },
    {
      principal: 'folders',
      operation: 'S3.DeleteObjects',
      caller: 'handler code',
      requests: [
        { action: 's3:DeleteObjectVersion', resource: object(`outbound/${UUID}/task_token.txt`) },
        { action: 's3:DeleteObjectVersion', resource: object('inbound/') },
      ],
      why: 'deletes them by version id (S3 authorizes each key of the batch)',
    },
    {
      principal: 'folders',
      operation: 'Lambda.Invoke',
      caller: 'handler code',
      requests: [{ action: 'lambda:InvokeFunction', resource: t.foldersFunctionArn }],
      why: 'continues emptying a large bucket in a new invocation of itself',
    },

    ...lambdaServiceEntries('notification', 'notification', t),
    {
      principal: 'notification',
      operation: 'S3.GetBucketNotificationConfiguration',
      caller: 'handler code',
      requests: [{ action: 's3:GetBucketNotification', resource: t.bucketArn }],
      why: 'reads the bucket notifications, to change only its own',
    },
    {
      principal: 'notification',
      operation: 'S3.PutBucketNotificationConfiguration',
      caller: 'handler code',
      requests: [{ action: 's3:PutBucketNotification', resource: t.bucketArn }],
      why: 'adds (removes on delete) the inbound/*.json notification to the integration function',
    },

    {
      principal: 's3Service',
      operation: 'Lambda.Invoke',
      caller: 'Amazon S3',
      requests: [
        {
          action: 'lambda:InvokeFunction',
          resource: t.integrationFunctionArn,
          context: { 'aws:SourceAccount': t.accountId, 'aws:SourceArn': t.bucketArn },
        },
      ],
      why: 'the bucket notification for inbound/*.json',
    },

    {
      principal: 'alarms',
      operation: 'SNS.Publish',
      caller: 'CloudWatch',
      requests: [
        { action: 'sns:Publish', resource: t.topicArn, context: { 'aws:SourceAccount': t.accountId, 'aws:SourceArn': t.alarmArn } },
        ...kms(t, 'sns', 'GenerateDataKey', 'Decrypt'),
      ],
      why: 'an alarm (AlarmsEnabled) notifies the encrypted result topic; the key policy must allow CloudWatch (see below)',
    },

    {
      principal: 'logDelivery',
      operation: 'KMS.Decrypt',
      caller: 'CloudWatch Logs',
      requests: [{ action: 'kms:Decrypt', resource: t.keyArn, context: { 'aws:SourceAccount': t.accountId } }],
      why: 'delivers the execution logs of the encrypted state machine; the key policy must allow it (see below)',
    },

    {
      principal: 'operator',
      operation: 'SFN.StartExecution',
      caller: 'the CLI',
      requests: [{ action: 'states:StartExecution', resource: t.stateMachineArn }, ...stateMachineData(t, 'GenerateDataKey', 'Decrypt')],
      why: 'start-execution and load: the input becomes execution data, encrypted with the key',
    },
    {
      principal: 'operator',
      operation: 'SFN.GetExecutionHistory',
      caller: 'the CLI',
      requests: [{ action: 'states:GetExecutionHistory', resource: executionArnOf(t.stateMachineArn, UUID) }, ...stateMachineData(t, 'Decrypt')],
      why: 'watch, logs and load read the execution history (encrypted: without the key it is refused)',
    },
    {
      principal: 'operator',
      operation: 'SFN.DescribeExecution',
      caller: 'the CLI',
      requests: [{ action: 'states:DescribeExecution', resource: executionArnOf(t.stateMachineArn, UUID) }, ...stateMachineData(t, 'Decrypt')],
      why: 'load follows its executions to their end',
    },
    {
      principal: 'operator',
      operation: 'SFN.DescribeStateMachineForExecution',
      caller: 'the CLI',
      requests: [{ action: 'states:DescribeStateMachineForExecution', resource: executionArnOf(t.stateMachineArn, UUID) }, ...stateMachineData(t, 'Decrypt')],
      why: 'watch draws the definition of the execution (encrypted with the key)',
    },

    {
      principal: 'partner',
      operation: 'STS.AssumeRole',
      caller: 'the business application',
      requests: [{ action: 'sts:AssumeRole', resource: t.businessApplicationRoleArn, context: { 'sts:ExternalId': t.externalId } }],
      why: 'takes the business application role (from its own account, with the external id)',
    },
    {
      principal: 'businessApplication',
      operation: 'S3.ListObjectsV2',
      caller: 'the business application',
      requests: [{ action: 's3:ListBucket', resource: t.bucketArn, context: { 's3:prefix': 'outbound/' } }],
      why: 'finds new executions under outbound/',
    },
    {
      principal: 'businessApplication',
      operation: 'S3.HeadObject',
      caller: 'the business application',
      requests: [{ action: 's3:GetObject', resource: object(`outbound/${UUID}/data.json`) }, ...kms(t, 's3', 'Decrypt')],
      why: 'checks that an execution waits (respond: its data.json exists; the task token stays unreadable); a missing key then answers 403, settled by listing it',
    },
    {
      principal: 'businessApplication',
      operation: 'S3.GetObject',
      caller: 'the business application',
      requests: [
        { action: 's3:GetObject', resource: object(`outbound/${UUID}/data.json`) },
        { action: 's3:GetObject', resource: object(`outbound/${UUID}/rejected/20260101T000000.000Z-success.json`) },
        ...kms(t, 's3', 'Decrypt'),
      ],
      why: 'reads the data of an execution and the notice of a refused answer',
    },
    {
      principal: 'businessApplication',
      operation: 'S3.PutObject',
      caller: 'the business application',
      requests: [
        { action: 's3:PutObject', resource: object(`inbound/${UUID}/success.json`) },
        { action: 's3:PutObject', resource: object(`inbound/${UUID}/failure.json`) },
        { action: 's3:PutObject', resource: object(`inbound/${UUID}/heartbeat.json`) },
        // Naming our key explicitly is allowed too (any other encryption is denied by the bucket policy).
        {
          action: 's3:PutObject',
          resource: object(`inbound/${UUID}/success.json`),
          context: { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': t.keyArn },
        },
        ...kms(t, 's3', 'GenerateDataKey'),
      ],
      why: 'answers with success.json or failure.json, or says it is still working (heartbeat.json); SSE-KMS with the bucket key (default, or named by its ARN)',
    },
  ];
}

/** The operations (`S3.PutObject`) a principal's entries allow it to send. */
export function operationsOf(entries: readonly ContractEntry[], principal: PrincipalName): Set<string> {
  return new Set(entries.filter((entry) => entry.principal === principal).map((entry) => entry.operation));
}

/** An IAM policy document with concrete ARNs. */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Record<string, unknown>[];
}

/**
 * What the business application attaches to its own identity (in its own account) so that it may
 * assume the business application role; the role's trust policy must allow it too.
 */
export function partnerPolicy(t: Pick<ContractTargets, 'businessApplicationRoleArn'>): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'AssumeTheBellflowerRole', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [t.businessApplicationRoleArn] }],
  };
}

/**
 * What an operator's identity needs to start and follow executions of the encrypted state machine
 * (start-execution, watch, logs, load): the Step Functions calls, and the key with this state
 * machine's encryption context only (the AWS Step Functions developer guide, "Data at rest
 * encryption": a caller of StartExecution, DescribeExecution, GetExecutionHistory and
 * DescribeStateMachineForExecution of a state machine encrypted with a customer managed key needs
 * the key too).
 */
export function operatorPolicy(t: Pick<ContractTargets, 'stateMachineArn' | 'keyArn'>): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'StartExecutions', Effect: 'Allow', Action: ['states:StartExecution'], Resource: [t.stateMachineArn] },
      {
        Sid: 'FollowExecutions',
        Effect: 'Allow',
        Action: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:DescribeStateMachineForExecution'],
        Resource: [executionArnOf(t.stateMachineArn, '*')],
      },
      {
        Sid: 'UseTheKeyForThisStateMachine',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [t.keyArn],
        Condition: { StringEquals: { [STATE_MACHINE_ENCRYPTION_CONTEXT]: t.stateMachineArn } },
      },
    ],
  };
}

/** Placeholder targets for documentation: `<bucket>` and friends instead of a deployment's ARNs. */
export const DOCUMENTED_TARGETS: ContractTargets = {
  region: '<region>',
  accountId: '<account>',
  urlSuffix: 'amazonaws.com',
  bucketArn: 'arn:<partition>:s3:::<integration bucket>',
  keyArn: '<KMS key ARN>',
  queueArn: '<callback queue ARN>',
  topicArn: '<result topic ARN>',
  stateMachineArn: '<state machine ARN>',
  stateMachineLogGroupArn: '<state machine log group>',
  processingFunctionArn: '<processing function ARN>',
  integrationFunctionArn: '<integration function ARN>',
  foldersFunctionArn: '<folders function ARN>',
  alarmArn: '<alarm ARN>',
  businessApplicationRoleArn: '<BellflowerBusinessApplicationRoleArn>',
  externalId: '<BusinessApplicationExternalId>',
  logGroupArns: {
    processing: '<processing log group>',
    integration: '<integration log group>',
    folders: '<folders log group>',
    notification: '<notification log group>',
  },
  deadLetterQueueArns: {
    processing: '<processing DLQ ARN>',
    integration: '<integration DLQ ARN>',
    folders: '<custom-resource DLQ ARN>',
    notification: '<custom-resource DLQ ARN>',
  },
};

const UUID_PATTERN = new RegExp(UUID, 'g');

/** The contract as a Markdown table (principal, call, caller, IAM action on resource, why), for the README. */
export function contractTable(entries: readonly ContractEntry[] = contract(DOCUMENTED_TARGETS)): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = entries.map((entry) => {
    const grants = [...new Set(entry.requests.map((r) => {
      const via = r.context?.['kms:ViaService']
        ? ` (via ${r.context['kms:ViaService'].split('.')[0]})`
        : r.context?.[STATE_MACHINE_ENCRYPTION_CONTEXT]
          ? ' (encryption context: the state machine)'
          : r.context?.['kms:EncryptionContext:SourceArn']
            ? ' (encryption context: its log group)'
            : '';
      return `\`${r.action}\` on \`${r.resource.replace(UUID_PATTERN, '<uuid>').replace(/log-stream:.*$/, 'log-stream:*')}\`${via}`;
    }))];
    return `| ${PRINCIPALS[entry.principal]} | \`${entry.operation}\` | ${entry.caller} | ${cell(grants.join('<br>'))} | ${cell(entry.why)} |`;
  });
  return ['| principal | call | made by | IAM action on resource | why |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/**
 * The key policy the customer managed key needs: the account's IAM policies decide (AWS's default
 * statement), CloudWatch may use the key to notify the encrypted topic (the alarms), and CloudWatch
 * Logs' delivery service may decrypt the encrypted state machine's data to deliver its execution
 * logs: aws-cdk's aws-stepfunctions StateMachine adds `kms:Decrypt*` for
 * `delivery.logs.amazonaws.com` to the key of a state machine that logs; the `aws:SourceAccount`
 * condition is the confused-deputy guard CloudWatch Logs documents for that principal in key
 * policies ("Enabling logging from AWS services", docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html).
 */
export function keyPolicy(t: Pick<ContractTargets, 'accountId'> & { readonly partition: string }): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EnableIamUserPermissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:${t.partition}:iam::${t.accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'AllowCloudWatchAlarmsToNotifyTheEncryptedTopic',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
      },
      {
        Sid: 'AllowLogDeliveryOfTheEncryptedStateMachine',
        Effect: 'Allow',
        Principal: { Service: 'delivery.logs.amazonaws.com' },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': t.accountId } },
      },
    ],
  };
}
