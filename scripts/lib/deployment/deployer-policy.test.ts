/**
 * The deployer policy, proven like the stacks' policies: every call of the deployer contract is
 * allowed by the generated policy (IAM policy simulator, with the documented key policy on the key),
 * a list of things a deployer must not do is refused, and the contract is tied to the code and the
 * templates: every SDK command the five commands import, and every resource type they deploy, has
 * an entry.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTemplates } from '../../../templates/index';
import { evaluateDeployment, evaluateTemplate, SAMPLE, type EvaluatedStack, type SampleDeployment } from '../../../test/support/deployment';
import { decide, DEPLOYER_TARGETS } from '../../../test/support/deployer-simulation';
import { longestAcceptedParameters, LONGEST_REGION, nameProblems, stackParameters } from '../../../test/support/longest-names';
import type { BellflowerConfig } from '../core/config';
import { bootstrapStackEntries, bootstrapTemplate, deployerContract, executionRoleEntries, personEntries, deployerPolicy, deployerTargets, writeDeployerPolicy, DEPLOYER_COMMANDS, MANAGED_POLICY_LIMIT, policySize, splitPolicy, type DeployerPolicyDocument, type DeployerRequest, type DeployerTargets } from './deployer-policy';
import { PROJECT_ROOT } from '../core/paths';
import { contractType } from './handler-contract';
import { bootstrapStackName } from './bootstrap-names';


const TARGETS = DEPLOYER_TARGETS;

describe.each([
  ['after bootstrap (the recorded key)', TARGETS],
  ['before the first bootstrap, in another partition', { ...TARGETS, keyArn: undefined, partition: 'aws-cn', region: 'cn-north-1', urlSuffix: 'amazonaws.com.cn', accountId: '444455556666' }],
] as const)('deployer policy, simulated (%s)', (_, targets) => {
  const entries = deployerContract(targets);
  const person = deployerPolicy(personEntries(entries));
  const execution = deployerPolicy(executionRoleEntries(entries));
  const { partition: p, region: r, accountId: a } = targets;
  const cfnRole = `arn:${p}:iam::${a}:role/bellflower-devl-${r}-cfn-exec`;

  it('allows every call: the CLI\'s with the person\'s policy, CloudFormation\'s for the environment\'s stacks with the execution role\'s', async () => {
    const refused: string[] = [];
    for (const [who, policy, granted] of [['person', person, personEntries(entries)], ['execution role', execution, executionRoleEntries(entries)]] as const) {
      for (const entry of granted) {
        for (const request of entry.requests) {
          const decision = await decide(policy, targets, request);
          if (decision !== 'Allowed') refused.push(`${who}: ${entry.operation}: ${request.action} on ${request.resource} -> ${decision}`);
        }
      }
    }
    expect(refused).toEqual([]);
    // Every entry is the person's, the execution role's or (the bootstrap stack's resources) an administrator's, once.
    const groups = [personEntries(entries), executionRoleEntries(entries), bootstrapStackEntries(entries)];
    expect(groups.map((group) => group.length).reduce((x, y) => x + y)).toBe(entries.length);
    expect(bootstrapStackEntries(entries).map((e) => e.operation).sort()).toEqual([
      'CloudFormation: AWS::IAM::Role',
      'CloudFormation: AWS::KMS::Alias',
      'CloudFormation: AWS::KMS::Key',
      'CloudFormation: AWS::S3::Bucket',
      'CloudFormation: AWS::S3::BucketPolicy',
    ]);
    expect(entries.flatMap((e) => e.requests).length).toBeGreaterThan(150);
  });

  it('rejects, for the person, what CloudFormation does with the execution role: no role, function or bucket of its own; it passes that role to CloudFormation only', async () => {
    const allowed: string[] = [];
    for (const request of executionRoleEntries(entries).flatMap((entry) => entry.requests)) {
      if ((await decide(person, targets, request)) === 'Allowed') allowed.push(request.action);
    }
    // The overlap: reading the published templates (CreateChangeSet reads the root one with the caller's
    // credentials), describing the key (deploy's preflight checks it; CloudFormation describes it for
    // the encrypted state machine), disabling the event source mapping and reading it and its
    // function's timeout (destroy quiesces the workflow itself and waits for its batches), passing the execution role to CloudFormation (the person passes it as
    // RoleARN; the nested-stack handler passes it on to the nested stacks) and describing the nested
    // change sets (deploy and diff list their changes). Nothing that creates or changes a resource.
    expect([...new Set(allowed)].sort()).toEqual(['cloudformation:DescribeChangeSet', 'iam:PassRole', 'kms:Decrypt', 'kms:DescribeKey', 'lambda:GetEventSourceMapping', 'lambda:GetFunctionConfiguration', 'lambda:UpdateEventSourceMapping', 's3:GetObject']);
    const decisions = async (requests: Omit<DeployerRequest, 'grant'>[]) => Promise.all(requests.map((request) => decide(person, targets, request)));
    expect(
      await decisions([
        { action: 'iam:CreateRole', resource: `arn:${p}:iam::${a}:role/bellflower-lambda-execution-role-devl-${r}` },
        { action: 'iam:PutRolePolicy', resource: cfnRole },
        { action: 'lambda:CreateFunction', resource: `arn:${p}:lambda:${r}:${a}:function:bellflower-integration-lambda-devl-${r}` },
        { action: 'iam:PassRole', resource: cfnRole, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
        { action: 'iam:PassRole', resource: `arn:${p}:iam::${a}:role/bellflower-lambda-execution-role-devl-${r}`, context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
      ]),
    ).not.toContain('Allowed');
    expect(await decisions([{ action: 'iam:PassRole', resource: cfnRole, context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } }])).toEqual(['Allowed']);
  });

  it('rejects any change of the execution role by the execution role (a change set cannot widen what it runs with)', async () => {
    const actions = ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:AttachRolePolicy', 'iam:DeleteRole', 'iam:TagRole'];
    const decisions = await Promise.all(actions.map((action) => decide(execution, targets, { action, resource: cfnRole, context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } })));
    expect(decisions.filter((decision) => decision === 'Allowed')).toEqual([]);
    // The AWS::CloudFormation::Stack handler passes the stack's role on to the nested stacks (its
    // schema lists iam:PassRole for create and update): the role may pass itself, to CloudFormation
    // only, which gives nothing it does not hold already.
    const passed = await Promise.all(['cloudformation', 'lambda', 'states', 'ec2'].map((service) => decide(execution, targets, { action: 'iam:PassRole', resource: cfnRole, context: { 'iam:PassedToService': `${service}.amazonaws.com` } })));
    expect(passed).toEqual(['Allowed', 'ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied']);
  });

  it('refuses what a deployer must not do, with the person\'s policy or the execution role\'s', async () => {
    const forbidden: Omit<DeployerRequest, 'grant'>[] = [
      { action: 'iam:CreateRole', resource: `arn:${p}:iam::${a}:role/admin` },
      { action: 'iam:PutRolePolicy', resource: `arn:${p}:iam::${a}:role/OrganizationAccountAccessRole` },
      { action: 'iam:AttachRolePolicy', resource: `arn:${p}:iam::${a}:role/bellflower-lambda-execution-role-devl-${r}` },
      { action: 'iam:PassRole', resource: `arn:${p}:iam::${a}:role/bellflower-lambda-execution-role-devl-${r}`, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      { action: 'iam:CreateUser', resource: `arn:${p}:iam::${a}:user/someone` },
      { action: 'iam:CreateRole', resource: `arn:${p}:iam::${a}:role/bellflower-lambda-execution-role-prod-${r}` },
      { action: 's3:PutObject', resource: `arn:${p}:s3:::another-bucket/x` },
      { action: 's3:DeleteBucket', resource: `arn:${p}:s3:::another-bucket` },
      { action: 's3:GetObject', resource: `arn:${p}:s3:::bellflower-s3-bucket-devl-${r}/outbound/x/task_token.txt` },
      { action: 'cloudformation:DeleteStack', resource: `arn:${p}:cloudformation:${r}:${a}:stack/someone-elses-stack/1` },
      { action: 'cloudformation:CreateChangeSet', resource: `arn:${p}:cloudformation:${r}:${a}:stack/bellflower-root-stack-prod/1` },
      { action: 'kms:Decrypt', resource: targets.keyArn ?? `arn:${p}:kms:${r}:${a}:key/1234abcd-12ab-34cd-56ef-1234567890ab` },
      { action: 'lambda:InvokeFunction', resource: `arn:${p}:lambda:${r}:${a}:function:bellflower-integration-lambda-devl-${r}` },
      { action: 'states:StartExecution', resource: `arn:${p}:states:${r}:${a}:stateMachine:bellflower-state-machine-devl-${r}` },
      { action: 'sqs:ReceiveMessage', resource: `arn:${p}:sqs:${r}:${a}:bellflower-sqs-queue-devl-${r}` },
      { action: 'lambda:CreateEventSourceMapping', resource: '*', context: { 'lambda:FunctionArn': `arn:${p}:lambda:${r}:${a}:function:other` } },
    ];
    // The key for execution data of another account's or environment's state machine.
    for (const stateMachine of [`arn:${p}:states:${r}:${a}:stateMachine:bellflower-state-machine-prod-${r}`, `arn:${p}:states:${r}:999988887777:stateMachine:bellflower-state-machine-devl-${r}`]) {
      forbidden.push({ action: 'kms:Decrypt', resource: targets.keyArn ?? `arn:${p}:kms:${r}:${a}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, context: { 'kms:EncryptionContext:aws:states:stateMachineArn': stateMachine } });
    }
    if (targets.keyArn) forbidden.push({ action: 'kms:ScheduleKeyDeletion', resource: `arn:${p}:kms:${r}:${a}:key/99999999-0000-0000-0000-000000000000` });
    const allowed: string[] = [];
    for (const policy of [person, execution]) {
      for (const request of forbidden) {
        if ((await decide(policy, targets, request)) === 'Allowed') allowed.push(`${request.action} on ${request.resource}`);
      }
    }
    expect(allowed).toEqual([]);
  });
});

/** Relative `.ts` imports of a source file (static, and the commands' `await import(...)`), resolved. */
function localImports(file: string, text: string): string[] {
  // Specifiers with another extension (`.mjs`, `.json`) are data or generated code, not sources.
  return [...text.matchAll(/(?:from |import\()'(\.{1,2}\/[^']+?)(\.ts)?'/g)]
    .filter(([, spec]) => !/\.(m?js|json)$/.test(spec!))
    .map(([, spec]) => `${resolve(dirname(file), spec!)}.ts`);
}

/** `<Service>.<Operation>` of every SDK command (and waiter, paginator, and lib-storage upload) the files reachable from `entryFiles` import. */
function sdkOperations(entryFiles: readonly string[]): Map<string, string[]> {
  const services: Record<string, string> = { 's3': 'S3', 'cloudformation': 'CloudFormation', 'kms': 'KMS', 'sts': 'STS', 'sfn': 'SFN', 'lambda': 'Lambda', 'iam': 'IAM', 'sqs': 'SQS', 'sns': 'SNS' };
  const waiters: Record<string, string> = { ChangeSetCreateComplete: 'DescribeChangeSet' };
  const found = new Map<string, string[]>();
  const seen = new Set<string>();
  const queue = [...entryFiles];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file) || file.includes('/node_modules/')) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    queue.push(...localImports(file, text).filter((f) => !f.endsWith('.test.ts')));
    const add = (operation: string) => found.set(operation, [...(found.get(operation) ?? []), file.slice(PROJECT_ROOT.length + 1)]);
    for (const [, names, pkg] of [...text.matchAll(/(?:import \{([^}]+)\} from |const \{([^}]+)\} = await import\()'@aws-sdk\/(client-[a-z0-9-]+|lib-storage)'/g)].map(([all, stat, dyn, pkg]) => [all, stat ?? dyn, pkg] as const)) {
      for (const raw of names!.split(',')) {
        const name = raw.trim().replace(/^type\s+/, '');
        if (pkg === 'lib-storage' && name === 'Upload') {
          for (const op of ['PutObject', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AbortMultipartUpload']) add(`S3.${op}`);
          continue;
        }
        const service = services[pkg!.replace('client-', '')];
        const command = /^([A-Z][A-Za-z0-9]+)Command$/.exec(name);
        if (command && service) add(`${service}.${command[1]}`);
        const waiter = /^waitUntil([A-Z][A-Za-z]+)$/.exec(name);
        if (waiter && service) add(`${service}.${waiters[waiter[1]!] ?? 'DescribeStacks'}`);
        const paginator = /^paginate([A-Z][A-Za-z]+)$/.exec(name);
        if (paginator && service) add(`${service}.${paginator[1]}`);
      }
    }
  }
  return found;
}

