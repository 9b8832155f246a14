/**
 * The deployer's contract: every AWS call that `npm run bootstrap`, `publish`, `deploy`, `diff` and
 * `destroy` make, and the IAM action(s) AWS authorizes each with, on which resource and under which
 * condition. Two kinds of caller: the CLI itself (the SDK commands of scripts/lib, checked against
 * the code by a test), and CloudFormation, which creates, updates and deletes each resource type of
 * the templates (also checked against the templates).
 *
 * Whose credentials CloudFormation uses decides where its calls are granted, the CDK way: for the
 * root, nested and cross stacks, the execution role the bootstrap stack holds ({@link executionRoleEntries},
 * its inline policy, rendered into the bootstrap template by {@link bootstrapTemplate}), which deploy
 * and destroy pass as `RoleARN`; the person's or CI's policy ({@link personEntries}) holds the CLI's
 * calls and `iam:PassRole` of that role to CloudFormation only. The bootstrap stack itself (the key,
 * the bucket, the execution role) is deployed with the caller's credentials: bootstrap and
 * `destroy --bootstrap` are an administrator's ({@link bootstrapStackEntries}).
 *
 * {@link deployerPolicy} turns entries into the least-privilege identity policy, which
 * `npm run deployer-policy` prints and writes; the tests prove it with the IAM policy simulator. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderBootstrapTemplate } from '../../../templates/bootstrap-stack';
import { cfnExecutionRoleName, ROOT_PARAMS, type EnvironmentName } from '../../../templates/names';
import { STATE_MACHINE_ENCRYPTION_CONTEXT } from '../../../templates/iam-contract';
import { bootstrapStackName, defaultArtifactBucket } from './bootstrap-names';
import { exampleFields, type BellflowerConfig } from '../core/config';

/** The commands the policy is for. */
export const DEPLOYER_COMMANDS = ['bootstrap', 'publish', 'deploy', 'diff', 'destroy'] as const;

/** One of {@link DEPLOYER_COMMANDS}. */
export type DeployerCommand = (typeof DEPLOYER_COMMANDS)[number];

/** What the policy is written for: one environment of one account. */
export interface DeployerTargets {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly urlSuffix: string;
  readonly environment: EnvironmentName;
  /** `ProjectName` of the stacks (tags, custom-resource names). */
  readonly projectName: string;
  readonly artifactBucket: string;
  readonly keyPrefix: string;
  /** The recorded key's ARN; absent before the first bootstrap, when key actions name `key/*` of the account. */
  readonly keyArn?: string;
  readonly rootStackName: string;
  readonly crossStackName: string;
  readonly bootstrapStackName: string;
}

/** A policy condition: operator -> key -> value. */
export type Condition = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** One authorization AWS performs for a call. */
export interface DeployerRequest {
  readonly action: string;
  /** A concrete resource the call names (what the simulator is asked about). */
  readonly resource: string;
  /** The policy `Resource` that covers it. */
  readonly grant: string;
  /** The policy condition of the grant. */
  readonly condition?: Condition;
  /** Request context that satisfies the condition. @default each condition key with its value */
  readonly context?: Readonly<Record<string, string>>;
}

/** One call, made by the CLI or by CloudFormation for one resource type. */
export interface DeployerEntry {
  readonly commands: readonly DeployerCommand[];
  /** `<SDK service>.<operation>` for the CLI; `CloudFormation: <resource type>` for CloudFormation's calls. */
  readonly operation: string;
  readonly caller: 'the CLI' | 'CloudFormation';
  readonly requests: readonly DeployerRequest[];
  readonly why: string;
}

const STACK_ID = '2d6f7c10-aaaa-bbbb-cccc-0123456789ab';

/** The CloudFormation-made calls happen on deploy (root, cross) and destroy; the bootstrap stack's on bootstrap and destroy. */
const STACKS: readonly DeployerCommand[] = ['deploy', 'destroy'];
const BOOTSTRAP_STACK: readonly DeployerCommand[] = ['bootstrap', 'destroy'];

