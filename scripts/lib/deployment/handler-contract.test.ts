/**
 * The execution role's policy, proven against the resource-handler contract: every resource of the
 * synthesized templates, evaluated as CloudFormation would (test/support/deployment.ts), gets every
 * permission its type's handler needs for create, read, update and delete, on the ARNs that
 * resource has (computed from the evaluated templates, not from the policy's own examples), in two
 * partitions; a rename of the integration bucket (a replacement: create the new, delete the old)
 * too. A type without an entry fails, and the policy grants nothing the contract does not use.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderTemplates } from '../../../templates/index';
import { cfnExecutionRoleName } from '../../../templates/names';
import { STATE_MACHINE_ENCRYPTION_CONTEXT } from '../../../templates/iam-contract';
import { evaluateDeployment, evaluateTemplate, SAMPLE, type EvaluatedResource, type EvaluatedStack, type SampleDeployment } from '../../../test/support/deployment';
import { decide, DEPLOYER_TARGETS } from '../../../test/support/deployer-simulation';
import { requireTool } from '../../../test/support/tools';
import { longestAcceptedParameters, LONGEST_REGION, stackParameters } from '../../../test/support/longest-names';
import { bootstrapStackEntries, bootstrapTemplate, deployerContract, deployerPolicy, executionRoleEntries, type DeployerPolicyDocument, type DeployerTargets } from './deployer-policy';
import { authorizedOn, contractType, contractTypes, handlerPermissions, handlerRequests, HandlerContractError, HANDLER_OPERATIONS, unreviewedProperties, usedTypes, type AuthorizationTarget, type HandlerOperation } from './handler-contract';

type Obj = Record<string, any>;

/** The service a resource type passes its role to (the iam:PassedToService it must be limited to). */
const RECEIVES_ROLE: Readonly<Record<string, string>> = {
  'AWS::Lambda::Function': 'lambda.amazonaws.com',
  'AWS::StepFunctions::StateMachine': 'states.amazonaws.com',
  'AWS::CloudFormation::Stack': 'cloudformation.amazonaws.com',
};

/** A request the handler of one resource makes, on a concrete ARN of that resource. */
interface Needed {
  readonly where: string;
  readonly operation: HandlerOperation;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string>;
}

/** Where the sample is deployed and the stack it holds the resource in. */
interface Place {
  readonly t: DeployerTargets;
  readonly stack: EvaluatedStack;
  readonly id: string;
  readonly keyArn: string;
  readonly stateMachineArn: string;
}

/** The concrete ARNs (and request context) `target` names for one evaluated resource. */
function concrete(target: AuthorizationTarget, resource: EvaluatedResource, place: Place): { resource: string; context?: Record<string, string> }[] {
  const { t, id } = place;
  const p = resource.properties as Obj;
  const regional = (service: string, rest: string) => `arn:${t.partition}:${service}:${t.region}:${t.accountId}:${rest}`;
  const functionArn = (nameOrArn: string) => (nameOrArn.startsWith('arn:') ? nameOrArn : regional('lambda', `function:${nameOrArn}`));
  const logGroup = (name: string) => [regional('logs', `log-group:${name}`), regional('logs', `log-group:${name}:*`)];
  const s3Object = (bucket: string, key: string) => `arn:${t.partition}:s3:::${bucket}/${key}`;
  const one = (arn: string, context?: Record<string, string>) => [{ resource: arn, ...(context ? { context } : {}) }];
  switch (target) {
    case 'self': {
      const attachedTo: Readonly<Record<string, () => string[]>> = {
        // CloudFormation names a nested stack <root>-<logical id>-<12 random characters>.
        'AWS::CloudFormation::Stack': () => [regional('cloudformation', `stack/${t.rootStackName}-${id}-1Q2W3E4R5T6Y/0d1c2b3a-0000-1111-2222-333344445555`)],
        'AWS::IAM::RolePolicy': () => [`arn:${t.partition}:iam::${t.accountId}:role/${p.RoleName as string}`],
        'AWS::Lambda::Permission': () => [functionArn(p.FunctionName as string)],
        'AWS::Lambda::EventSourceMapping': () => [regional('lambda', 'event-source-mapping:6f1d2c3b-4a59-4e7f-8d90-123456789abc')],
        'AWS::Logs::LogGroup': () => logGroup(p.LogGroupName as string),
        'AWS::Logs::MetricFilter': () => logGroup(p.LogGroupName as string),
        'AWS::SQS::QueuePolicy': () => (p.Queues as string[]).map((url) => regional('sqs', url.split('/').at(-1)!)),
        'AWS::SNS::TopicPolicy': () => p.Topics as string[],
        'AWS::S3::BucketPolicy': () => [`arn:${t.partition}:s3:::${p.Bucket as string}`],
        'AWS::KMS::Key': () => [place.keyArn],
        'Custom::*': () => [functionArn(p.ServiceToken as string)],
      };
      return ownArns(attachedTo, resource).map((arn) => ({ resource: arn }));
    }
    case 'role':
      return one((p.Role ?? p.RoleArn) as string, { 'iam:PassedToService': RECEIVES_ROLE[resource.type] ?? 'unknown' });
    case 'execution role':
      return one(`arn:${t.partition}:iam::${t.accountId}:role/${cfnExecutionRoleName(t.projectName, t.environment, t.region)}`, { 'iam:PassedToService': RECEIVES_ROLE[resource.type] ?? 'unknown' });
    case 'artifact': {
      if (resource.type === 'AWS::Lambda::Function') return one(s3Object(p.Code.S3Bucket as string, p.Code.S3Key as string));
      if (resource.type === 'AWS::StepFunctions::StateMachine') return one(s3Object(p.DefinitionS3Location.Bucket as string, p.DefinitionS3Location.Key as string));
      const url = /^https:\/\/([^.]+)\.s3\.[^/]+\/(.+)$/.exec(p.TemplateURL as string);
      if (!url) throw new Error(`${id}: TemplateURL ${p.TemplateURL as string} names no bucket and key`);
      return one(s3Object(url[1]!, url[2]!));
    }
    case 'artifact key':
      return one(place.keyArn, { 'kms:ViaService': `s3.${t.region}.${t.urlSuffix}` });
    case 'key':
      return one(place.keyArn);
    case 'state machine key':
      return one(place.keyArn, { [STATE_MACHINE_ENCRYPTION_CONTEXT]: resource.arn ?? place.stateMachineArn });
    case 'mapped function':
      return one('*', { 'lambda:FunctionArn': functionArn(p.FunctionName as string) });
    case 'topic':
      return one(p.TopicArn as string);
    case 'alias':
      return one(regional('kms', p.AliasName as string));
    case 'any':
      return one('*');
  }
}