describe('deployer contract, tied to the code and the templates', () => {
  const entries = deployerContract(TARGETS);
  const commandFiles = DEPLOYER_COMMANDS.map((command) => join(PROJECT_ROOT, 'scripts', `${command}.ts`));

  it('has an entry for every SDK command the five commands can send, and none for a command they never send', () => {
    const used = sdkOperations(commandFiles);
    // Reachable through cli.ts (deploymentContext), sent only by start-execution, respond (which
    // looks for the outbound folder first) and watch.
    for (const operation of ['SFN.StartExecution', 'SFN.GetExecutionHistory', 'S3.ListObjectsV2']) {
      expect(used.get(operation)).toEqual(['scripts/lib/workflow/execution.ts']);
      used.delete(operation);
    }
    const listed = new Set(entries.filter((e) => e.caller === 'the CLI').map((e) => e.operation));
    const missing = [...used].filter(([operation]) => !listed.has(operation)).map(([operation, files]) => `${operation} (${files.join(', ')})`);
    expect(missing).toEqual([]);
    expect([...listed].filter((operation) => !used.has(operation))).toEqual([]);
    expect(used.size).toBeGreaterThan(25);
  });

  it('has an entry for every resource type CloudFormation creates for the stacks and the bootstrap stack', () => {
    const templates = [...Object.values(renderTemplates().objects), bootstrapTemplate().object];
    const types = new Set(templates.flatMap((t) => Object.values(t.Resources as Record<string, { Type: string }>).map((r) => r.Type)));
    const listed = new Set(entries.filter((e) => e.caller === 'CloudFormation').map((e) => e.operation.replace('CloudFormation: ', '')));
    const contractTypes = new Set([...types].map(contractType));
    expect([...contractTypes].filter((type) => !listed.has(type)).sort()).toEqual([]);
    expect([...listed].filter((type) => !contractTypes.has(type)).sort()).toEqual([]);
  });

  it('names no wildcard action, and splits into managed policies that each fit IAM\'s limit, losing no statement', () => {
    for (const policy of [deployerPolicy(personEntries(entries)), deployerPolicy(executionRoleEntries(entries))]) {
      for (const statement of policy.Statement) for (const action of statement.Action) expect(action).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/);
      expect(new Set(policy.Statement.map((s) => s.Sid)).size).toBe(policy.Statement.length);
    }
    // The person's policy now fits one managed policy; the splitting is proven on a document that does not.
    expect(splitPolicy(deployerPolicy(personEntries(entries)))).toHaveLength(1);
    const policy = deployerPolicy(entries);
    const parts = splitPolicy(policy);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.length).toBeLessThanOrEqual(3);
    for (const part of parts) expect(policySize(part)).toBeLessThanOrEqual(MANAGED_POLICY_LIMIT);
    expect(parts.flatMap((part) => part.Statement)).toEqual(policy.Statement);
  });
});

