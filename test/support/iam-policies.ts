/**
 * The policies of an evaluated deployment, per principal of the IAM contract: the identity
 * policies each role holds (inline policies of the role, plus `AWS::IAM::RolePolicy` resources of
 * other stacks attached to it), the resource policies (bucket, queues, topic, Lambda permissions,
 * the KMS key's default policy), and the contract targets (ARNs) of the deployment.
 */
import { keyPolicy, operatorPolicy, partnerPolicy, type ContractTargets, type PolicyDocument, type PrincipalName } from '../../templates/iam-contract';
import { CROSS, IAM, LAMBDA, ROOT, S3, SNS, SQS } from '../../templates/logical-ids';
import type { EvaluatedDeployment, EvaluatedResource, EvaluatedStack } from './deployment';

type Obj = Record<string, any>;

/** A resource policy and the ARNs it governs. */
export interface ResourcePolicy {
  readonly name: string;
  readonly policy: PolicyDocument;
  /** Whether it applies to a resource ARN. */
  readonly appliesTo: (resource: string) => boolean;
}

/** Everything the simulator needs about one deployment. */
export interface DeploymentPolicies {
  readonly targets: ContractTargets;
  /** Principal ARN (or service principal) of each contract principal. */
  readonly principalArns: Readonly<Record<PrincipalName, string>>;
  /** Identity policies of each principal (none for a service principal). */
  readonly identityPolicies: Readonly<Record<PrincipalName, readonly { name: string; policy: PolicyDocument }[]>>;
  readonly resourcePolicies: readonly ResourcePolicy[];
}

const arnOf = (stack: EvaluatedStack, id: string): string => {
  const arn = stack.resources[id]?.arn;
  if (!arn) throw new Error(`${stack.name}: ${id} has no ARN`);
  return arn;
};

const allStacks = (d: EvaluatedDeployment): EvaluatedStack[] => [d.cross, d.root, ...Object.values(d.nested)];

function inlinePolicies(role: EvaluatedResource): { name: string; policy: PolicyDocument }[] {
  return ((role.properties.Policies ?? []) as Obj[]).map((p) => ({ name: p.PolicyName as string, policy: p.PolicyDocument as PolicyDocument }));
}

/** Inline policies of a role plus every `AWS::IAM::RolePolicy` of any stack naming that role. */
function rolePolicies(d: EvaluatedDeployment, role: EvaluatedResource): { name: string; policy: PolicyDocument }[] {
  const attached = allStacks(d).flatMap((stack) =>
    Object.values(stack.resources)
      .filter((r) => r.type === 'AWS::IAM::RolePolicy' && r.properties.RoleName === role.ref)
      .map((r) => ({ name: r.properties.PolicyName as string, policy: r.properties.PolicyDocument as PolicyDocument })),
  );
  return [...inlinePolicies(role), ...attached];
}

/** The identity policies of the custom-resource and function roles, with every attached policy. */
function nestedStackOf(d: EvaluatedDeployment, logicalId: string): EvaluatedStack {
  const stack = d.nested[logicalId];
  if (!stack) throw new Error(`no nested stack ${logicalId}`);
  return stack;
}

/** A Lambda permission as the statement Lambda adds to the function policy. */
function lambdaPermissionPolicy(permission: EvaluatedResource, functionArn: string): PolicyDocument {
  const p = permission.properties;
  const condition: Obj = {};
  if (p.SourceAccount) condition.StringEquals = { 'AWS:SourceAccount': p.SourceAccount };
  if (p.SourceArn) condition.ArnLike = { 'AWS:SourceArn': p.SourceArn };
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: p.Principal }, Action: p.Action, Resource: functionArn, Condition: condition }],
  };
}