/** The resource's own ARN(s): its evaluated ARN, or how the type names what it is attached to. */
function ownArns(byType: Readonly<Record<string, () => string[]>>, resource: EvaluatedResource): string[] {
  const of = byType[contractType(resource.type)];
  if (of) return of();
  if (!resource.arn) throw new Error(`${resource.type}: no ARN to authorize its handler's calls on`);
  return [resource.arn];
}

/** Every request the handlers of `stacks`' resources make for `operations`, on each resource's ARNs. */
function neededRequests(stacks: readonly EvaluatedStack[], t: DeployerTargets, operations: readonly HandlerOperation[]): Needed[] {
  const keyArn = `arn:${t.partition}:kms:${t.region}:${t.accountId}:key/${SAMPLE.kmsKeyId}`;
  const needed: Needed[] = [];
  for (const stack of stacks) {
    const stateMachineArn = Object.values(stack.resources).find((r) => r.type === 'AWS::StepFunctions::StateMachine')?.arn ?? '';
    for (const [id, resource] of Object.entries(stack.resources)) {
      const place: Place = { t, stack, id, keyArn, stateMachineArn };
      for (const permission of handlerPermissions(resource.type)) {
        if (!operations.includes(permission.operation)) continue;
        if (permission.onlyWith && resource.properties[permission.onlyWith] === undefined) continue;
        for (const target of authorizedOn(resource.type, permission.action)) {
          for (const { resource: arn, context } of concrete(target, resource, place)) {
            needed.push({ where: `${stack.name}/${id}`, operation: permission.operation, action: permission.action, resource: arn, ...(context ? { context } : {}) });
          }
        }
      }
    }
  }
  return needed;
}

/** The decisions of `policy` that are not `Allowed`, one line each. */
async function refused(policy: DeployerPolicyDocument, t: DeployerTargets, needed: readonly Needed[]): Promise<string[]> {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const request of needed) {
    const key = JSON.stringify([request.action, request.resource, request.context]);
    if (seen.has(key)) continue;
    seen.add(key);
    const decision = await decide(policy, t, request);
    if (decision !== 'Allowed') problems.push(`${request.where} (${request.operation}): ${request.action} on ${request.resource} -> ${decision}`);
  }
  return problems;
}

/** The sample deployment of `t` (its environment, project and, for {@link LONGEST}, the longest accepted parameters), optionally with other root parameters. */
function deployment(t: DeployerTargets, parameters: Record<string, string> = {}): EvaluatedStack[] {
  const own = { ...(t === LONGEST ? LONGEST_PARAMETERS : {}), Environment: t.environment, ProjectName: t.projectName };
  const sample: SampleDeployment = { ...SAMPLE, partition: t.partition, region: t.region, accountId: t.accountId, rootStackName: t.rootStackName, crossStackName: t.crossStackName, parameters: { ...SAMPLE.parameters, ...own, ...parameters } };
  const d = evaluateDeployment(sample);
  return [d.cross, d.root, ...Object.values(d.nested)];
}