/** Every entry of the deployer contract for one set of targets. */
export function deployerContract(t: DeployerTargets): DeployerEntry[] {
  const suffix = `-${t.environment}-${t.region}`;
  const regional = (service: string, resource: string) => `arn:${t.partition}:${service}:${t.region}:${t.accountId}:${resource}`;
  const req = (action: string, resource: string, grant = resource, condition?: Condition, context?: Record<string, string>): DeployerRequest => ({
    action,
    resource,
    grant,
    ...(condition ? { condition } : {}),
    ...(context ? { context } : {}),
  });
  const each = (service: string, actions: readonly string[], resource: string, grant = resource, condition?: Condition) =>
    actions.map((action) => req(`${service}:${action}`, resource, grant, condition));

  // Stacks: the three of the environment, and the root's nested stacks (`<root>-<logical id>-<suffix>`).
  const stack = (name: string) => ({ resource: regional('cloudformation', `stack/${name}/${STACK_ID}`), grant: regional('cloudformation', `stack/${name}/*`) });
  const stacks = [stack(t.rootStackName), stack(t.crossStackName), stack(t.bootstrapStackName)];
  const nested = {
    resource: regional('cloudformation', `stack/${t.rootStackName}-BellflowerIAMRole-1A2B3C4D5E6F/${STACK_ID}`),
    grant: regional('cloudformation', `stack/${t.rootStackName}-*/*`),
  };
  const onStacks = (actions: readonly string[], targets = stacks) =>
    targets.flatMap((s) => each('cloudformation', actions, s.resource, s.grant));

  const bucket = `arn:${t.partition}:s3:::${t.artifactBucket}`;
  const artifacts = { resource: `${bucket}/${t.keyPrefix}/cft/bellflower-root-stack.yaml`, grant: `${bucket}/${t.keyPrefix}/*` };
  const anyArtifact = { resource: `${bucket}/other-prefix/x.zip`, grant: `${bucket}/*` };
  const integrationBucket = { resource: `arn:${t.partition}:s3:::bellflower-s3-bucket${suffix}`, grant: `arn:${t.partition}:s3:::*${suffix}` };
  const key = t.keyArn
    ? { resource: t.keyArn, grant: t.keyArn }
    : { resource: regional('kms', 'key/1234abcd-12ab-34cd-56ef-1234567890ab'), grant: regional('kms', 'key/*') };
  const alias = { resource: regional('kms', `alias/bellflower-${t.environment}`), grant: regional('kms', 'alias/bellflower-*') };
  const viaS3: Condition = { StringEquals: { 'kms:ViaService': `s3.${t.region}.${t.urlSuffix}` } };
  const readArtifacts = [req('s3:GetObject', artifacts.resource, artifacts.grant), req('kms:Decrypt', key.resource, key.grant, viaS3)];
  const passedTo = (service: string): Condition => ({ StringEquals: { 'iam:PassedToService': `${service}.amazonaws.com` } });
  // The execution role, passed to CloudFormation as RoleARN (CreateChangeSet, DeleteStack): IAM checks
  // iam:PassRole of it there (CloudFormation User Guide, "CloudFormation service role").
  const cfnRole = `arn:${t.partition}:iam::${t.accountId}:role/${cfnExecutionRoleName(t.projectName, t.environment, t.region)}`;
  const passCfnRole = req('iam:PassRole', cfnRole, cfnRole, passedTo('cloudformation'));

  // Physical names follow <base>-<Environment>-<Region>, the processing role's too (no name is left to
  // CloudFormation: a generated one would not match these grants).
  const role = { resource: `arn:${t.partition}:iam::${t.accountId}:role/bellflower-lambda-execution-role${suffix}`, grant: `arn:${t.partition}:iam::${t.accountId}:role/*${suffix}` };
  const processingRole = { resource: `arn:${t.partition}:iam::${t.accountId}:role/${t.projectName}-processing${suffix}`, grant: role.grant };
  const fn = { resource: regional('lambda', `function:bellflower-integration-lambda${suffix}`), grant: regional('lambda', `function:*${suffix}`) };
  const customResourceFn = { resource: regional('lambda', `function:${t.projectName}-s3-folders-cr${suffix}`), grant: regional('lambda', `function:${t.projectName}-*-cr${suffix}`) };
  const queue = { resource: regional('sqs', `bellflower-sqs-queue${suffix}`), grant: regional('sqs', `*${suffix}`) };
  const topic = { resource: regional('sns', `bellflower-sns-topic${suffix}`), grant: regional('sns', `*${suffix}`) };
  const stateMachine = { resource: regional('states', `stateMachine:bellflower-state-machine${suffix}`), grant: regional('states', `stateMachine:*${suffix}`) };
  const alarm = { resource: regional('cloudwatch', `alarm:bellflower-state-machine-executions-failed${suffix}`), grant: regional('cloudwatch', `alarm:*${suffix}`) };
  const logGroups = [
    { resource: regional('logs', `log-group:/aws/lambda/bellflower-integration-lambda${suffix}`), grant: regional('logs', `log-group:/aws/lambda/*${suffix}`) },
    { resource: regional('logs', `log-group:/aws/vendedlogs/states/bellflower-state-machine${suffix}`), grant: regional('logs', `log-group:/aws/vendedlogs/states/*${suffix}`) },
  ];

  return [
    {
      commands: DEPLOYER_COMMANDS,
      operation: 'STS.GetCallerIdentity',
      caller: 'the CLI',
      requests: [],
      why: 'the account (preflight, bucket ownership); STS answers it without any permission',
    },

    // The artifact bucket (publish; bootstrap checks it; destroy --delete-artifacts empties it).
    { commands: ['bootstrap', 'publish'], operation: 'S3.HeadBucket', caller: 'the CLI', requests: [req('s3:ListBucket', bucket)], why: 'does the artifact bucket exist, in this account and region' },
    { commands: ['publish'], operation: 'S3.GetBucketLocation', caller: 'the CLI', requests: [req('s3:GetBucketLocation', bucket)], why: 'its region, when HeadBucket does not say' },
    { commands: ['publish'], operation: 'S3.CreateBucket', caller: 'the CLI', requests: [req('s3:CreateBucket', bucket)], why: 'publish creates the bucket when bootstrap did not' },
    { commands: ['publish'], operation: 'S3.PutPublicAccessBlock', caller: 'the CLI', requests: [req('s3:PutBucketPublicAccessBlock', bucket)], why: 'a bucket publish creates is private' },
    { commands: ['publish'], operation: 'S3.PutBucketEncryption', caller: 'the CLI', requests: [req('s3:PutEncryptionConfiguration', bucket)], why: 'and encrypted' },
    { commands: ['publish'], operation: 'S3.PutBucketVersioning', caller: 'the CLI', requests: [req('s3:PutBucketVersioning', bucket)], why: 'and versioned' },
    { commands: ['publish'], operation: 'S3.PutBucketPolicy', caller: 'the CLI', requests: [req('s3:PutBucketPolicy', bucket)], why: 'and TLS only' },
    { commands: ['bootstrap'], operation: 'S3.GetBucketEncryption', caller: 'the CLI', requests: [req('s3:GetEncryptionConfiguration', bucket)], why: 'says when an adopted bucket is not SSE-KMS with the key' },
    {
      commands: ['publish'],
      operation: 'S3.HeadObject',
      caller: 'the CLI',
      requests: [req('s3:GetObject', artifacts.resource, artifacts.grant)],
      why: 'skips an artifact already published with the same sha256',
    },
    {
      commands: ['publish'],
      operation: 'S3.PutObject',
      caller: 'the CLI',
      requests: [
        req('s3:PutObject', artifacts.resource, artifacts.grant),
        req('kms:GenerateDataKey', key.resource, key.grant, viaS3),
        // A multipart upload to an SSE-KMS bucket decrypts the data key to complete it.
        req('kms:Decrypt', key.resource, key.grant, viaS3),
      ],
      why: 'uploads the templates, code and definition under the key prefix (SSE-KMS)',
    },
    { commands: ['publish'], operation: 'S3.CreateMultipartUpload', caller: 'the CLI', requests: [req('s3:PutObject', artifacts.resource, artifacts.grant), req('kms:GenerateDataKey', key.resource, key.grant, viaS3)], why: 'files over 8 MiB (lib-storage Upload)' },
    { commands: ['publish'], operation: 'S3.UploadPart', caller: 'the CLI', requests: [req('s3:PutObject', artifacts.resource, artifacts.grant)], why: 'files over 8 MiB' },
    { commands: ['publish'], operation: 'S3.CompleteMultipartUpload', caller: 'the CLI', requests: [req('s3:PutObject', artifacts.resource, artifacts.grant), req('kms:Decrypt', key.resource, key.grant, viaS3)], why: 'files over 8 MiB' },
    { commands: ['publish'], operation: 'S3.AbortMultipartUpload', caller: 'the CLI', requests: [req('s3:AbortMultipartUpload', artifacts.resource, artifacts.grant)], why: 'a failed upload of a large file' },
    {
      commands: ['destroy'],
      operation: 'S3.ListObjectVersions',
      caller: 'the CLI',
      requests: [req('s3:ListBucketVersions', bucket)],
      why: 'destroy --delete-artifacts / --bootstrap lists every version to delete',
    },
    {
      commands: ['destroy'],
      operation: 'S3.DeleteObjects',
      caller: 'the CLI',
      requests: [req('s3:DeleteObjectVersion', artifacts.resource, artifacts.grant), req('s3:DeleteObjectVersion', anyArtifact.resource, anyArtifact.grant)],
      why: 'deletes them by version id (--bootstrap empties the whole bucket it owns)',
    },
    { commands: ['destroy'], operation: 'S3.DeleteBucket', caller: 'the CLI', requests: [req('s3:DeleteBucket', bucket)], why: 'destroy --delete-artifacts deletes an empty bucket bootstrap does not hold' },

    // The key.
    {
      commands: ['bootstrap', 'deploy', 'diff', 'destroy'],
      operation: 'KMS.DescribeKey',
      caller: 'the CLI',
      requests: [req('kms:DescribeKey', key.resource, key.grant)],
      why: 'preflight and bootstrap check the key is enabled and customer managed; destroy reports its pending deletion',
    },
    { commands: ['deploy', 'diff'], operation: 'KMS.ListAliases', caller: 'the CLI', requests: [req('kms:ListAliases', '*')], why: 'preflight checks the alias points at the key (ListAliases takes no resource)' },
    { commands: ['bootstrap'], operation: 'KMS.GetKeyRotationStatus', caller: 'the CLI', requests: [req('kms:GetKeyRotationStatus', key.resource, key.grant)], why: 'says when an adopted key does not rotate' },
    { commands: ['bootstrap', 'deploy', 'diff'], operation: 'KMS.GetKeyPolicy', caller: 'the CLI', requests: [req('kms:GetKeyPolicy', key.resource, key.grant)], why: 'bootstrap and preflight check the key policy holds the account-root and the CloudWatch statements' },

    // The stacks, through change sets.
    { commands: DEPLOYER_COMMANDS.filter((c) => c !== 'publish'), operation: 'CloudFormation.DescribeStacks', caller: 'the CLI', requests: onStacks(['DescribeStacks']), why: 'stack state, outputs, parameters; the waiters' },
    { commands: ['bootstrap', 'deploy', 'destroy'], operation: 'CloudFormation.DescribeStackEvents', caller: 'the CLI', requests: onStacks(['DescribeStackEvents'], [...stacks, nested]), why: 'streams events, nested stacks too, and finds the root cause of a failure' },
    {
      commands: ['bootstrap', 'diff', 'destroy'],
      operation: 'CloudFormation.DescribeStackResources',
      caller: 'the CLI',
      requests: onStacks(['DescribeStackResources'], [stack(t.bootstrapStackName), stack(t.rootStackName)]),
      why: 'what the bootstrap stack holds; destroy finds the root stack\'s event source mapping and state machine',
    },
    {
      commands: ['bootstrap', 'deploy', 'diff'],
      operation: 'CloudFormation.CreateChangeSet',
      caller: 'the CLI',
      requests: [...onStacks(['CreateChangeSet']), ...readArtifacts, passCfnRole],
      why: 'every change goes through a change set, with the execution role as RoleARN; CloudFormation reads the root template from the artifact bucket with the caller\'s credentials',
    },
    { commands: ['bootstrap', 'deploy', 'diff'], operation: 'CloudFormation.DescribeChangeSet', caller: 'the CLI', requests: [...onStacks(['DescribeChangeSet']), ...each('cloudformation', ['DescribeChangeSet'], nested.resource, nested.grant)], why: 'waits for it, lists its changes (nested change sets too)' },
    { commands: ['bootstrap', 'deploy'], operation: 'CloudFormation.ExecuteChangeSet', caller: 'the CLI', requests: onStacks(['ExecuteChangeSet']), why: 'applies it' },
    { commands: ['bootstrap', 'deploy', 'diff'], operation: 'CloudFormation.DeleteChangeSet', caller: 'the CLI', requests: onStacks(['DeleteChangeSet']), why: 'an empty change set, and every change set of diff' },
    { commands: ['diff'], operation: 'CloudFormation.GetTemplate', caller: 'the CLI', requests: onStacks(['GetTemplate']), why: 'the deployed template, for the template diff' },
    { commands: ['bootstrap', 'deploy', 'destroy'], operation: 'CloudFormation.DeleteStack', caller: 'the CLI', requests: [...onStacks(['DeleteStack']), passCfnRole], why: 'destroy (with the execution role as RoleARN); a stack left in ROLLBACK_COMPLETE (--replace-failed); an empty stack a CREATE change set left' },
    { commands: ['bootstrap', 'deploy'], operation: 'CloudFormation.UpdateTerminationProtection', caller: 'the CLI', requests: onStacks(['UpdateTerminationProtection']), why: 'prod stacks get termination protection' },

    // Destroy quiesces the workflow before the root stack is deleted (quiesce.ts).
    {
      commands: ['destroy'],
      operation: 'Lambda.UpdateEventSourceMapping',
      caller: 'the CLI',
      requests: [req('lambda:UpdateEventSourceMapping', '*', '*', { ArnLike: { 'lambda:FunctionArn': fn.grant } }, { 'lambda:FunctionArn': fn.resource })],
      why: 'disables the callback queue\'s mapping, so no batch writes outbound/ while the bucket is emptied (limited to this environment\'s functions)',
    },
    { commands: ['destroy'], operation: 'SFN.ListExecutions', caller: 'the CLI', requests: [req('states:ListExecutions', stateMachine.resource, stateMachine.grant)], why: 'finds the running executions' },
    {
      commands: ['destroy'],
      operation: 'SFN.StopExecution',
      caller: 'the CLI',
      requests: [req('states:StopExecution', regional('states', `execution:bellflower-state-machine${suffix}:0123abcd`), regional('states', `execution:*${suffix}:*`))],
      why: 'stops them before the stack is deleted',
    },

    // What CloudFormation does with the caller's credentials, per resource type of the templates.
    {
      commands: STACKS,
      operation: 'CloudFormation: AWS::CloudFormation::Stack',
      caller: 'CloudFormation',
      requests: [...each('cloudformation', ['CreateStack', 'UpdateStack', 'DeleteStack', 'DescribeStacks', 'CreateChangeSet'], nested.resource, nested.grant), ...readArtifacts],
      why: 'the root stack creates, updates and deletes its nested stacks from the published nested templates',
    },
    {
      commands: STACKS,
      operation: 'CloudFormation: AWS::IAM::Role',
      caller: 'CloudFormation',
      requests: [role, processingRole].flatMap((r) =>
        each('iam', ['CreateRole', 'GetRole', 'DeleteRole', 'UpdateRole', 'UpdateRoleDescription', 'UpdateAssumeRolePolicy', 'PutRolePolicy', 'GetRolePolicy', 'DeleteRolePolicy', 'ListRolePolicies', 'ListAttachedRolePolicies', 'TagRole', 'UntagRole', 'ListRoleTags'], r.resource, r.grant),
      ),
      why: 'one role per function and the state machine role, with inline policies, each named <base>-<Environment>-<Region>',
    },
    {
      commands: STACKS,
      operation: 'CloudFormation: AWS::IAM::RolePolicy',
      caller: 'CloudFormation',
      requests: each('iam', ['PutRolePolicy', 'GetRolePolicy', 'DeleteRolePolicy'], role.resource, role.grant),
      why: 'the custom-resource roles\' grants on the integration bucket (s3 stack)',
    },
    {
      commands: STACKS,
      operation: 'CloudFormation: AWS::Lambda::Function',
      caller: 'CloudFormation',
      requests: [
        ...each(
          'lambda',
          [
            'CreateFunction',
            'GetFunction',
            'GetFunctionConfiguration',
            'DeleteFunction',
            'UpdateFunctionCode',
            'UpdateFunctionConfiguration',
            'ListVersionsByFunction',
            // Read by the resource handler after create and update.
            'GetFunctionCodeSigningConfig',
            'GetRuntimeManagementConfig',
            'GetFunctionRecursionConfig',
            'TagResource',
            'UntagResource',
            'ListTags',
          ],
          fn.resource,
          fn.grant,
        ),
        ...[role, processingRole].map((r) => req('iam:PassRole', r.resource, r.grant, passedTo('lambda'))),
        req('s3:GetObject', `${bucket}/${t.keyPrefix}/code/processing_lambda-0123456789abcdef.zip`, artifacts.grant),
        req('kms:Decrypt', key.resource, key.grant, viaS3),
      ],
      why: 'the four functions: their role passed to Lambda, their code read from the artifact bucket with the caller\'s credentials',
    },
    {
      commands: STACKS,
      operation: 'CloudFormation: AWS::Lambda::Permission',
      caller: 'CloudFormation',
      requests: each('lambda', ['AddPermission', 'RemovePermission', 'GetPolicy'], fn.resource, fn.grant),
      why: 'lets S3 invoke the integration function',
    },
    {
      commands: STACKS,
      operation: 'CloudFormation: AWS::Lambda::EventSourceMapping',
      caller: 'CloudFormation',
      requests: [
        ...['CreateEventSourceMapping', 'GetEventSourceMapping', 'UpdateEventSourceMapping', 'DeleteEventSourceMapping'].map((action) =>
          req(`lambda:${action}`, '*', '*', { ArnLike: { 'lambda:FunctionArn': fn.grant } }, { 'lambda:FunctionArn': fn.resource }),
        ),
        // CloudFormation propagates the stack tags to every taggable resource, and an event source
        // mapping is one (its ARN `event-source-mapping:<UUID>`, Service Authorization Reference for
        // Lambda): creating it tags it. Its UUID is generated, so the grant names any of the account's.
        ...each('lambda', ['TagResource', 'UntagResource', 'ListTags'], regional('lambda', 'event-source-mapping:a1b2c3d4-5678-90ab-cdef-11111EXAMPLE'), regional('lambda', 'event-source-mapping:*')),
      ],
      why: 'the callback queue feeds the integration function (no resource-level permission: limited to this environment\'s functions); the stack tags',
    },
    {
      commands: STACKS,
      operation: 'CloudFormation: AWS::Logs::LogGroup',
      caller: 'CloudFormation',
      requests: [
        ...logGroups.flatMap((g) => each('logs', ['CreateLogGroup', 'DeleteLogGroup', 'PutRetentionPolicy', 'DeleteRetentionPolicy', 'TagResource', 'UntagResource', 'ListTagsForResource'], g.resource, g.grant)),
        req('logs:DescribeLogGroups', '*'),
      ],
      why: 'function and state machine log groups with their retention',
    },
    {
      commands: STACKS,
      operation: 'CloudFormation: AWS::SQS::Queue',
      caller: 'CloudFormation',
      requests: each('sqs', ['CreateQueue', 'DeleteQueue', 'GetQueueAttributes', 'SetQueueAttributes', 'GetQueueUrl', 'TagQueue', 'UntagQueue', 'ListQueueTags'], queue.resource, queue.grant),
      why: 'the callback queue and the dead-letter queues',
    },
    { commands: STACKS, operation: 'CloudFormation: AWS::SQS::QueuePolicy', caller: 'CloudFormation', requests: each('sqs', ['SetQueueAttributes', 'GetQueueAttributes'], queue.resource, queue.grant), why: 'their TLS-only policies' },
    {
      commands: STACKS,
      operation: 'CloudFormation: AWS::SNS::Topic',
      caller: 'CloudFormation',
      requests: each('sns', ['CreateTopic', 'DeleteTopic', 'GetTopicAttributes', 'SetTopicAttributes', 'TagResource', 'UntagResource', 'ListTagsForResource', 'ListSubscriptionsByTopic'], topic.resource, topic.grant),
      why: 'the result topic',
    },
    { commands: STACKS, operation: 'CloudFormation: AWS::SNS::TopicPolicy', caller: 'CloudFormation', requests: each('sns', ['SetTopicAttributes', 'GetTopicAttributes'], topic.resource, topic.grant), why: 'its policy (TLS only, this account\'s alarms)' },
    {
      commands: STACKS,
      operation: 'CloudFormation: AWS::SNS::Subscription',
      caller: 'CloudFormation',
      requests: [
        ...each('sns', ['Subscribe'], topic.resource, topic.grant),
        // The Service Authorization Reference lists no resource type for these: they take `*`.
        ...['Unsubscribe', 'GetSubscriptionAttributes', 'SetSubscriptionAttributes'].map((action) => req(`sns:${action}`, '*')),
      ],
      why: 'the e-mail subscription',
    },
    {
      commands: STACKS,
      operation: 'CloudFormation: AWS::StepFunctions::StateMachine',
      caller: 'CloudFormation',
      requests: [
        ...each('states', ['CreateStateMachine', 'UpdateStateMachine', 'DeleteStateMachine', 'DescribeStateMachine', 'TagResource', 'UntagResource', 'ListTagsForResource'], stateMachine.resource, stateMachine.grant),
        req('iam:PassRole', role.resource, role.grant, passedTo('states')),
        req('s3:GetObject', `${bucket}/${t.keyPrefix}/state-machine/state-machine-0123456789abcdef.json`, artifacts.grant),
        req('kms:Decrypt', key.resource, key.grant, viaS3),
        // EncryptionConfiguration with the customer managed key: Step Functions checks the key and
        // encrypts (and reads back) the definition with the caller's credentials, under the state
        // machine's encryption context (the Step Functions developer guide, "Data at rest encryption":
        // creating or updating a state machine with a customer managed key needs kms:DescribeKey,
        // kms:GenerateDataKey and kms:Decrypt).
        req('kms:DescribeKey', key.resource, key.grant),
        ...['GenerateDataKey', 'Decrypt'].map((action) =>
          req(`kms:${action}`, key.resource, key.grant, { StringLike: { [STATE_MACHINE_ENCRYPTION_CONTEXT]: stateMachine.grant } }, { [STATE_MACHINE_ENCRYPTION_CONTEXT]: stateMachine.resource }),
        ),
        // Vended log delivery supports no resource-level permissions.
        ...['CreateLogDelivery', 'GetLogDelivery', 'UpdateLogDelivery', 'DeleteLogDelivery', 'ListLogDeliveries', 'PutResourcePolicy', 'DescribeResourcePolicies'].map((action) => req(`logs:${action}`, '*')),
      ],
      why: 'the state machine: its role passed to Step Functions, its definition read from the artifact bucket and encrypted with the key, its execution logging',
    },
    {
      commands: STACKS,
      operation: 'CloudFormation: AWS::Logs::MetricFilter',
      caller: 'CloudFormation',
      requests: each('logs', ['PutMetricFilter', 'DeleteMetricFilter', 'DescribeMetricFilters'], logGroups[0]!.resource, logGroups[0]!.grant),
      why: 'the business-failures metric of the integration function\'s log',
    },
    {
      commands: STACKS,
      operation: 'CloudFormation: AWS::CloudWatch::Alarm',
      caller: 'CloudFormation',
      requests: each('cloudwatch', ['PutMetricAlarm', 'DeleteAlarms', 'DescribeAlarms', 'TagResource', 'UntagResource', 'ListTagsForResource'], alarm.resource, alarm.grant),
      why: 'the alarms (AlarmsEnabled)',
    },
    ...[
      { commands: STACKS, target: integrationBucket, why: 'the integration bucket (root stack)' },
      { commands: BOOTSTRAP_STACK, target: { resource: bucket, grant: bucket }, why: 'the artifact bucket (bootstrap stack)' },
    ].flatMap(({ commands, target, why }): DeployerEntry[] => [
      {
        commands,
        operation: 'CloudFormation: AWS::S3::Bucket',
        caller: 'CloudFormation',
        requests: each(
          's3',
          [
            'CreateBucket',
            'DeleteBucket',
            'ListBucket',
            'PutEncryptionConfiguration',
            'GetEncryptionConfiguration',
            'PutBucketPublicAccessBlock',
            'GetBucketPublicAccessBlock',
            'PutBucketOwnershipControls',
            'GetBucketOwnershipControls',
            'PutBucketVersioning',
            'GetBucketVersioning',
            'PutLifecycleConfiguration',
            'GetLifecycleConfiguration',
            'PutBucketTagging',
            'GetBucketTagging',
          ],
          target.resource,
          target.grant,
        ),
        why,
      },
      {
        commands,
        operation: 'CloudFormation: AWS::S3::BucketPolicy',
        caller: 'CloudFormation',
        requests: each('s3', ['PutBucketPolicy', 'GetBucketPolicy', 'DeleteBucketPolicy'], target.resource, target.grant),
        why: `its TLS-only policy (${why})`,
      },
    ]),
    {
      commands: STACKS,
      operation: 'CloudFormation: Custom::S3CustomResource',
      caller: 'CloudFormation',
      requests: [req('lambda:InvokeFunction', customResourceFn.resource, customResourceFn.grant)],
      why: 'CloudFormation invokes the folders custom resource (the cross stack\'s function) with the caller\'s credentials',
    },
    {
      commands: STACKS,
      operation: 'CloudFormation: Custom::LambdaTrigger',
      caller: 'CloudFormation',
      requests: [req('lambda:InvokeFunction', customResourceFn.resource.replace('s3-folders', 's3-notify'), customResourceFn.grant)],
      why: 'and the notification custom resource',
    },
    {
      commands: BOOTSTRAP_STACK,
      operation: 'CloudFormation: AWS::KMS::Key',
      caller: 'CloudFormation',
      requests: [
        req('kms:CreateKey', '*'),
        ...each('kms', ['DescribeKey', 'GetKeyPolicy', 'PutKeyPolicy', 'EnableKeyRotation', 'GetKeyRotationStatus', 'UpdateKeyDescription', 'TagResource', 'UntagResource', 'ListResourceTags', 'ScheduleKeyDeletion'], key.resource, key.grant),
      ],
      why: 'the bootstrap key (CreateKey takes no resource); deleting the stack schedules its deletion',
    },
    {
      commands: BOOTSTRAP_STACK,
      operation: 'CloudFormation: AWS::KMS::Alias',
      caller: 'CloudFormation',
      requests: [
        ...each('kms', ['CreateAlias', 'UpdateAlias', 'DeleteAlias'], alias.resource, alias.grant),
        ...each('kms', ['CreateAlias', 'UpdateAlias', 'DeleteAlias'], key.resource, key.grant),
        req('kms:ListAliases', '*'),
      ],
      why: 'its alias (KMS authorizes alias operations on the alias and on the key)',
    },
    {
      commands: BOOTSTRAP_STACK,
      operation: 'CloudFormation: AWS::IAM::Role',
      caller: 'CloudFormation',
      requests: each('iam', ['CreateRole', 'GetRole', 'DeleteRole', 'UpdateRole', 'UpdateRoleDescription', 'UpdateAssumeRolePolicy', 'PutRolePolicy', 'GetRolePolicy', 'DeleteRolePolicy', 'ListRolePolicies', 'ListAttachedRolePolicies', 'TagRole', 'UntagRole', 'ListRoleTags'], cfnRole),
      why: 'the execution role and its inline policy',
    },
  ];
}