/** Collects targets, principals, identity and resource policies of an evaluated deployment. */
export function deploymentPolicies(d: EvaluatedDeployment): DeploymentPolicies {
  const { partition, region, accountId } = d.sample;
  const iam = nestedStackOf(d, ROOT.iamStack);
  const s3 = nestedStackOf(d, ROOT.s3Stack);
  const sqs = nestedStackOf(d, ROOT.sqsStack);
  const sns = nestedStackOf(d, ROOT.snsStack);
  const processing = nestedStackOf(d, ROOT.processingStack);
  const integration = nestedStackOf(d, ROOT.integrationStack);
  const logGroup = (stack: EvaluatedStack, id: string) => arnOf(stack, id).replace(/:\*$/, '');
  const targets: ContractTargets = {
    region,
    accountId,
    urlSuffix: partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    bucketArn: arnOf(s3, S3.bucket),
    keyArn: `arn:${partition}:kms:${region}:${accountId}:key/${d.sample.kmsKeyId}`,
    queueArn: arnOf(sqs, SQS.queue),
    topicArn: arnOf(sns, SNS.topic),
    stateMachineArn: arnOf(d.root, ROOT.stateMachine),
    stateMachineLogGroupArn: logGroup(d.root, ROOT.stateMachineLogGroup),
    processingFunctionArn: arnOf(processing, LAMBDA.function),
    integrationFunctionArn: arnOf(integration, LAMBDA.function),
    foldersFunctionArn: arnOf(d.cross, CROSS.foldersFunction),
    alarmArn: arnOf(d.root, ROOT.executionsFailedAlarm),
    businessApplicationRoleArn: iam.resources[IAM.businessApplicationRole]?.arn ?? 'arn:aws:iam::000000000000:role/no-business-application-role',
    externalId: (d.root.parameters.BusinessApplicationExternalId as string | undefined) ?? '',
    logGroupArns: {
      processing: logGroup(processing, LAMBDA.logGroup),
      integration: logGroup(integration, LAMBDA.logGroup),
      folders: logGroup(d.cross, CROSS.foldersLogGroup),
      notification: logGroup(d.cross, CROSS.notificationLogGroup),
    },
    deadLetterQueueArns: {
      processing: arnOf(processing, LAMBDA.deadLetterQueue),
      integration: arnOf(integration, LAMBDA.deadLetterQueue),
      folders: arnOf(d.cross, CROSS.deadLetterQueue),
      notification: arnOf(d.cross, CROSS.deadLetterQueue),
    },
  };

  const roles: Partial<Record<Exclude<PrincipalName, 's3Service' | 'alarms' | 'partner' | 'logDelivery' | 'operator'>, EvaluatedResource>> = {
    processing: iam.resources[IAM.processingRole]!,
    integration: iam.resources[IAM.lambdaRole]!,
    stateMachine: iam.resources[IAM.stepFunctionRole]!,
    folders: d.cross.resources[CROSS.foldersRole]!,
    notification: d.cross.resources[CROSS.notificationRole]!,
    // Only when the deployment names a business application (BusinessApplicationPrincipal).
    businessApplication: iam.resources[IAM.businessApplicationRole],
  };
  // Each function runs with the role its stack names, and the roles are the ones the IAM stack exports.
  const functionRole = (stack: EvaluatedStack) => stack.resources[LAMBDA.function]!.properties.Role as string;
  if (functionRole(processing) !== roles.processing!.arn || functionRole(integration) !== roles.integration!.arn) {
    throw new Error('a function does not run with the role the contract evaluates');
  }
  const principal = String(d.root.parameters.BusinessApplicationPrincipal ?? '');
  const partnerArn = /^\d{12}$/.test(principal) ? `arn:${partition}:iam::${principal}:role/partner-integration` : principal;
  const identityPolicies: Record<string, { name: string; policy: PolicyDocument }[]> = {
    s3Service: [],
    alarms: [],
    businessApplication: [],
    partner: [{ name: 'partner', policy: partnerPolicy(targets) }],
    logDelivery: [],
    operator: [{ name: 'documented operator policy', policy: operatorPolicy(targets) }],
  };
  const principalArns: Record<string, string> = {
    s3Service: 's3.amazonaws.com',
    alarms: 'cloudwatch.amazonaws.com',
    partner: partnerArn,
    logDelivery: 'delivery.logs.amazonaws.com',
    operator: `arn:${partition}:iam::${accountId}:role/bellflower-operator`,
    businessApplication: targets.businessApplicationRoleArn,
  };
  for (const [name, role] of Object.entries(roles)) {
    if (!role) continue;
    identityPolicies[name] = rolePolicies(d, role);
    principalArns[name] = role.arn!;
  }

  const resourcePolicies: ResourcePolicy[] = [
    { name: 'documented key policy', policy: keyPolicy({ accountId, partition }), appliesTo: (r) => r === targets.keyArn },
  ];
  for (const stack of allStacks(d)) {
    for (const [id, resource] of Object.entries(stack.resources)) {
      const name = `${stack.name}/${id}`;
      const policy = resource.properties.PolicyDocument as PolicyDocument;
      if (resource.type === 'AWS::S3::BucketPolicy') {
        const bucketArn = `arn:${partition}:s3:::${resource.properties.Bucket as string}`;
        resourcePolicies.push({ name, policy, appliesTo: (r) => r === bucketArn || r.startsWith(`${bucketArn}/`) });
      } else if (resource.type === 'AWS::SQS::QueuePolicy') {
        const urls = resource.properties.Queues as string[];
        const arns = urls.map((url) => {
          const [, account, queueName] = /\/(\d{12})\/([^/]+)$/.exec(url)!;
          return `arn:${partition}:sqs:${region}:${account}:${queueName}`;
        });
        resourcePolicies.push({ name, policy, appliesTo: (r) => arns.includes(r) });
      } else if (resource.type === 'AWS::SNS::TopicPolicy') {
        const topics = resource.properties.Topics as string[];
        resourcePolicies.push({ name, policy, appliesTo: (r) => topics.includes(r) });
      } else if (resource.type === 'AWS::IAM::Role' && resource.arn === targets.businessApplicationRoleArn) {
        // The trust policy is the role's resource policy for sts:AssumeRole.
        const roleArn = resource.arn;
        resourcePolicies.push({ name, policy: resource.properties.AssumeRolePolicyDocument as PolicyDocument, appliesTo: (r) => r === roleArn });
      } else if (resource.type === 'AWS::Lambda::Permission') {
        const fn = resource.properties.FunctionName as string;
        resourcePolicies.push({ name, policy: lambdaPermissionPolicy(resource, fn), appliesTo: (r) => r === fn });
      }
    }
  }
  return {
    targets,
    principalArns: principalArns as Record<PrincipalName, string>,
    identityPolicies: identityPolicies as Record<PrincipalName, { name: string; policy: PolicyDocument }[]>,
    resourcePolicies,
  };
}