// The artifact bucket and key of the evaluated sample (test/support/deployment.ts).
const BASE: DeployerTargets = { ...DEPLOYER_TARGETS, artifactBucket: 'bellflower-artifacts-111122223333', keyArn: `arn:aws:kms:eu-west-1:111122223333:key/${SAMPLE.kmsKeyId}` };
const GOV: DeployerTargets = {
  ...BASE,
  partition: 'aws-us-gov',
  region: 'us-gov-west-1',
  accountId: '444455556666',
  artifactBucket: 'bellflower-artifacts-444455556666',
  keyArn: `arn:aws-us-gov:kms:us-gov-west-1:444455556666:key/${SAMPLE.kmsKeyId}`,
};

// An 8-character environment in the longest region with the longest parameters the preflight accepts there.
const LONGEST_PARAMETERS = longestAcceptedParameters(await stackParameters(), 'prod-eu1', LONGEST_REGION);
const LONGEST: DeployerTargets = {
  ...GOV,
  region: LONGEST_REGION,
  environment: 'prod-eu1',
  projectName: LONGEST_PARAMETERS.ProjectName!,
  rootStackName: `${LONGEST_PARAMETERS.ProjectName!}-root-stack-prod-eu1`,
  crossStackName: `${LONGEST_PARAMETERS.ProjectName!}-s3-custom-resource-stack-prod-eu1`,
  keyArn: `arn:aws-us-gov:kms:${LONGEST_REGION}:444455556666:key/${SAMPLE.kmsKeyId}`,
};

describe.each([
  ['aws', BASE],
  ['aws-us-gov', GOV],
  ['the longest names the preflight accepts', LONGEST],
] as const)('the execution role\'s policy, generated from the handler contract (%s)', (_, t) => {
  const policy = deployerPolicy(executionRoleEntries(deployerContract(t)));

  it('allows every handler permission of every resource of the templates, for create, read, update and delete, on the ARNs the resource has', async () => {
    const needed = neededRequests(deployment(t), t, HANDLER_OPERATIONS);
    expect(await refused(policy, t, needed)).toEqual([]);
    // Every resource of the cross, root and nested stacks, every operation.
    expect(new Set(needed.map((n) => n.where)).size).toBeGreaterThan(40);
    expect(new Set(needed.map((n) => n.operation))).toEqual(new Set(HANDLER_OPERATIONS));
  });

  it('allows a rename of the integration bucket: CloudFormation creates the renamed bucket and its dependents, then deletes the old ones', async () => {
    const renamed = deployment(t, { S3IntegrationBucketName: 'bellflower-renamed-bucket' });
    const bucketArns = renamed.flatMap((s) => Object.values(s.resources)).filter((r) => r.type === 'AWS::S3::Bucket').map((r) => r.arn);
    expect(bucketArns).toEqual([`arn:${t.partition}:s3:::bellflower-renamed-bucket-${t.environment}-${t.region}`]);
    const needed = [...neededRequests(renamed, t, ['create', 'read', 'update']), ...neededRequests(deployment(t), t, ['delete'])];
    expect(await refused(policy, t, needed)).toEqual([]);
  });

  it('allows the bootstrap stack\'s handlers with the administrator\'s listed calls', async () => {
    const bootstrap = evaluateTemplate(t.bootstrapStackName, bootstrapTemplate().object, {
      Environment: t.environment,
      ProjectName: t.projectName,
      ArtifactBucketName: t.artifactBucket,
      KmsMasterKeyAlias: `bellflower-${t.environment}`,
      RootStackName: t.rootStackName,
      CrossStackName: t.crossStackName,
    }, { ...SAMPLE, partition: t.partition, region: t.region, accountId: t.accountId });
    const admin = deployerPolicy(bootstrapStackEntries(deployerContract(t)));
    const needed = neededRequests([bootstrap], t, HANDLER_OPERATIONS);
    expect(new Set(needed.map((n) => n.where.split('/')[1]))).toEqual(new Set(Object.keys(bootstrap.resources)));
    expect(await refused(admin, t, needed)).toEqual([]);
  });

  it('grants nothing the contract does not use: every action of every statement is a handler permission of a type the templates hold', () => {
    const templates = Object.values(renderTemplates().objects);
    const used = new Set(usedTypes(templates).flatMap(({ type, properties }) => handlerPermissions(type).filter((p) => !p.onlyWith || properties.has(p.onlyWith)).map((p) => p.action)));
    const unused = policy.Statement.flatMap((s) => s.Action.filter((action) => !used.has(action)).map((action) => `${s.Sid}: ${action}`));
    expect(unused).toEqual([]);
    // The property-conditional permissions of types the templates hold without those properties stay out.
    const granted = new Set(policy.Statement.flatMap((s) => s.Action));
    expect(['iam:AttachRolePolicy', 'iam:PutRolePermissionsBoundary', 'sns:PutDataProtectionPolicy', 'logs:AssociateKmsKey'].filter((a) => granted.has(a))).toEqual([]);
  });
});