/** The entries granted to the person or CI who runs the commands: the CLI's calls (with iam:PassRole of the execution role). */
export function personEntries(entries: readonly DeployerEntry[]): DeployerEntry[] {
  return entries.filter((entry) => entry.caller === 'the CLI');
}

/** What CloudFormation does for the root, nested and cross stacks, with the execution role: its policy. */
export function executionRoleEntries(entries: readonly DeployerEntry[]): DeployerEntry[] {
  return entries.filter((entry) => entry.caller === 'CloudFormation' && entry.commands.includes('deploy'));
}

/** What CloudFormation does for the bootstrap stack, with the credentials of the administrator who runs bootstrap. */
export function bootstrapStackEntries(entries: readonly DeployerEntry[]): DeployerEntry[] {
  return entries.filter((entry) => entry.caller === 'CloudFormation' && !entry.commands.includes('deploy'));
}

/**
 * The execution role's policy for the bootstrap template: the contract written for CloudFormation's
 * own values (pseudo parameters and the bootstrap stack's parameters), which it substitutes.
 */
export function executionRolePolicyTemplate(): DeployerPolicyDocument {
  const placeholders: DeployerTargets = {
    partition: '${AWS::Partition}',
    region: '${AWS::Region}',
    accountId: '${AWS::AccountId}',
    urlSuffix: '${AWS::URLSuffix}',
    environment: '${Environment}' as EnvironmentName,
    projectName: '${ProjectName}',
    artifactBucket: '${ArtifactBucketName}',
    keyPrefix: '${ArtifactKeyPrefix}',
    keyArn: '${KeyArn}',
    rootStackName: '${RootStackName}',
    crossStackName: '${CrossStackName}',
    bootstrapStackName: 'unused',
  };
  return deployerPolicy(executionRoleEntries(deployerContract(placeholders)));
}

