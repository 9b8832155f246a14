import { describe, expect, it } from 'vitest';
import { buildStateMachine, placeholdersIn } from '../asl/state-machine';
import { bootstrapTemplate } from '../scripts/lib/deployment/deployer-policy';
import { renderTemplates, type TemplateObject } from './index';
import { NESTED_TEMPLATES, nestedTemplatePath, TEMPLATE_PATHS, type TemplateName } from './layout';
import { XRAY_WRITE_ACTIONS } from './common';
import { LOG_DELIVERY_ACTIONS, XRAY_SAMPLING_ACTIONS } from './iam-role-stack';
import { BOOTSTRAP, IAM, LAMBDA, ROOT, S3 } from './logical-ids';
import { CROSS_EXPORTS, LAMBDA_RUNTIME, ROOT_OUTPUTS } from './names';
import { buildRootStack, referencedTemplatePaths, TRIGGER } from './root-stack';
import { toYaml } from './yaml';
import { BUSINESS_FAILURE_LOG } from '../handlers/integration/log-lines';

type Obj = Record<string, any>;
const rendered = renderTemplates();
const templates = rendered.objects;
// The bootstrap stack is deployed on its own (never published), but obeys the same rules.
const entries = [...Object.entries(templates), ['bootstrap', bootstrapTemplate().object]] as [TemplateName | 'bootstrap', TemplateObject][];
const resources = (t: TemplateObject) => t.Resources as Record<string, Obj>;
const ofType = (t: TemplateObject, type: string) => Object.entries(resources(t)).filter(([, r]) => r.Type === type);
const PSEUDO = ['AWS::AccountId', 'AWS::Partition', 'AWS::Region', 'AWS::StackName', 'AWS::StackId', 'AWS::URLSuffix', 'AWS::NoValue'];

/** Every object below `value` that has exactly one key `key`. */
function findAll(value: unknown, key: string, found: unknown[] = []): unknown[] {
  if (Array.isArray(value)) value.forEach((v) => findAll(v, key, found));
  else if (value && typeof value === 'object') {
    const o = value as Obj;
    if (Object.keys(o).length === 1 && key in o) found.push(o[key]);
    Object.values(o).forEach((v) => findAll(v, key, found));
  }
  return found;
}

const childOf = (stack: Obj): TemplateName => {
  const url = stack.Properties.TemplateURL['Fn::Sub'] as string;
  const name = NESTED_TEMPLATES.find((n) => url.endsWith(`/${rendered.nestedTemplatePaths[n]}`));
  if (!name) throw new Error(`no template for ${url}`);
  return name;
};

/**
 * The run-time roles' statements. The bootstrap stack's CloudFormation execution role is not among
 * them: its policy (a `!Sub` of the deployer contract's JSON) is proven by deployer-policy.test.ts.
 */
const statements = (t: TemplateObject): Obj[] =>
  ofType(t, 'AWS::IAM::Role')
    .filter(([id]) => id !== BOOTSTRAP.cfnExecutionRole)
    .flatMap(([, r]) => r.Properties.Policies.flatMap((p: Obj) => p.PolicyDocument.Statement));
const actionsOf = (role: Obj): string[] => role.Properties.Policies.flatMap((p: Obj) => p.PolicyDocument.Statement.flatMap((s: Obj) => s.Action));