describe('the resource-handler contract', () => {
  const withType = (type: string, properties: Obj = {}) => {
    const templates = Object.values(renderTemplates().objects).map((t) => structuredClone(t) as Obj);
    templates[0]!.Resources.Fixture = { Type: type, Properties: properties };
    return templates;
  };

  it('rejects a template with a resource type the contract has no entry for, naming the type and the fix', () => {
    expect(() => handlerRequests(BASE, 'stacks', withType('AWS::DynamoDB::Table', { TableName: 'x' }))).toThrow(HandlerContractError);
    expect(() => handlerRequests(BASE, 'stacks', withType('AWS::DynamoDB::Table'))).toThrow(/no resource-handler contract for AWS::DynamoDB::Table: add its create, read, update and delete permissions .*handler-permissions\.json/);
    // Every type of the templates and the bootstrap stack has one.
    const types = usedTypes([...Object.values(renderTemplates().objects), bootstrapTemplate().object]).map((u) => u.type);
    expect(types.filter((type) => !contractTypes().includes(contractType(type)))).toEqual([]);
  });

  it('rejects a template property the contract has not reviewed for the permissions it adds (a function\'s KmsKeyArn)', () => {
    expect(unreviewedProperties([...Object.values(renderTemplates().objects), bootstrapTemplate().object])).toEqual([]);
    expect(unreviewedProperties(withType('AWS::Lambda::Function', { FunctionName: 'x', KmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/x' }))).toEqual([
      'AWS::Lambda::Function sets KmsKeyArn, which the handler contract has not reviewed: add the actions it needs under "conditional", or add it to "reviewedProperties" of AWS::Lambda::Function in scripts/lib/deployment/handler-permissions.json',
    ]);
    // A property whose actions the contract lists is reviewed: they are granted when it is set.
    expect(unreviewedProperties(withType('AWS::IAM::Role', { ManagedPolicyArns: [] }))).toEqual([]);
  });

  it('grants what a property adds only when a template sets it (a role with ManagedPolicyArns may attach policies)', () => {
    const actions = (templates: Obj[]) => new Set(handlerRequests(BASE, 'stacks', templates).filter((r) => r.type === 'AWS::IAM::Role').map((r) => r.action));
    expect(actions(withType('AWS::IAM::Role', { RoleName: 'x' })).has('iam:AttachRolePolicy')).toBe(false);
    expect(actions(withType('AWS::IAM::Role', { RoleName: 'x', ManagedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] })).has('iam:AttachRolePolicy')).toBe(true);
  });

  it('names the source of every entry: a provider schema at a commit, or the document it is derived from', () => {
    for (const type of contractTypes()) {
      for (const { source } of handlerPermissions(type === 'Custom::*' ? 'Custom::Fixture' : type)) {
        if (source.kind === 'schema') {
          expect(source.repo).toMatch(/^aws-cloudformation\/aws-cloudformation-resource-providers-[a-z]+$/);
          expect(source.commit).toMatch(/^[0-9a-f]{40}$/);
          expect(source.path).toMatch(/\.json$/);
        } else expect(source.url).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      }
    }
  });

  it.runIf(requireTool('cfn-lint'))('says which types take stack tags as their resource schemas do (cfn-lint\'s bundled schemas)', () => {
    const types = contractTypes().filter((type) => type.startsWith('AWS::'));
    const script = [
      'import json, os, sys',
      'import cfnlint.data.schemas as schemas',
      'from cfnlint.data.schemas.providers import us_east_1 as provider',
      "folder = os.path.join(os.path.dirname(schemas.__file__), 'resources')",
      "print(json.dumps({t: bool(json.load(open(os.path.join(folder, provider.types[t] + '.json'))).get('tagging', {}).get('taggable')) for t in json.loads(sys.argv[1])}))",
    ].join('\n');
    const result = spawnSync('python3', ['-c', script, JSON.stringify(types)], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const taggable = JSON.parse(result.stdout) as Record<string, boolean>;
    const tagged = Object.fromEntries(types.map((type) => [type, handlerPermissions(type).some((p) => p.source.kind === 'stack tags')]));
    expect(tagged).toEqual(taggable);
    expect(Object.values(taggable).filter(Boolean).length).toBeGreaterThan(8);
  });
});
