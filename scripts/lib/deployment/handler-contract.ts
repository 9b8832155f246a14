/**
 * The resource-handler contract: the IAM actions CloudFormation's handler of each resource type
 * needs to create, read, update and delete a resource (a rollback deletes what the attempt created
 * and updates back what it changed), each with its source, and the resource each action is
 * authorized on. The data is `handler-permissions.json`: the `handlers.<op>.permissions` of the
 * public provider schemas (repository, path and commit of each), or, where no schema is public,
 * entries derived from the CloudFormation resource reference and the Service Authorization
 * Reference (the URL of each), plus the stack-tag actions of every taggable type.
 *
 * {@link handlerRequests} scopes it to the ARNs the templates produce for one environment: the
 * execution role's policy (the root, nested and cross stacks) and the bootstrap stack's calls.
 */
import data from './handler-permissions.json';
import { renderTemplates } from '../../../templates/index';
import { renderBootstrapTemplate } from '../../../templates/bootstrap-stack';
import { STATE_MACHINE_ENCRYPTION_CONTEXT } from '../../../templates/iam-contract';
import { cfnExecutionRoleName } from '../../../templates/names';
import { BellflowerError } from '../core/errors';

/** The handler operations CloudFormation calls for a resource. */
export const HANDLER_OPERATIONS = ['create', 'read', 'update', 'delete'] as const;

/** One of {@link HANDLER_OPERATIONS}. */
export type HandlerOperation = (typeof HANDLER_OPERATIONS)[number];

/** Where an entry comes from: a provider schema at a commit, or a document it is derived from. */
export type HandlerSource =
  | { readonly kind: 'schema'; readonly repo: string; readonly path: string; readonly commit: string }
  | { readonly kind: 'derived'; readonly url: string; readonly why: string }
  | { readonly kind: 'stack tags'; readonly url: string };

/** One action a type's handler needs for one operation. */
export interface HandlerPermission {
  readonly type: string;
  readonly operation: HandlerOperation;
  readonly action: string;
  readonly source: HandlerSource;
  /** Needed only when the resource sets this property. */
  readonly onlyWith?: string;
}

/** Raised for a resource type the contract has no entry for. */
export class HandlerContractError extends BellflowerError {
  override readonly name = 'HandlerContractError';
}

type Handlers = Partial<Record<HandlerOperation, readonly string[]>>;
interface TypeData {
  readonly stackTags: boolean;
  /** The properties checked for the permissions they add ('*': any, for custom resources, whose handler is our own function). */
  readonly reviewedProperties: readonly string[] | '*';
  readonly conditional?: Readonly<Record<string, string>>;
  readonly sources: readonly ({ readonly handlers: Handlers } & ({ readonly schema: { repo: string; path: string; commit: string } } | { readonly derived: string; readonly why: string }))[];
}
const TYPES = data.types as unknown as Readonly<Record<string, TypeData>>;
const TAGGING = data.tagging as unknown as Readonly<Record<string, { tag: string[]; untag: string[]; list: string[]; source: string }>>;

/** The contract's key of a resource type: every custom resource is `Custom::*` (CloudFormation invokes its ServiceToken). */
export function contractType(type: string): string {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource' ? 'Custom::*' : type;
}

/** The IAM service prefix of a type's own API. */
const SERVICE: Readonly<Record<string, string>> = {
  CloudFormation: 'cloudformation',
  IAM: 'iam',
  Lambda: 'lambda',
  Logs: 'logs',
  StepFunctions: 'states',
  CloudWatch: 'cloudwatch',
  SQS: 'sqs',
  SNS: 'sns',
  S3: 's3',
  KMS: 'kms',
};

/** Every permission of `type`'s handler, its stack-tag actions included; throws for a type without an entry. */
export function handlerPermissions(type: string): HandlerPermission[] {
  const key = contractType(type);
  const entry = TYPES[key];
  if (!entry) {
    throw new HandlerContractError(
      `no resource-handler contract for ${type}: add its create, read, update and delete permissions (its provider schema, or the Service Authorization Reference) to scripts/lib/deployment/handler-permissions.json`,
    );
  }
  const permissions: HandlerPermission[] = [];
  for (const source of entry.sources) {
    const from: HandlerSource = 'schema' in source ? { kind: 'schema', ...source.schema } : { kind: 'derived', url: source.derived, why: source.why };
    for (const operation of HANDLER_OPERATIONS) {
      for (const action of source.handlers[operation] ?? []) {
        const onlyWith = entry.conditional?.[action];
        permissions.push({ type: key, operation, action, source: from, ...(onlyWith ? { onlyWith } : {}) });
      }
    }
  }
  if (entry.stackTags) {
    const tagging = TAGGING[SERVICE[key.split('::')[1]!]!];
    if (!tagging) throw new HandlerContractError(`${type} takes stack tags and handler-permissions.json names no tag actions of its service`);
    const source: HandlerSource = { kind: 'stack tags', url: tagging.source };
    const tagOps: Record<HandlerOperation, readonly string[]> = { create: tagging.tag, read: tagging.list, update: [...tagging.tag, ...tagging.untag, ...tagging.list], delete: [] };
    for (const operation of HANDLER_OPERATIONS) for (const action of tagOps[operation]) permissions.push({ type: key, operation, action, source });
  }
  return permissions;
}