/** The bootstrap template, with the execution role's policy (deterministic). */
export function bootstrapTemplate(): ReturnType<typeof renderBootstrapTemplate> {
  return renderBootstrapTemplate(executionRolePolicyTemplate());
}

/** An IAM policy document. */
export interface DeployerPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Sid: string;
    readonly Effect: 'Allow';
    readonly Action: readonly string[];
    readonly Resource: readonly string[];
    readonly Condition?: Condition;
  }[];
}

/**
 * The identity policy granting exactly the contract's requests: grants with the same condition and
 * the same set of actions share a statement. Deterministic (sorted), so the file is stable.
 */
export function deployerPolicy(entries: readonly DeployerEntry[]): DeployerPolicyDocument {
  const byCondition = new Map<string, Map<string, Set<string>>>();
  for (const request of entries.flatMap((entry) => entry.requests)) {
    const condition = JSON.stringify(request.condition ?? {});
    const grants = byCondition.get(condition) ?? new Map<string, Set<string>>();
    byCondition.set(condition, grants);
    grants.set(request.grant, (grants.get(request.grant) ?? new Set()).add(request.action));
  }
  const statements: { Sid: string; Effect: 'Allow'; Action: string[]; Resource: string[]; Condition?: Condition }[] = [];
  for (const [conditionText, grants] of [...byCondition].sort(([a], [b]) => a.localeCompare(b))) {
    const byActions = new Map<string, string[]>();
    for (const [grant, actions] of grants) {
      const key = [...actions].sort().join(',');
      byActions.set(key, [...(byActions.get(key) ?? []), grant]);
    }
    for (const [actions, resources] of [...byActions].sort(([a], [b]) => a.localeCompare(b))) {
      const condition = JSON.parse(conditionText) as Condition;
      statements.push({
        Sid: '',
        Effect: 'Allow',
        Action: actions.split(','),
        Resource: resources.sort(),
        ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
      });
    }
  }
  const counts = new Map<string, number>();
  for (const statement of statements) {
    const service = statement.Action[0]!.split(':')[0]!;
    const name = service.charAt(0).toUpperCase() + service.slice(1).replace(/[^A-Za-z0-9]/g, '');
    counts.set(name, (counts.get(name) ?? 0) + 1);
    statement.Sid = `${name}${counts.get(name)}`;
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** IAM's limit on a managed policy: 6,144 characters, white space not counted. */
export const MANAGED_POLICY_LIMIT = 6144;

/** The size IAM counts for a policy document. */
export function policySize(document: DeployerPolicyDocument): number {
  return JSON.stringify(document).replace(/\s/g, '').length;
}

/**
 * The policy cut into documents that each fit one managed policy ({@link MANAGED_POLICY_LIMIT}),
 * statements kept whole and in order: attach them all (a role takes up to 10 managed policies).
 */
export function splitPolicy(document: DeployerPolicyDocument, limit = MANAGED_POLICY_LIMIT): DeployerPolicyDocument[] {
  const parts: DeployerPolicyDocument['Statement'][number][][] = [[]];
  for (const statement of document.Statement) {
    const current = parts.at(-1)!;
    if (current.length > 0 && policySize({ Version: '2012-10-17', Statement: [...current, statement] }) > limit) parts.push([statement]);
    else current.push(statement);
  }
  return parts.map((Statement) => ({ Version: '2012-10-17', Statement }));
}

/** The partition and URL suffix of a region. */
export function partitionOf(region: string): { readonly partition: string; readonly urlSuffix: string } {
  if (region.startsWith('cn-')) return { partition: 'aws-cn', urlSuffix: 'amazonaws.com.cn' };
  if (region.startsWith('us-gov-')) return { partition: 'aws-us-gov', urlSuffix: 'amazonaws.com' };
  return { partition: 'aws', urlSuffix: 'amazonaws.com' };
}

/**
 * The targets of an environment's configuration in `accountId`: its bucket (or the one bootstrap
 * would create) and its key (or, before bootstrap recorded one, any key of the account).
 */
export function deployerTargets(config: BellflowerConfig, accountId: string): DeployerTargets {
  const examples = exampleFields(config);
  const { partition, urlSuffix } = partitionOf(config.region);
  return {
    partition,
    region: config.region,
    accountId,
    urlSuffix,
    environment: config.environment,
    projectName: config.parameters[ROOT_PARAMS.projectName] ?? 'bellflower',
    artifactBucket: examples.includes('artifactBucket') ? defaultArtifactBucket(accountId, config.region, config.environment) : config.artifactBucket,
    keyPrefix: config.keyPrefix,
    ...(examples.includes('kmsKeyId') ? {} : { keyArn: `arn:${partition}:kms:${config.region}:${accountId}:key/${config.kmsKeyId}` }),
    rootStackName: config.rootStackName,
    crossStackName: config.crossStackName,
    bootstrapStackName: bootstrapStackName(config.environment),
  };
}

/**
 * Writes `iam/deployer-policy-<env>.json` (the whole policy, e.g. for an inline policy) and, when it
 * is larger than one managed policy, `iam/deployer-policy-<env>-<n>.json` parts under `distDir`.
 * Returns the files written, the whole policy first.
 */
export function writeDeployerPolicy(distDir: string, env: EnvironmentName, policy: DeployerPolicyDocument): string[] {
  const dir = join(distDir, 'iam');
  mkdirSync(dir, { recursive: true });
  const write = (name: string, document: DeployerPolicyDocument) => {
    const file = join(dir, name);
    writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
    return file;
  };
  const parts = splitPolicy(policy);
  return [
    write(`deployer-policy-${env}.json`, policy),
    ...(parts.length > 1 ? parts.map((part, index) => write(`deployer-policy-${env}-${index + 1}.json`, part)) : []),
  ];
}