describe('deployerTargets and writeDeployerPolicy', () => {
  const shipped: BellflowerConfig = {
    environment: 'test',
    region: 'cn-north-1',
    artifactBucket: 'bellflower-artifacts-example-test',
    keyPrefix: 'bellflower',
    crossStackName: 'bellflower-s3-custom-resource-stack-test',
    rootStackName: 'bellflower-root-stack-test',
    kmsKeyAlias: 'bellflower-test',
    kmsKeyId: '00000000-0000-0000-0000-000000000000',
    subscriptionEmail: 'bellflower-test@example.com',
    parameters: {},
  };

  it('names the bucket bootstrap would create and every key before bootstrap, the recorded ones after', () => {
    expect(deployerTargets(shipped, '444455556666')).toMatchObject({
      partition: 'aws-cn',
      urlSuffix: 'amazonaws.com.cn',
      artifactBucket: 'bellflower-artifacts-444455556666-cn-north-1-test',
      bootstrapStackName: 'bellflower-bootstrap-test',
    });
    expect(deployerTargets(shipped, '444455556666').keyArn).toBeUndefined();
    const recorded = { ...shipped, artifactBucket: 'team-artifacts', kmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' };
    expect(deployerTargets(recorded, '444455556666')).toMatchObject({
      artifactBucket: 'team-artifacts',
      keyArn: 'arn:aws-cn:kms:cn-north-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
  });

  it('writes the whole policy and its managed-policy parts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bellflower-deployer-policy-'));
    try {
      const policy = deployerPolicy(deployerContract(TARGETS));
      const files = writeDeployerPolicy(dir, 'devl', policy);
      expect(files.map((file) => file.slice(dir.length))).toEqual(['/iam/deployer-policy-devl.json', '/iam/deployer-policy-devl-1.json', '/iam/deployer-policy-devl-2.json']);
      expect(JSON.parse(readFileSync(files[0]!, 'utf8'))).toEqual(policy);
      expect(files.slice(1).flatMap((file) => (JSON.parse(readFileSync(file, 'utf8')) as DeployerPolicyDocument).Statement)).toEqual(policy.Statement);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

type Template = Record<string, any>;

/** The longest value each String parameter of the bootstrap template accepts (AllowedValues, else MaxLength of a letter its pattern allows). */
function longestValues(template: Template): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, p] of Object.entries((template.Parameters ?? {}) as Record<string, Template>)) {
    if (Array.isArray(p.AllowedValues)) values[name] = [...(p.AllowedValues as string[])].sort((a, b) => b.length - a.length)[0]!;
    else if (typeof p.MaxLength === 'number' && (!p.AllowedPattern || new RegExp(p.AllowedPattern as string).test('a'.repeat(p.MaxLength)))) values[name] = 'a'.repeat(p.MaxLength);
  }
  return values;
}

/** The properties through which a resource receives a role CloudFormation passes. */
const ROLE_PROPERTIES = ['Role', 'RoleArn', 'ExecutionRoleArn', 'ServiceRoleArn'] as const;

/** The service principal a role is passed to, per resource type (the `iam:PassedToService` value). */
const RECEIVING_SERVICE: Readonly<Record<string, string>> = {
  'AWS::Lambda::Function': 'lambda.amazonaws.com',
  'AWS::StepFunctions::StateMachine': 'states.amazonaws.com',
};

/** Resource types whose grants name the resource: the property holding its name, its ARN, the create action, the name limit. */
const NAMED: Record<string, { property: string; arn: (t: DeployerTargets, name: string) => string; create: string; limit: number }> = {
  'AWS::IAM::Role': { property: 'RoleName', arn: (t, n) => `arn:${t.partition}:iam::${t.accountId}:role/${n}`, create: 'iam:CreateRole', limit: 64 },
  'AWS::Lambda::Function': { property: 'FunctionName', arn: (t, n) => `arn:${t.partition}:lambda:${t.region}:${t.accountId}:function:${n}`, create: 'lambda:CreateFunction', limit: 64 },
  'AWS::SQS::Queue': { property: 'QueueName', arn: (t, n) => `arn:${t.partition}:sqs:${t.region}:${t.accountId}:${n}`, create: 'sqs:CreateQueue', limit: 80 },
  'AWS::SNS::Topic': { property: 'TopicName', arn: (t, n) => `arn:${t.partition}:sns:${t.region}:${t.accountId}:${n}`, create: 'sns:CreateTopic', limit: 256 },
  'AWS::StepFunctions::StateMachine': { property: 'StateMachineName', arn: (t, n) => `arn:${t.partition}:states:${t.region}:${t.accountId}:stateMachine:${n}`, create: 'states:CreateStateMachine', limit: 80 },
  'AWS::Logs::LogGroup': { property: 'LogGroupName', arn: (t, n) => `arn:${t.partition}:logs:${t.region}:${t.accountId}:log-group:${n}`, create: 'logs:CreateLogGroup', limit: 512 },
  'AWS::CloudWatch::Alarm': { property: 'AlarmName', arn: (t, n) => `arn:${t.partition}:cloudwatch:${t.region}:${t.accountId}:alarm:${n}`, create: 'cloudwatch:PutMetricAlarm', limit: 255 },
  'AWS::S3::Bucket': { property: 'BucketName', arn: (t, n) => `arn:${t.partition}:s3:::${n}`, create: 's3:CreateBucket', limit: 63 },
};

/**
 * Every named resource a deploy creates (the cross stack, the root and its nested stacks, the
 * bootstrap stack), evaluated as CloudFormation would (test/support/deployment.ts), at the defaults
 * or at the longest parameter values; `name` is undefined where CloudFormation would generate it.
 */
function evaluatedStacks(t: DeployerTargets, longest: boolean): EvaluatedStack[] {
  const sample: SampleDeployment = {
    ...SAMPLE,
    partition: t.partition,
    region: t.region,
    accountId: t.accountId,
    rootStackName: t.rootStackName,
    crossStackName: t.crossStackName,
    parameters: { ...SAMPLE.parameters, ...(longest ? longestAcceptedParameters(DECLARED, t.environment, t.region) : {}), Environment: t.environment, ProjectName: t.projectName },
  };
  const deployment = evaluateDeployment(sample);
  const bootstrap = evaluateTemplate(t.bootstrapStackName, bootstrapTemplate().object, { ...(longest ? longestValues(bootstrapTemplate().object) : {}), Environment: t.environment, ProjectName: t.projectName, ArtifactBucketName: t.artifactBucket, KmsMasterKeyAlias: `bellflower-${t.environment}`, RootStackName: t.rootStackName, CrossStackName: t.crossStackName }, sample);
  return [deployment.cross, deployment.root, ...Object.values(deployment.nested), bootstrap];
}

/** The named resources of {@link evaluatedStacks}; `name` is undefined where CloudFormation would generate it. */
function physicalNames(stacks: readonly EvaluatedStack[]): { where: string; type: string; name: string | undefined }[] {
  return stacks.flatMap((stack) =>
    Object.entries(stack.resources).flatMap(([id, resource]) => {
      const named = NAMED[resource.type];
      if (!named) return [];
      const name = resource.properties[named.property] as string | undefined;
      return [{ where: `${stack.name}/${id}`, type: resource.type, name: name === undefined || name.includes('-GENERATED') ? undefined : name }];
    }),
  );
}

/** The stacks' declared parameters and physical names, for the longest values the preflight accepts. */
const DECLARED = await stackParameters();
const LONGEST_ACCEPTED = longestAcceptedParameters(DECLARED, 'prod-eu1', LONGEST_REGION);
const named = (projectName: string, environment: string) => ({
  projectName,
  environment,
  rootStackName: `${projectName}-root-stack-${environment}`,
  crossStackName: `${projectName}-s3-custom-resource-stack-${environment}`,
  bootstrapStackName: bootstrapStackName(environment),
});

describe.each([
  ['the defaults', false, { ...TARGETS, artifactBucket: `bellflower-artifacts-${TARGETS.accountId}` }],
  ['staging in us-east-1 and the defaults', false, { ...TARGETS, ...named('bellflower', 'staging'), region: 'us-east-1', artifactBucket: `bellflower-artifacts-${TARGETS.accountId}` }],
  // The longest environment name the original's role name (41) allows in the longest region (6; the preflight refuses 7).
  ['the defaults and the longest environment they allow in the longest region, in its partition', false, {
    ...TARGETS,
    ...named('bellflower', 'qa-eu1'),
    partition: 'aws-iso-f',
    region: LONGEST_REGION,
    artifactBucket: `bellflower-artifacts-${TARGETS.accountId}`,
  }],
  // An 8-character environment (the longest ENVIRONMENT_NAME allows) with the longest parameters the preflight then accepts.
  ['the longest values the preflight accepts, the longest environment and region, another partition', true, {
    ...TARGETS,
    ...named(LONGEST_ACCEPTED.ProjectName!, 'prod-eu1'),
    partition: 'aws-us-gov',
    region: LONGEST_REGION,
    artifactBucket: `bellflower-artifacts-${TARGETS.accountId}`,
  }],
] as const)('every physical name a deploy produces, with %s', (_, longest, targets) => {
  const stacks = evaluatedStacks(targets as DeployerTargets, longest);
  const names = physicalNames(stacks);
  // What CloudFormation does with either credentials: the execution role's (the stacks) or an administrator's (the bootstrap stack).
  const cloudFormationEntries = deployerContract(targets as DeployerTargets).filter((entry) => entry.caller === 'CloudFormation');
  const policy = deployerPolicy(cloudFormationEntries);

  it('passes each role only to the service that receives it: CloudFormation may pass it, to that service alone', async () => {
    const problems: string[] = [];
    let passed = 0;
    for (const stack of stacks) {
      for (const [id, resource] of Object.entries(stack.resources)) {
        for (const property of ROLE_PROPERTIES.filter((p) => typeof resource.properties[p] === 'string')) {
          const service = RECEIVING_SERVICE[resource.type];
          if (!service) {
            problems.push(`${stack.name}/${id}: ${resource.type} receives a role (${property}) and no service principal is known for it`);
            continue;
          }
          const role = resource.properties[property] as string;
          const allowed = await decide(policy, targets as DeployerTargets, { action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': service } });
          if (allowed !== 'Allowed') problems.push(`${stack.name}/${id}: iam:PassRole of ${role} to ${service} -> ${allowed}`);
          const elsewhere = await decide(policy, targets as DeployerTargets, { action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
          if (elsewhere === 'Allowed') problems.push(`${stack.name}/${id}: ${role} may be passed to ec2.amazonaws.com too`);
          passed += 1;
        }
      }
    }
    expect(problems).toEqual([]);
    // The two functions of the root, the two of the cross stack, the state machine.
    expect(passed).toBe(5);
  });

  it('is explicit (never generated by CloudFormation), within its service\'s limit, and covered by the deployer policy', async () => {
    // A configuration the preflight accepts: no name it refuses reaches CloudFormation.
    expect(nameProblems(DECLARED, targets.environment, targets.region, longest ? LONGEST_ACCEPTED : {})).toEqual([]);
    expect(names.length).toBeGreaterThan(15);
    const problems: string[] = [];
    for (const { where, type, name } of names) {
      const named = NAMED[type]!;
      if (name === undefined) {
        problems.push(`${where} (${type}) has no ${named.property}: CloudFormation would generate one no grant can name`);
        continue;
      }
      if (name.length > named.limit) problems.push(`${where}: ${name} is ${name.length} characters (limit ${named.limit})`);
      const decision = await decide(policy, targets as DeployerTargets, { action: named.create, resource: named.arn(targets as DeployerTargets, name) });
      if (decision !== 'Allowed') problems.push(`${where}: ${named.create} on ${name} -> ${decision}`);
    }
    expect(problems).toEqual([]);
  });
});