/** The types the contract holds (`Custom::*` for every custom resource). */
export function contractTypes(): string[] {
  return Object.keys(TYPES);
}

/** Which stacks a resource belongs to: the environment's (the execution role's) or the bootstrap stack (an administrator's). */
export type StackGroup = 'stacks' | 'bootstrap';

/** What an action is authorized on, relative to the resource. */
export type AuthorizationTarget =
  | 'self'
  | 'role'
  | 'execution role'
  | 'artifact'
  | 'artifact key'
  | 'key'
  | 'state machine key'
  | 'mapped function'
  | 'topic'
  | 'alias'
  | 'any';

/**
 * The targets of the actions that are not authorized on the resource itself, per type. Every other
 * action of the type's own service is authorized on the resource ('self': for a policy or permission
 * resource, what it is attached to). '*' ('any') where the Service Authorization Reference lists no
 * resource type for the action.
 */
const TARGETS: Readonly<Record<string, Readonly<Record<string, readonly AuthorizationTarget[]>>>> = {
  'AWS::CloudFormation::Stack': { 'iam:PassRole': ['execution role'], 's3:GetObject': ['artifact'], 'kms:Decrypt': ['artifact key'] },
  'AWS::Lambda::Function': { 'iam:PassRole': ['role'], 's3:GetObject': ['artifact'], 'kms:Decrypt': ['artifact key'] },
  // Create/Get/Update/DeleteEventSourceMapping: no resource-level permission that the mapping's
  // generated UUID could name; the condition key lambda:FunctionArn limits them to our functions.
  'AWS::Lambda::EventSourceMapping': Object.fromEntries(['Create', 'Get', 'Update', 'Delete'].map((verb) => [`lambda:${verb}EventSourceMapping`, ['mapped function'] as const])),
  'AWS::Logs::LogGroup': { 'logs:DescribeLogGroups': ['any'] },
  'AWS::StepFunctions::StateMachine': {
    'iam:PassRole': ['role'],
    's3:GetObject': ['artifact'],
    'kms:Decrypt': ['artifact key', 'state machine key'],
    'kms:GenerateDataKey': ['state machine key'],
    'kms:DescribeKey': ['key'],
    ...Object.fromEntries(['CreateLogDelivery', 'GetLogDelivery', 'UpdateLogDelivery', 'DeleteLogDelivery', 'ListLogDeliveries', 'PutResourcePolicy', 'DescribeResourcePolicies', 'DescribeLogGroups'].map((a) => [`logs:${a}`, ['any'] as const])),
  },
  'AWS::SNS::Subscription': {
    'sns:Subscribe': ['topic'],
    'sns:GetTopicAttributes': ['topic'],
    ...Object.fromEntries(['GetSubscriptionAttributes', 'SetSubscriptionAttributes', 'Unsubscribe'].map((a) => [`sns:${a}`, ['any'] as const])),
    ...Object.fromEntries(['GetRole', 'PassRole', 'PutRolePolicy', 'UpdateRole', 'DeleteRolePolicy', 'DetachRolePolicy'].map((a) => [`iam:${a}`, ['role'] as const])),
  },
  'AWS::KMS::Key': { 'kms:CreateKey': ['any'] },
  // KMS authorizes an alias operation on the alias and on the key (Service Authorization Reference).
  'AWS::KMS::Alias': { 'kms:CreateAlias': ['alias', 'key'], 'kms:UpdateAlias': ['alias', 'key'], 'kms:DeleteAlias': ['alias', 'key'], 'kms:ListAliases': ['any'] },
  'Custom::*': { 'lambda:InvokeFunction': ['self'] },
};