/** The resource policy that governs `resource`, if any (at most one per resource here). */
export function resourcePolicyFor(policies: DeploymentPolicies, resource: string): ResourcePolicy | undefined {
  const matching = policies.resourcePolicies.filter((p) => p.appliesTo(resource));
  if (matching.length > 1) throw new Error(`${resource} is governed by ${matching.map((p) => p.name).join(', ')}`);
  return matching[0];
}

/** Does an IAM resource pattern (`*` and `?` wildcards) match a resource? */
export function matchesPattern(pattern: string, resource: string): boolean {
  const regex = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('')}$`);
  return regex.test(resource);
}

/**
 * The simulator (@cloud-copilot/iam-simulate) matches a variable condition key only when its
 * variable follows a `/` (`aws:ResourceTag/<key>`), so it drops the request's
 * `kms:EncryptionContext:<key>` (the Service Authorization Reference's
 * `kms:EncryptionContext:${EncryptionContextKey}`) and every grant conditioned on it is denied.
 * This evaluates such keys, in the policies and in the request alike, under a `/`-joined stand-in
 * (a global key, same operator and values), so the condition decides as KMS decides it.
 */
export function withEncryptionContextStandIn<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value).replace(/kms:EncryptionContext:([A-Za-z0-9:_-]+)/gi, (_, key: string) => `aws:PrincipalTag/kms-encryption-context.${key.replace(/:/g, '.')}`),
  ) as T;
}
