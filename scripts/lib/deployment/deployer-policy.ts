/**
 * The deployer's contract: every AWS call that `npm run bootstrap`, `publish`, `deploy`, `diff` and
 * `destroy` make, and the IAM action(s) AWS authorizes each with, on which resource and under which
 * condition. Two kinds of caller: the CLI itself (the SDK commands of scripts/lib, checked against
 * the code by a test), and CloudFormation, which creates, updates and deletes each resource type of
 * the templates: those entries are generated from the resource-handler contract (handler-contract.ts,
 * its data handler-permissions.json), never written here.
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
import { bootstrapStackName, defaultArtifactBucket } from './bootstrap-names';
import { handlerRequests, type StackGroup } from './handler-contract';
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

/** What CloudFormation's handlers do for `group`'s resource types, one entry per type (handler-contract.ts). */
function handlerEntries(t: DeployerTargets, group: StackGroup, commands: readonly DeployerCommand[]): DeployerEntry[] {
  const byType = new Map<string, DeployerRequest[]>();
  for (const { type, action, resource, grant, condition, context } of handlerRequests(t, group)) {
    byType.set(type, [...(byType.get(type) ?? []), { action, resource, grant, ...(condition ? { condition } : {}), ...(context ? { context } : {}) }]);
  }
  const why = group === 'stacks' ? 'the resource handler, for the root, nested and cross stacks' : 'the resource handler, for the bootstrap stack';
  return [...byType].map(([type, requests]) => ({ commands, operation: `CloudFormation: ${type}`, caller: 'CloudFormation', requests, why }));
}

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
  const key = t.keyArn
    ? { resource: t.keyArn, grant: t.keyArn }
    : { resource: regional('kms', 'key/1234abcd-12ab-34cd-56ef-1234567890ab'), grant: regional('kms', 'key/*') };
  const viaS3: Condition = { StringEquals: { 'kms:ViaService': `s3.${t.region}.${t.urlSuffix}` } };
  const readArtifacts = [req('s3:GetObject', artifacts.resource, artifacts.grant), req('kms:Decrypt', key.resource, key.grant, viaS3)];
  const passedTo = (service: string): Condition => ({ StringEquals: { 'iam:PassedToService': `${service}.amazonaws.com` } });
  // The execution role, passed to CloudFormation as RoleARN (CreateChangeSet, DeleteStack): IAM checks
  // iam:PassRole of it there (CloudFormation User Guide, "CloudFormation service role").
  const cfnRole = `arn:${t.partition}:iam::${t.accountId}:role/${cfnExecutionRoleName(t.projectName, t.environment, t.region)}`;
  const passCfnRole = req('iam:PassRole', cfnRole, cfnRole, passedTo('cloudformation'));

  const fn = { resource: regional('lambda', `function:bellflower-integration-lambda${suffix}`), grant: regional('lambda', `function:*${suffix}`) };
  const stateMachine = { resource: regional('states', `stateMachine:bellflower-state-machine${suffix}`), grant: regional('states', `stateMachine:*${suffix}`) };
  // The callback queue has a generated name in the root's SQS nested stack (`<root>-<logical id>-<random>-...`).
  const queue = { resource: regional('sqs', `${t.rootStackName}-BellflowerSQSQueue-1A2B3C4D5E6F-BellflowerSQSQueue-ABCDEF`), grant: regional('sqs', `${t.rootStackName}-*`) };


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
    {
      commands: ['destroy'],
      operation: 'Lambda.GetEventSourceMapping',
      caller: 'the CLI',
      requests: [req('lambda:GetEventSourceMapping', '*', '*', { ArnLike: { 'lambda:FunctionArn': fn.grant } }, { 'lambda:FunctionArn': fn.resource })],
      why: 'waits until the disabled mapping reports Disabled (its batches in flight finished)',
    },
    { commands: ['destroy'], operation: 'Lambda.GetFunctionConfiguration', caller: 'the CLI', requests: [req('lambda:GetFunctionConfiguration', fn.resource, fn.grant)], why: 'the function\'s timeout bounds that wait' },
    {
      commands: ['destroy'],
      operation: 'SQS.GetQueueUrl',
      caller: 'the CLI',
      requests: [req('sqs:GetQueueUrl', queue.resource, queue.grant)],
      why: 'finds the mapping\'s queue',
    },
    {
      commands: ['destroy'],
      operation: 'SQS.GetQueueAttributes',
      caller: 'the CLI',
      requests: [req('sqs:GetQueueAttributes', queue.resource, queue.grant)],
      why: 'waits until no callback message is in flight (ApproximateNumberOfMessagesNotVisible 0)',
    },
    { commands: ['destroy'], operation: 'SFN.ListExecutions', caller: 'the CLI', requests: [req('states:ListExecutions', stateMachine.resource, stateMachine.grant)], why: 'finds the running executions' },
    {
      commands: ['destroy'],
      operation: 'SFN.StopExecution',
      caller: 'the CLI',
      requests: [req('states:StopExecution', regional('states', `execution:bellflower-state-machine${suffix}:0123abcd`), regional('states', `execution:*${suffix}:*`))],
      why: 'stops them before the stack is deleted',
    },

    // What CloudFormation does for each resource type of the templates: the resource-handler contract
    // (handler-contract.ts), with the execution role for the environment's stacks and with the
    // administrator's credentials for the bootstrap stack.
    ...handlerEntries(t, 'stacks', STACKS),
    ...handlerEntries(t, 'bootstrap', BOOTSTRAP_STACK),
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