/** What `action` of `type`'s handler is authorized on; throws when the contract cannot say. */
export function authorizedOn(type: string, action: string): readonly AuthorizationTarget[] {
  const key = contractType(type);
  const listed = TARGETS[key]?.[action];
  if (listed) return listed;
  if (action.split(':')[0] === SERVICE[key.split('::')[1]!]) return ['self'];
  throw new HandlerContractError(`${type}: ${action} is not authorized on the resource itself; say on what in TARGETS (scripts/lib/deployment/handler-contract.ts)`);
}

/** The service principal each type passes a role to (the `iam:PassedToService` value). */
export const PASSED_TO: Readonly<Record<string, string>> = {
  'AWS::CloudFormation::Stack': 'cloudformation.amazonaws.com',
  'AWS::Lambda::Function': 'lambda.amazonaws.com',
  'AWS::StepFunctions::StateMachine': 'states.amazonaws.com',
  'AWS::SNS::Subscription': 'sns.amazonaws.com',
};

/** A resource type a template uses, with every property any of its resources sets. */
export interface UsedType {
  readonly type: string;
  readonly properties: ReadonlySet<string>;
}

/** The resource types of templates and the properties they set. */
export function usedTypes(templates: readonly Record<string, unknown>[]): UsedType[] {
  const byType = new Map<string, Set<string>>();
  for (const template of templates) {
    for (const resource of Object.values((template.Resources ?? {}) as Record<string, { Type: string; Properties?: object }>)) {
      const properties = byType.get(resource.Type) ?? new Set<string>();
      byType.set(resource.Type, properties);
      for (const property of Object.keys(resource.Properties ?? {})) properties.add(property);
    }
  }
  return [...byType].sort(([a], [b]) => a.localeCompare(b)).map(([type, properties]) => ({ type, properties }));
}

/**
 * The properties templates set that the contract has not checked for the permissions they add (a
 * `KmsKeyArn` of a function, say, would need `kms:` actions): one line each, naming the fix.
 */
export function unreviewedProperties(templates: readonly Record<string, unknown>[]): string[] {
  return usedTypes(templates).flatMap(({ type, properties }) => {
    const entry = TYPES[contractType(type)];
    if (!entry || entry.reviewedProperties === '*') return [];
    const known = new Set([...entry.reviewedProperties, ...Object.values(entry.conditional ?? {})]);
    return [...properties]
      .filter((property) => !known.has(property))
      .map((property) => `${type} sets ${property}, which the handler contract has not reviewed: add the actions it needs under "conditional", or add it to "reviewedProperties" of ${contractType(type)} in scripts/lib/deployment/handler-permissions.json`);
  });
}

/** The templates of each group: the cross, root and nested templates; the bootstrap template (its role's policy does not change its types). */
export function groupTemplates(group: StackGroup): Record<string, unknown>[] {
  return group === 'stacks' ? Object.values(renderTemplates().objects) : [renderBootstrapTemplate({}).object];
}