describe('template structure', () => {
  it.each(entries)('%s: every Ref, GetAtt and ${} in Sub resolves', (_, t) => {
    const names = new Set([...Object.keys(t.Parameters as Obj), ...Object.keys(resources(t)), ...PSEUDO]);
    for (const ref of findAll(t, 'Ref')) expect(names, `Ref ${String(ref)}`).toContain(ref);
    for (const [resource] of findAll(t, 'Fn::GetAtt') as [string, string][]) expect(resources(t)).toHaveProperty([resource]);
    for (const sub of findAll(t, 'Fn::Sub')) {
      const [text, vars] = Array.isArray(sub) ? (sub as [string, Obj]) : [sub as string, {}];
      for (const [, name] of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
        const base = name!.split('.')[0]!;
        expect(names.has(base) || base in vars, `\${${name}} in "${text}"`).toBe(true);
      }
    }
  });

  it('passes every nested stack exactly the parameters of its child template, and reads only outputs it has', () => {
    for (const [id, stack] of ofType(templates.root, 'AWS::CloudFormation::Stack')) {
      const child = templates[childOf(stack)];
      expect(Object.keys(stack.Properties.Parameters).sort(), id).toEqual(Object.keys(child.Parameters as Obj).sort());
    }
    for (const [resource, attribute] of findAll(templates.root, 'Fn::GetAtt') as [string, string][]) {
      const target = resources(templates.root)[resource]!;
      if (target.Type !== 'AWS::CloudFormation::Stack') continue;
      expect(templates[childOf(target)].Outputs, `${resource}.${attribute}`).toHaveProperty([attribute.replace(/^Outputs\./, '')]);
    }
  });

  it('imports in the root and s3 stacks only names the cross stack exports', () => {
    const exported = Object.values(templates.cross.Outputs as Obj).map((o) => o.Export.Name['Fn::Sub'].replace('${AWS::StackName}-', ''));
    expect(exported.sort()).toEqual(Object.values(CROSS_EXPORTS).sort());
    const imports = [...findAll(templates.root, 'Fn::ImportValue'), ...findAll(templates.s3, 'Fn::ImportValue')] as Obj[];
    // The two service tokens, and the two custom-resource roles the s3 stack grants bucket access to.
    expect(imports).toHaveLength(4);
    for (const imported of imports) {
      const [, suffix] = /^\$\{S3CustomResourceStackName\}-(.+)$/.exec(imported['Fn::Sub'])!;
      expect(exported).toContain(suffix);
    }
  });

  it('binds exactly the ASL placeholders in DefinitionSubstitutions and reads the definition from the artifact bucket', () => {
    const machine = resources(templates.root)[ROOT.stateMachine]!.Properties;
    expect(Object.keys(machine.DefinitionSubstitutions).sort()).toEqual(placeholdersIn(JSON.stringify(buildStateMachine())));
    expect(machine.DefinitionS3Location).toEqual({ Bucket: { Ref: 'LambdaFunctionCodeBucket' }, Key: { Ref: 'StateMachineDefinitionKey' } });
    expect(machine.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    expect(machine.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('has the root outputs of the contract, the integration ARN from the integration function', () => {
    const outputs = templates.root.Outputs as Obj;
    expect(Object.keys(outputs).sort()).toEqual(Object.values(ROOT_OUTPUTS).sort());
    expect(outputs[ROOT_OUTPUTS.integrationLambdaArn].Value).toEqual({ 'Fn::GetAtt': [ROOT.integrationStack, `Outputs.${LAMBDA.functionArn}`] });
    expect(outputs[ROOT_OUTPUTS.processingLambdaArn].Value).toEqual({ 'Fn::GetAtt': [ROOT.processingStack, `Outputs.${LAMBDA.functionArn}`] });
  });

  it('triggers the integration function on inbound .json objects, invoked only by its bucket and account', () => {
    const root = resources(templates.root);
    expect(root[ROOT.trigger]!.Properties).toMatchObject({ NotificationEventName: TRIGGER.event, Prefix: 'inbound', Suffix: '.json' });
    expect(root[ROOT.invokePermission]!.Properties).toMatchObject({
      Principal: 's3.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: expect.anything(),
    });
  });

  it('builds every function on nodejs24.x from the artifact bucket with tracing, logs with retention and a DLQ', () => {
    const runtimeDefault = (templates.lambda.Parameters as Obj).LambdaRuntime.Default;
    expect(runtimeDefault).toBe(LAMBDA_RUNTIME);
    const functions = entries.flatMap(([, t]) => ofType(t, 'AWS::Lambda::Function').map(([, f]) => [t, f.Properties] as const));
    expect(functions).toHaveLength(3);
    for (const [t, fn] of functions) {
      expect([LAMBDA_RUNTIME, { Ref: 'LambdaRuntime' }]).toContainEqual(fn.Runtime);
      expect(Object.keys(fn.Code).sort()).toEqual(['S3Bucket', 'S3Key']);
      expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.DeadLetterConfig.TargetArn).toBeDefined();
      const logGroup = resources(t)[fn.LoggingConfig.LogGroup.Ref]!;
      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(logGroup.Properties.RetentionInDays).toEqual({ Ref: 'LogRetentionInDays' });
      expect(fn.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it('encrypts the bucket, queues and topic with KMS and denies requests without TLS on each', () => {
    const denies = (t: TemplateObject, type: string, targets: string) =>
      ofType(t, type).flatMap(([, p]) =>
        p.Properties.PolicyDocument.Statement.filter(
          (s: Obj) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
        ).length
          ? [p.Properties[targets]].flat()
          : [],
      );
    for (const t of [templates.sqs, templates.lambda, templates.cross]) {
      const queues = ofType(t, 'AWS::SQS::Queue');
      expect(denies(t, 'AWS::SQS::QueuePolicy', 'Queues')).toEqual(expect.arrayContaining(queues.map(([id]) => ({ Ref: id }))));
      for (const [, q] of queues) expect(q.Properties.KmsMasterKeyId).toBeDefined();
    }
    expect(denies(templates.s3, 'AWS::S3::BucketPolicy', 'Bucket')).toHaveLength(1);
    expect(denies(templates.sns, 'AWS::SNS::TopicPolicy', 'Topics')).toHaveLength(1);
    const [[, bucket]] = ofType(templates.s3, 'AWS::S3::Bucket') as [[string, Obj]];
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    expect(ofType(templates.sns, 'AWS::SNS::Topic')[0]![1].Properties.KmsMasterKeyId).toBeDefined();
  });

  it('moves undeliverable callback messages to a dead-letter queue; visibility timeout covers the function timeout', () => {
    const queue = resources(templates.sqs).SQSQueue!.Properties;
    expect(queue.RedrivePolicy.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': ['SQSDeadLetterQueue', 'Arn'] });
    const root = templates.root.Parameters as Obj;
    expect(root.VisibilityTimeout.Default).toBeGreaterThanOrEqual(root.LambdaFunctionTimeoutSecs.Default);
  });

  it('alarms when a callback message is not handed over within minutes (a disabled or failing mapping), long before the dead-letter queue', () => {
    const alarms = ofType(templates.sqs, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties as Obj);
    const age = alarms.find((a) => a.MetricName === 'ApproximateAgeOfOldestMessage');
    expect(age).toMatchObject({
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['SQSQueue', 'QueueName'] } }],
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const root = templates.root.Parameters as Obj;
    // Sooner than the first redelivery (visibility timeout), let alone the dead-letter queue.
    expect(age!.Threshold).toBeGreaterThan(0);
    expect(age!.Threshold).toBeLessThan(root.VisibilityTimeout.Default);
  });

  it('expires every exchange file, empty answers and heartbeats included, and keeps only the folder markers', () => {
    const rules = (resources(templates.s3).S3IntegrationBucket!.Properties.LifecycleConfiguration.Rules as Obj[]).filter(
      (r) => r.Status === 'Enabled' && r.ExpirationInDays !== undefined,
    );
    // S3's filter: the key starts with the prefix; sizes compare strictly.
    const expires = (key: string, size: number) =>
      rules.some(
        (r) =>
          key.startsWith(r.Prefix ?? '') &&
          (r.ObjectSizeGreaterThan === undefined || size > r.ObjectSizeGreaterThan) &&
          (r.ObjectSizeLessThan === undefined || size < r.ObjectSizeLessThan),
      );
    const id = '0b7f3c1e-8d2a-4c5b-9e6f-1a2b3c4d5e6f';
    for (const execution of [id, id.toUpperCase(), `f${id.slice(1)}`, `A${id.slice(1)}`, `9${id.slice(1)}`]) {
      expect(expires(`inbound/${execution}/heartbeat.json`, 0), execution).toBe(true);
      expect(expires(`inbound/${execution}/success.json`, 0), execution).toBe(true);
      expect(expires(`inbound/${execution}/success.json`, 120), execution).toBe(true);
      expect(expires(`outbound/${execution}/data.json`, 12), execution).toBe(true);
    }
    expect(expires('inbound/', 0)).toBe(false);
    expect(expires('outbound/', 0)).toBe(false);
  });

  it('tells business failures from system failures: a metric of the integration function\'s failure.json log line and its own alarm', () => {
    const root = resources(templates.root);
    const filter = root[ROOT.businessFailuresMetricFilter]!;
    expect(filter.Properties.LogGroupName).toEqual({ 'Fn::Sub': '/aws/lambda/${IntegrationLambdaFunctionName}-${Environment}-${AWS::Region}' });
    // The pattern names the exact line the handler logs (one constant for both).
    expect(filter.Properties.FilterPattern).toBe(`{ $.message = "${BUSINESS_FAILURE_LOG}" }`);
    const [transformation] = filter.Properties.MetricTransformations as Obj[];
    expect(root[ROOT.businessFailuresAlarm]!.Properties).toMatchObject({
      Namespace: transformation!.MetricNamespace,
      MetricName: transformation!.MetricName,
      Statistic: 'Sum',
      Threshold: 0,
    });
    expect(root[ROOT.businessFailuresAlarm]!.Properties.MetricName).not.toEqual(root[ROOT.executionsFailedAlarm]!.Properties.MetricName);
  });

  // Every physical name within its AWS limit: the parameters' MaxLengths are a coarse guard, the
  // preflight checks the exact length for an environment's name and region
  // (scripts/lib/deployment/physical-names.test.ts), and the deployer-policy and handler-contract
  // tests evaluate the templates at the longest values it accepts.

  it('accepts only IAM names in the role and policy name parameters', () => {
    const root = templates.root.Parameters as Obj;
    for (const name of ['LambdaExecutionRoleName', 'StepFunctionExecutionRoleName', 'LambdaExecutionPolicyName', 'StepFunctionExecutionPolicyName']) {
      const pattern = new RegExp(root[name].AllowedPattern);
      expect(pattern.test(root[name].Default), name).toBe(true);
      for (const bad of ['role name', 'role/name', 'rôle', 'role:name']) expect(pattern.test(bad), `${name} ${bad}`).toBe(false);
    }
  });

  it('deletes the integration bucket only after everything that writes into it (the mapping and the integration function)', () => {
    const root = resources(templates.root);
    // What CloudFormation orders by: Ref, GetAtt and DependsOn between the root's resources.
    const direct = (id: string): string[] => {
      const r = root[id]!;
      const refs = [...findAll(r, 'Ref'), ...findAll(r, 'Fn::GetAtt').map((a) => (Array.isArray(a) ? a[0] : String(a).split('.')[0]))];
      return [...refs, ...[r.DependsOn ?? []].flat()].filter((d): d is string => typeof d === 'string' && d in root);
    };
    const dependsOn = (id: string, seen = new Set<string>()): Set<string> => {
      for (const d of direct(id)) if (!seen.has(d)) dependsOn(d, seen.add(d));
      return seen;
    };
    for (const writer of [ROOT.eventSourceMapping, ROOT.integrationStack]) expect([...dependsOn(writer)], writer).toContain(ROOT.s3Stack);
  });

  it('hard-codes no account, region or artifact key', () => {
    for (const [name, t] of entries) {
      const text = toYaml(t);
      expect(text, name).not.toMatch(/\b\d{12}\b/);
      expect(text, name).not.toMatch(/\b(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d\b/);
      expect(text, name).not.toMatch(/ZipFile|arn:aws:/);
    }
  });

  it('gives every cdk-nag suppression a written reason', () => {
    const suppressions = entries.flatMap(([, t]) =>
      Object.values(resources(t)).flatMap((r) => (r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as Obj[]),
    );
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) expect(s.reason.length, s.id).toBeGreaterThan(40);
  });
});

describe('nested TemplateURLs (content-addressed)', () => {
  const urlsOf = (root: TemplateObject): Record<string, string> =>
    Object.fromEntries(ofType(root, 'AWS::CloudFormation::Stack').map(([id, stack]) => [id, stack.Properties.TemplateURL['Fn::Sub']]));

  it('names each nested template by the hash of its YAML text, at its faithful path plus the hash', () => {
    for (const name of NESTED_TEMPLATES) {
      const path = rendered.nestedTemplatePaths[name];
      expect(path).toBe(nestedTemplatePath(name, rendered.texts[name]));
      expect(path).toMatch(new RegExp(`^${TEMPLATE_PATHS[name].replace(/\.yaml$/, '')}-[0-9a-f]{16}\\.yaml$`));
    }
    expect(referencedTemplatePaths(templates.root).sort()).toEqual(
      [...NESTED_TEMPLATES.map((name) => rendered.nestedTemplatePaths[name]), rendered.nestedTemplatePaths.lambda].sort(),
    );
  });

  it('changes only the TemplateURL of the stack whose template text changed', () => {
    const changedSqs = rendered.texts.sqs.replace(/^Description: (.*)$/m, 'Description: $1 (changed)');
    expect(changedSqs).not.toBe(rendered.texts.sqs);
    const root = buildRootStack({ nestedTemplatePaths: { ...rendered.nestedTemplatePaths, sqs: nestedTemplatePath('sqs', changedSqs) } });
    const before = urlsOf(templates.root);
    const after = urlsOf(JSON.parse(JSON.stringify(root)) as TemplateObject);
    const changed = Object.keys(before).filter((id) => before[id] !== after[id]);
    expect(changed).toEqual([ROOT.sqsStack]);
  });

  it('rejects a missing or malformed nested template path, naming the template', () => {
    const { sns: _sns, ...withoutSns } = rendered.nestedTemplatePaths;
    expect(() => buildRootStack({ nestedTemplatePaths: withoutSns as typeof rendered.nestedTemplatePaths })).toThrow(
      /nestedTemplatePaths\.sns must be the template's path.*got undefined/,
    );
    expect(() => buildRootStack({ nestedTemplatePaths: { ...rendered.nestedTemplatePaths, iam: '/abs/iam.yaml' } })).toThrow(
      /nestedTemplatePaths\.iam .*got "\/abs\/iam\.yaml"/,
    );
  });
});

describe('IAM least privilege', () => {
  /** Actions that support no resource-level permissions: the only ones allowed on `*`. */
  const WILDCARD_ONLY = new Set<string>([...XRAY_WRITE_ACTIONS, ...XRAY_SAMPLING_ACTIONS, ...LOG_DELIVERY_ACTIONS]);

  it('grants no wildcard action, no `*` resource except for actions that require it, and no managed policy', () => {
    const all = entries.flatMap(([, t]) => statements(t));
    expect(all.length).toBeGreaterThan(10);
    for (const s of all) {
      for (const action of [s.Action].flat()) expect(action).not.toContain('*');
      if ([s.Resource].flat().includes('*')) for (const action of s.Action) expect(WILDCARD_ONLY, s.Sid).toContain(action);
    }
    for (const [, t] of entries) for (const [, r] of ofType(t, 'AWS::IAM::Role')) expect(r.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('gives each function its own role: the processing role can neither read nor answer task tokens', () => {
    const iam = resources(templates.iam);
    const processing = actionsOf(iam[IAM.processingRole]!);
    expect(processing.filter((a) => /^(s3|states|sqs:Receive)/.test(a))).toEqual([]);
    expect(actionsOf(iam[IAM.lambdaRole]!)).toEqual(expect.arrayContaining(['s3:GetObject', 'states:SendTaskSuccess', 'sqs:ReceiveMessage']));
    const stacks = resources(templates.root);
    expect(stacks[ROOT.processingStack]!.Properties.Parameters.LambdaExecutionRoleArn).toEqual({
      'Fn::GetAtt': [ROOT.iamStack, `Outputs.${IAM.processingRoleArn}`],
    });
    expect(stacks[ROOT.integrationStack]!.Properties.Parameters.LambdaExecutionRoleArn).toEqual({
      'Fn::GetAtt': [ROOT.iamStack, `Outputs.${IAM.lambdaRoleArn}`],
    });
  });

  it('grants the custom-resource roles their bucket access next to the bucket, under a name that changes with it', () => {
    const s3 = resources(templates.s3);
    const folders = s3[S3.foldersPolicy]!;
    expect(folders.Type).toBe('AWS::IAM::RolePolicy');
    expect(folders.Properties.PolicyName).toEqual({ 'Fn::Sub': `\${${S3.bucket}}-folders` });
    expect(folders.Properties.PolicyDocument.Statement.flatMap((st: Obj) => st.Action)).toEqual(
      expect.arrayContaining(['s3:ListBucketVersions', 's3:DeleteObjectVersion', 's3:PutObject']),
    );
    // Created after, and deleted before, what lets it work on the bucket.
    expect(s3[S3.folders]!.DependsOn).toEqual(expect.arrayContaining([S3.foldersPolicy, S3.bucketPolicy]));
    expect(s3[S3.notificationPolicy]!.Properties.PolicyDocument.Statement.flatMap((st: Obj) => st.Action)).toEqual([
      's3:GetBucketNotification',
      's3:PutBucketNotification',
    ]);
    // The cross stack (updated before the root stack) names no bucket.
    expect(JSON.stringify(templates.cross)).not.toMatch(/s3:::|S3IntegrationBucketName/);
  });

  it('encrypts the bucket with the key ARN (an alias resolves in the requester\'s account)', () => {
    const encryption = resources(templates.s3)[S3.bucket]!.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
    expect(encryption.ServerSideEncryptionByDefault.KMSMasterKeyID).toEqual({ Ref: 'KmsMasterKeyArn' });
    expect(resources(templates.root)[ROOT.s3Stack]!.Properties.Parameters.KmsMasterKeyArn).toEqual({
      'Fn::Sub': expect.stringContaining(':key/${KmsMasterKeyId}'),
    });
  });

  it('bounds how long CloudFormation waits for each custom resource', () => {
    expect(resources(templates.s3)[S3.folders]!.Properties.ServiceTimeout).toBe(3600);
    expect(resources(templates.root)[ROOT.trigger]!.Properties.ServiceTimeout).toBeLessThanOrEqual(3600);
  });

  it('lets the state machine do what its states call, and scopes task tokens to the state machine', () => {
    expect(actionsOf(resources(templates.iam)[IAM.stepFunctionRole]!)).toEqual(
      expect.arrayContaining(['lambda:InvokeFunction', 'sqs:SendMessage', 'sns:Publish', 'kms:GenerateDataKey', 'logs:CreateLogDelivery', 'xray:PutTraceSegments']),
    );
    const tokens = statements(templates.iam).find((s) => s.Sid === 'AnswerTaskTokens')!;
    expect(tokens.Resource).toEqual([{ 'Fn::Sub': expect.stringMatching(/:stateMachine:\$\{StepFunctionName\}-\$\{Environment\}-\$\{AWS::Region\}$/) }]);
  });

  it('passes the KMS key ARN built from KmsMasterKeyId to the IAM stack', () => {
    const iam = resources(templates.root)[ROOT.iamStack]!.Properties.Parameters;
    expect(iam.KmsMasterKeyArn).toEqual({ 'Fn::Sub': expect.stringContaining(':key/${KmsMasterKeyId}') });
    const kms = statements(templates.iam).find((s) => s.Sid === 'UseKmsKey')!;
    expect(kms.Resource).toEqual([{ Ref: 'KmsMasterKeyArn' }]);
  });
});