/** A policy condition: operator -> key -> value. */
export type HandlerCondition = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** What a policy is scoped to (a structural subset of the deployer's targets). */
export interface HandlerTargets {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly urlSuffix: string;
  readonly environment: string;
  readonly projectName: string;
  readonly artifactBucket: string;
  readonly keyPrefix: string;
  readonly keyArn?: string;
  readonly rootStackName: string;
}

/** One authorization CloudFormation's handler needs: the action, an example resource, the policy's grant and condition. */
export interface HandlerRequest {
  readonly type: string;
  readonly operations: readonly HandlerOperation[];
  readonly action: string;
  readonly resource: string;
  readonly grant: string;
  readonly condition?: HandlerCondition;
  readonly context?: Readonly<Record<string, string>>;
}

/** The grant (and an example resource it covers) of each target, for one group of stacks. */
function grants(t: HandlerTargets, group: StackGroup) {
  const suffix = `-${t.environment}-${t.region}`;
  const regional = (service: string, resource: string) => `arn:${t.partition}:${service}:${t.region}:${t.accountId}:${resource}`;
  const g = (resource: string, grant = resource) => ({ resource, grant });
  const bucket = `arn:${t.partition}:s3:::${t.artifactBucket}`;
  const key = t.keyArn ? g(t.keyArn) : g(regional('kms', 'key/1234abcd-12ab-34cd-56ef-1234567890ab'), regional('kms', 'key/*'));
  const role = g(`arn:${t.partition}:iam::${t.accountId}:role/bellflower-lambda-function-execution-role${suffix}`, `arn:${t.partition}:iam::${t.accountId}:role/*${suffix}`);
  const cfnRole = g(`arn:${t.partition}:iam::${t.accountId}:role/${cfnExecutionRoleName(t.projectName, t.environment, t.region)}`);
  const fn = g(regional('lambda', `function:bellflower-integration-lambda${suffix}`), regional('lambda', `function:*${suffix}`));
  const topic = g(regional('sns', `bellflower-sns-topic${suffix}`), regional('sns', `*${suffix}`));
  const stateMachine = g(regional('states', `stateMachine:bellflower-state-machine${suffix}`), regional('states', `stateMachine:*${suffix}`));
  const logGroups = ['/aws/lambda/bellflower-integration-lambda', '/aws/vendedlogs/states/bellflower-state-machine'].flatMap((name) =>
    ['', ':*'].map((tail) => g(regional('logs', `log-group:${name}${suffix}${tail}`), regional('logs', `log-group:${name.replace(/[^/]+$/, '*')}${suffix}${tail}`))),
  );
  const stackSelf: Readonly<Record<string, readonly { resource: string; grant: string }[]>> = {
    'AWS::CloudFormation::Stack': [g(regional('cloudformation', `stack/${t.rootStackName}-BellflowerIAMRole-1A2B3C4D5E6F/2d6f7c10-aaaa-bbbb-cccc-0123456789ab`), regional('cloudformation', `stack/${t.rootStackName}-*/*`))],
    'AWS::IAM::Role': [role],
    'AWS::IAM::RolePolicy': [role],
    'AWS::Lambda::Function': [fn],
    'AWS::Lambda::Permission': [fn],
    // Its ARN names a UUID CloudFormation learns only from CreateEventSourceMapping: any of the account's.
    'AWS::Lambda::EventSourceMapping': [g(regional('lambda', 'event-source-mapping:a1b2c3d4-5678-90ab-cdef-11111EXAMPLE'), regional('lambda', 'event-source-mapping:*'))],
    'AWS::Logs::LogGroup': logGroups,
    'AWS::Logs::MetricFilter': logGroups,
    'AWS::StepFunctions::StateMachine': [stateMachine],
    'AWS::CloudWatch::Alarm': [g(regional('cloudwatch', `alarm:bellflower-state-machine-executions-failed${suffix}`), regional('cloudwatch', `alarm:*${suffix}`))],
    'AWS::SQS::Queue': [g(regional('sqs', `bellflower-sqs-queue${suffix}`), regional('sqs', `*${suffix}`))],
    'AWS::SQS::QueuePolicy': [g(regional('sqs', `bellflower-sqs-queue${suffix}`), regional('sqs', `*${suffix}`))],
    'AWS::SNS::Topic': [topic],
    'AWS::SNS::TopicPolicy': [topic],
    'AWS::S3::Bucket': [g(`arn:${t.partition}:s3:::bellflower-s3-bucket${suffix}`, `arn:${t.partition}:s3:::*${suffix}`)],
    'AWS::S3::BucketPolicy': [g(`arn:${t.partition}:s3:::bellflower-s3-bucket${suffix}`, `arn:${t.partition}:s3:::*${suffix}`)],
    'Custom::*': [g(regional('lambda', `function:${t.projectName}-s3-folders-cr${suffix}`), regional('lambda', `function:${t.projectName}-*-cr${suffix}`))],
  };
  const bootstrapSelf: Readonly<Record<string, readonly { resource: string; grant: string }[]>> = {
    'AWS::IAM::Role': [cfnRole],
    'AWS::S3::Bucket': [g(bucket)],
    'AWS::S3::BucketPolicy': [g(bucket)],
    'AWS::KMS::Key': [key],
    'AWS::KMS::Alias': [g(regional('kms', `alias/bellflower-${t.environment}`), regional('kms', 'alias/bellflower-*'))],
  };
  return {
    self: (type: string) => (group === 'stacks' ? stackSelf : bootstrapSelf)[type] ?? [],
    role: [role],
    'execution role': [cfnRole],
    artifact: [g(`${bucket}/${t.keyPrefix}/code/processing_lambda-0123456789abcdef.zip`, `${bucket}/${t.keyPrefix}/*`)],
    'artifact key': [key],
    key: [key],
    'state machine key': [key],
    'mapped function': [g('*')],
    topic: [topic],
    alias: bootstrapSelf['AWS::KMS::Alias']!,
    any: [g('*')],
    fn,
    stateMachine,
  };
}

/** The condition (and the request context that satisfies it) of a target's grant. */
function conditionOf(t: HandlerTargets, type: string, target: AuthorizationTarget, g: ReturnType<typeof grants>): { condition?: HandlerCondition; context?: Record<string, string> } {
  switch (target) {
    case 'role':
    case 'execution role':
      return { condition: { StringEquals: { 'iam:PassedToService': PASSED_TO[contractType(type)] ?? 'none' } } };
    case 'artifact key':
      // The artifact bucket is SSE-KMS: reading an object decrypts its data key through S3.
      return { condition: { StringEquals: { 'kms:ViaService': `s3.${t.region}.${t.urlSuffix}` } } };
    case 'state machine key':
      // Step Functions encrypts the definition under the state machine's encryption context
      // (Step Functions developer guide, "Data at rest encryption").
      return { condition: { StringLike: { [STATE_MACHINE_ENCRYPTION_CONTEXT]: g.stateMachine.grant } }, context: { [STATE_MACHINE_ENCRYPTION_CONTEXT]: g.stateMachine.resource } };
    case 'mapped function':
      return { condition: { ArnLike: { 'lambda:FunctionArn': g.fn.grant } }, context: { 'lambda:FunctionArn': g.fn.resource } };
    default:
      return {};
  }
}

/**
 * Every authorization the handlers of `group`'s resource types need, scoped to `t`: the types (and
 * the properties that add permissions) are those the templates of the group use. Throws when a
 * template uses a type the contract lacks.
 */
export function handlerRequests(t: HandlerTargets, group: StackGroup, templates = groupTemplates(group)): HandlerRequest[] {
  const g = grants(t, group);
  const requests = new Map<string, { request: Omit<HandlerRequest, 'operations'>; operations: Set<HandlerOperation> }>();
  for (const { type, properties } of usedTypes(templates)) {
    for (const permission of handlerPermissions(type)) {
      if (permission.onlyWith && !properties.has(permission.onlyWith)) continue;
      for (const target of authorizedOn(type, permission.action)) {
        const scoped = target === 'self' ? g.self(contractType(type)) : g[target];
        if (scoped.length === 0) throw new HandlerContractError(`${type} in the ${group} group: no ARN known for its ${permission.action}`);
        for (const { resource, grant } of scoped) {
          const request = { type: contractType(type), action: permission.action, resource, grant, ...conditionOf(t, type, target, g) };
          const id = JSON.stringify(request);
          const entry = requests.get(id) ?? { request, operations: new Set<HandlerOperation>() };
          requests.set(id, entry.operations.add(permission.operation) && entry);
        }
      }
    }
  }
  return [...requests.values()].map(({ request, operations }) => ({ ...request, operations: HANDLER_OPERATIONS.filter((op) => operations.has(op)) }));
}

/** One row of the documented contract: a type's actions for one operation from one source, and who holds them. */
export interface HandlerContractRow {
  readonly type: string;
  /** `execution role` (the environment's stacks), `administrator (bootstrap stack)`, or both. */
  readonly grantedTo: readonly string[];
  readonly operation: HandlerOperation;
  readonly actions: readonly { readonly action: string; readonly onlyWith?: string }[];
  readonly source: HandlerSource;
}

/** The whole contract, by type, operation and source, with who is granted it (from the templates' types). */
export function handlerContractRows(): HandlerContractRow[] {
  const holders = new Map<string, string[]>();
  for (const [group, holder] of [['stacks', 'execution role'], ['bootstrap', 'administrator (bootstrap stack)']] as const) {
    for (const { type } of usedTypes(groupTemplates(group))) {
      const key = contractType(type);
      if (!(holders.get(key) ?? []).includes(holder)) holders.set(key, [...(holders.get(key) ?? []), holder]);
    }
  }
  const rows: HandlerContractRow[] = [];
  for (const type of contractTypes().sort()) {
    const permissions = handlerPermissions(type === 'Custom::*' ? 'Custom::Any' : type);
    for (const operation of HANDLER_OPERATIONS) {
      const bySource = new Map<string, HandlerPermission[]>();
      for (const permission of permissions.filter((p) => p.operation === operation)) {
        const key = JSON.stringify(permission.source);
        bySource.set(key, [...(bySource.get(key) ?? []), permission]);
      }
      for (const group of bySource.values()) {
        const actions = [...new Map(group.map((p) => [p.action, { action: p.action, ...(p.onlyWith ? { onlyWith: p.onlyWith } : {}) }])).values()];
        rows.push({ type, grantedTo: holders.get(type) ?? [], operation, actions, source: group[0]!.source });
      }
    }
  }
  return rows;
}
