/**
 * Evaluates the synthesized templates the way CloudFormation would for one sample deployment:
 * parameters (defaults plus what deploy passes), pseudo parameters, `Ref`, `Fn::GetAtt`,
 * `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::ImportValue` and nested stacks, with the
 * physical names and ARNs AWS would give each resource. The result is the exact policies a real
 * account would hold, for the IAM simulator and for moto with IAM enforcement.
 *
 * Only what the Bellflower templates use is supported; anything else throws, naming it, so a new
 * intrinsic or resource type cannot be evaluated silently wrong.
 */
import { renderTemplates, type TemplateObject } from '../../templates/index';
import { NESTED_TEMPLATES, type NestedTemplateName } from '../../templates/layout';
import { ROOT } from '../../templates/logical-ids';
import { CROSS_PARAMS, ROOT_PARAMS } from '../../templates/names';

type Json = unknown;
type Obj = Record<string, any>;

/** Where and under which names the sample is deployed. */
export interface SampleDeployment {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly crossStackName: string;
  readonly rootStackName: string;
  readonly kmsKeyId: string;
  /** Root (and cross) parameter overrides, e.g. `{ S3IntegrationBucketName: 'other-bucket' }`. */
  readonly parameters?: Readonly<Record<string, string>>;
}

/** The sample used by the IAM tests: a non-default partition-independent region and account. */
export const SAMPLE: SampleDeployment = {
  partition: 'aws',
  region: 'eu-west-1',
  accountId: '111122223333',
  crossStackName: 'bellflower-s3-custom-resource-stack-devl',
  rootStackName: 'bellflower-root-stack-devl',
  kmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
  // A business application in another account, which must pass an external id.
  parameters: {
    BusinessApplicationPrincipal: 'arn:aws:iam::444455556666:role/partner-integration',
    BusinessApplicationExternalId: 'bellflower-partner-7f3a',
  },
};

/** One resource as CloudFormation would hold it. */
export interface EvaluatedResource {
  readonly type: string;
  readonly properties: Obj;
  /** What `Ref` returns. */
  readonly ref: string;
  /** Its ARN where it has one. */
  readonly arn?: string;
}

/** One stack, evaluated. */
export interface EvaluatedStack {
  readonly name: string;
  readonly parameters: Readonly<Record<string, string | string[]>>;
  readonly resources: Readonly<Record<string, EvaluatedResource>>;
  readonly outputs: Readonly<Record<string, string>>;
  /** Export name -> value. */
  readonly exports: Readonly<Record<string, string>>;
}

/** The whole deployment: the cross stack, the root stack and each nested stack by its logical ID in the root. */
export interface EvaluatedDeployment {
  readonly sample: SampleDeployment;
  readonly cross: EvaluatedStack;
  readonly root: EvaluatedStack;
  readonly nested: Readonly<Record<string, EvaluatedStack>>;
  /** Nested stack logical ID of each nested template name (`s3` -> `BellflowerS3Bucket`). */
  readonly nestedByTemplate: Readonly<Record<NestedTemplateName, readonly string[]>>;
}

/** Raised for an intrinsic function, reference or resource type the evaluator does not know. */
export class TemplateEvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateEvaluationError';
  }
}

interface StackContext {
  readonly name: string;
  readonly template: TemplateObject;
  readonly parameters: Record<string, string | string[]>;
  readonly sample: SampleDeployment;
  readonly imports: Readonly<Record<string, string>>;
  /** Outputs of nested stacks, by the nested stack's logical ID. */
  readonly nestedOutputs: (logicalId: string) => Readonly<Record<string, string>>;
  readonly cache: Map<string, EvaluatedResource>;
}

function parameterValues(template: TemplateObject, given: Readonly<Record<string, string>>): Record<string, string | string[]> {
  const declared = template.Parameters as Record<string, { Type: string; Default?: string | number }>;
  const values: Record<string, string | string[]> = {};
  for (const [name, definition] of Object.entries(declared)) {
    const raw = given[name] ?? (definition.Default === undefined ? undefined : String(definition.Default));
    if (raw === undefined) throw new TemplateEvaluationError(`parameter ${name} has no default and no value`);
    values[name] = definition.Type === 'CommaDelimitedList' ? raw.split(',') : raw;
  }
  return values;
}

function pseudo(name: string, ctx: StackContext): string | undefined {
  const { sample } = ctx;
  const values: Record<string, string> = {
    'AWS::Partition': sample.partition,
    'AWS::Region': sample.region,
    'AWS::AccountId': sample.accountId,
    'AWS::StackName': ctx.name,
    'AWS::URLSuffix': sample.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::StackId': `arn:${sample.partition}:cloudformation:${sample.region}:${sample.accountId}:stack/${ctx.name}/00000000-0000-0000-0000-000000000000`,
  };
  return values[name];
}

const asString = (value: Json, what: string): string => {
  if (typeof value !== 'string') throw new TemplateEvaluationError(`${what} is not a string: ${JSON.stringify(value)}`);
  return value;
};

/** What `Ref AWS::NoValue` resolves to: the property or list item disappears. */
const NO_VALUE = Symbol('AWS::NoValue');

function resolve(value: Json, ctx: StackContext): Json {
  if (Array.isArray(value)) return value.map((v) => resolve(v, ctx)).filter((v) => v !== NO_VALUE);
  if (!value || typeof value !== 'object') return value;
  const obj = value as Obj;
  const keys = Object.keys(obj);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return intrinsic(keys[0]!, obj[keys[0]!], ctx);
  return Object.fromEntries(keys.map((k) => [k, resolve(obj[k], ctx)]).filter(([, v]) => v !== NO_VALUE));
}

/** The value of one of the template's conditions. */
function condition(name: string, ctx: StackContext): boolean {
  const conditions = (ctx.template.Conditions ?? {}) as Obj;
  if (!(name in conditions)) throw new TemplateEvaluationError(`condition ${name} is not defined in ${ctx.name}`);
  const value = resolve(conditions[name], ctx);
  if (typeof value !== 'boolean') throw new TemplateEvaluationError(`condition ${name} is not a boolean: ${JSON.stringify(value)}`);
  return value;
}

function refOf(name: string, ctx: StackContext): string | string[] | typeof NO_VALUE {
  if (name === 'AWS::NoValue') return NO_VALUE;
  const p = pseudo(name, ctx);
  if (p !== undefined) return p;
  if (name in ctx.parameters) return ctx.parameters[name]!;
  if (name in (ctx.template.Resources as Obj)) return evaluateResource(name, ctx).ref;
  throw new TemplateEvaluationError(`Ref ${name} names nothing in ${ctx.name}`);
}

function getAtt(resource: string, attribute: string, ctx: StackContext): string {
  const definition = (ctx.template.Resources as Obj)[resource];
  if (!definition) throw new TemplateEvaluationError(`GetAtt ${resource}.${attribute}: no such resource in ${ctx.name}`);
  if (definition.Type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) {
    const output = ctx.nestedOutputs(resource)[attribute.slice('Outputs.'.length)];
    if (output === undefined) throw new TemplateEvaluationError(`GetAtt ${resource}.${attribute}: the nested stack has no such output`);
    return output;
  }
  const evaluated = evaluateResource(resource, ctx);
  if (attribute === 'Arn' && evaluated.arn) return evaluated.arn;
  if (attribute === 'QueueName' && evaluated.type === 'AWS::SQS::Queue') return evaluated.properties.QueueName as string;
  throw new TemplateEvaluationError(`GetAtt ${resource}.${attribute} (${definition.Type}) is not supported`);
}

function substitute(text: string, variables: Obj, ctx: StackContext): string {
  return text.replace(/\$\{([^!}][^}]*)\}/g, (_, name: string) => {
    if (name in variables) return asString(resolve(variables[name], ctx), `\${${name}}`);
    const [base, attribute] = name.split(/\.(.+)/);
    if (attribute !== undefined) return getAtt(base!, attribute, ctx);
    return asString(refOf(name, ctx), `\${${name}}`);
  });
}

function intrinsic(name: string, argument: Json, ctx: StackContext): Json {
  switch (name) {
    case 'Ref':
      return refOf(asString(argument, 'Ref'), ctx);
    case 'Fn::GetAtt': {
      const [resource, attribute] = Array.isArray(argument) ? argument : asString(argument, 'GetAtt').split(/\.(.+)/);
      return getAtt(resource as string, attribute as string, ctx);
    }
    case 'Fn::Sub': {
      const [text, variables] = Array.isArray(argument) ? (argument as [string, Obj]) : [argument as string, {}];
      return substitute(text, variables, ctx);
    }
    case 'Fn::Join': {
      const [separator, list] = argument as [string, Json];
      return (resolve(list, ctx) as Json[]).map((v) => asString(v, 'Join item')).join(separator);
    }
    case 'Fn::Select': {
      const [index, list] = argument as [Json, Json];
      return (resolve(list, ctx) as Json[])[Number(resolve(index, ctx))];
    }
    case 'Fn::Split': {
      const [separator, source] = argument as [string, Json];
      return asString(resolve(source, ctx), 'Split source').split(separator);
    }
    case 'Fn::Not':
      return !(resolve((argument as Json[])[0], ctx) as boolean);
    case 'Fn::If': {
      const [name, whenTrue, whenFalse] = argument as [string, Json, Json];
      return resolve(condition(name, ctx) ? whenTrue : whenFalse, ctx);
    }
    case 'Fn::Equals': {
      const [left, right] = argument as [Json, Json];
      return resolve(left, ctx) === resolve(right, ctx);
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = argument as [string, Json, Json];
      const conditions = (ctx.template.Conditions ?? {}) as Obj;
      if (!(condition in conditions)) throw new TemplateEvaluationError(`Fn::If: condition ${condition} is not defined in ${ctx.name}`);
      return resolve(resolve(conditions[condition], ctx) === true ? whenTrue : whenFalse, ctx);
    }
    case 'Fn::ImportValue': {
      const exportName = asString(resolve(argument, ctx), 'ImportValue');
      const value = ctx.imports[exportName];
      if (value === undefined) throw new TemplateEvaluationError(`ImportValue ${exportName}: no stack exports it`);
      return value;
    }
    default:
      throw new TemplateEvaluationError(`${name} is not supported by the evaluator`);
  }
}

/** Physical ID and ARN of a resource, as AWS gives them, from its evaluated properties. */
function evaluateResource(id: string, ctx: StackContext): EvaluatedResource {
  const cached = ctx.cache.get(id);
  if (cached) return cached;
  const definition = (ctx.template.Resources as Obj)[id] as { Type: string; Properties?: Obj };
  const { partition, region, accountId } = ctx.sample;
  const properties = (resolve(definition.Properties ?? {}, ctx) ?? {}) as Obj;
  // Names CloudFormation generates when a template sets none: `<stack>-<logical ID>-<suffix>`.
  const generated = `${ctx.name}-${id}-GENERATED`.slice(0, 64);
  const regional = (service: string, resource: string) => `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
  let result: EvaluatedResource;
  switch (definition.Type) {
    case 'AWS::S3::Bucket': {
      const name = (properties.BucketName as string | undefined) ?? generated.toLowerCase();
      result = { type: definition.Type, properties, ref: name, arn: `arn:${partition}:s3:::${name}` };
      break;
    }
    case 'AWS::SQS::Queue': {
      const name = (properties.QueueName as string | undefined) ?? generated;
      properties.QueueName = name;
      result = { type: definition.Type, properties, ref: `https://sqs.${region}.amazonaws.com/${accountId}/${name}`, arn: regional('sqs', name) };
      break;
    }
    case 'AWS::SNS::Topic': {
      const arn = regional('sns', (properties.TopicName as string | undefined) ?? generated);
      result = { type: definition.Type, properties, ref: arn, arn };
      break;
    }
    case 'AWS::Lambda::Function': {
      const name = (properties.FunctionName as string | undefined) ?? generated;
      result = { type: definition.Type, properties, ref: name, arn: regional('lambda', `function:${name}`) };
      break;
    }
    case 'AWS::IAM::Role': {
      const name = (properties.RoleName as string | undefined) ?? generated;
      result = { type: definition.Type, properties, ref: name, arn: `arn:${partition}:iam::${accountId}:role/${name}` };
      break;
    }
    case 'AWS::Logs::LogGroup': {
      const name = properties.LogGroupName as string;
      result = { type: definition.Type, properties, ref: name, arn: regional('logs', `log-group:${name}:*`) };
      break;
    }
    case 'AWS::StepFunctions::StateMachine': {
      const arn = regional('states', `stateMachine:${(properties.StateMachineName as string | undefined) ?? generated}`);
      result = { type: definition.Type, properties, ref: arn, arn };
      break;
    }
    case 'AWS::CloudWatch::Alarm': {
      const name = (properties.AlarmName as string | undefined) ?? generated;
      result = { type: definition.Type, properties, ref: name, arn: regional('cloudwatch', `alarm:${name}`) };
      break;
    }
    case 'AWS::KMS::Key':
      // The sample's key: a created key is the one the other stacks are then deployed with.
      result = { type: definition.Type, properties, ref: ctx.sample.kmsKeyId, arn: regional('kms', `key/${ctx.sample.kmsKeyId}`) };
      break;
    case 'AWS::KMS::Alias':
      result = { type: definition.Type, properties, ref: properties.AliasName as string };
      break;
    case 'AWS::SNS::Subscription':
      result = { type: definition.Type, properties, ref: `${properties.TopicArn as string}:00000000-0000-0000-0000-000000000000` };
      break;
    case 'AWS::CloudFormation::Stack':
      result = { type: definition.Type, properties, ref: regional('cloudformation', `stack/${ctx.name}-${id}/0`) };
      break;
    case 'AWS::IAM::RolePolicy':
    case 'AWS::S3::BucketPolicy':
    case 'AWS::SQS::QueuePolicy':
    case 'AWS::SNS::TopicPolicy':
    case 'AWS::Lambda::Permission':
    case 'AWS::Lambda::EventSourceMapping':
    case 'AWS::Logs::MetricFilter':
      result = { type: definition.Type, properties, ref: `${id}-PHYSICAL-ID` };
      break;
    default:
      if (!definition.Type.startsWith('Custom::')) throw new TemplateEvaluationError(`resource type ${definition.Type} (${id}) is not supported`);
      result = { type: definition.Type, properties, ref: `${id}-PHYSICAL-ID` };
  }
  ctx.cache.set(id, result);
  return result;
}

function evaluateStack(
  name: string,
  template: TemplateObject,
  given: Readonly<Record<string, string>>,
  sample: SampleDeployment,
  imports: Readonly<Record<string, string>>,
  nestedOutputs: StackContext['nestedOutputs'] = () => {
    throw new TemplateEvaluationError(`${name} has no nested stacks`);
  },
): EvaluatedStack {
  const ctx: StackContext = { name, template, parameters: parameterValues(template, given), sample, imports, nestedOutputs, cache: new Map() };
  // A resource or output whose condition is false does not exist.
  const exists = (definition: { Condition?: string }) => definition.Condition === undefined || condition(definition.Condition, ctx);
  const resources = Object.fromEntries(
    Object.keys(template.Resources as Obj)
      .filter((id) => exists((template.Resources as Obj)[id]))
      .map((id) => [id, evaluateResource(id, ctx)]),
  );
  const outputs: Record<string, string> = {};
  const exports: Record<string, string> = {};
  for (const [outputName, output] of Object.entries(template.Outputs as Obj)) {
    if (!exists(output)) continue;
    outputs[outputName] = asString(resolve(output.Value, ctx), `output ${outputName}`);
    if (output.Export) exports[asString(resolve(output.Export.Name, ctx), 'export name')] = outputs[outputName]!;
  }
  return { name, parameters: ctx.parameters, resources, outputs, exports };
}

/** Evaluates one stand-alone template (no imports, no nested stacks) with the given parameters, for `sample`. */
export function evaluateTemplate(
  name: string,
  template: TemplateObject,
  parameters: Readonly<Record<string, string>>,
  sample: SampleDeployment = SAMPLE,
): EvaluatedStack {
  return evaluateStack(name, template, parameters, sample, {});
}

/** Evaluates the cross stack, then the root stack with its nested stacks, for `sample`. */
export function evaluateDeployment(sample: SampleDeployment = SAMPLE): EvaluatedDeployment {
  const rendered = renderTemplates();
  const overrides = sample.parameters ?? {};
  const keyPrefix = 'bellflower';
  const cross = evaluateStack(
    sample.crossStackName,
    rendered.objects.cross,
    {
      ...overrides,
      [CROSS_PARAMS.environment]: overrides.Environment ?? 'devl',
      [CROSS_PARAMS.kmsMasterKeyId]: sample.kmsKeyId,
      [CROSS_PARAMS.artifactBucket]: `bellflower-artifacts-${sample.accountId}`,
      [CROSS_PARAMS.s3FoldersCodeKey]: `${keyPrefix}/code/s3_folders_lambda-0000000000000000.zip`,
      [CROSS_PARAMS.s3NotificationCodeKey]: `${keyPrefix}/code/s3_notification_lambda-0000000000000000.zip`,
    },
    sample,
    {},
  );
  const rootTemplate = rendered.objects.root;
  const nestedTemplate = (logicalId: string): { name: NestedTemplateName; template: TemplateObject } => {
    const url = (rootTemplate.Resources as Obj)[logicalId].Properties.TemplateURL['Fn::Sub'] as string;
    const name = NESTED_TEMPLATES.find((n) => url.endsWith(`/${rendered.nestedTemplatePaths[n]}`));
    if (!name) throw new TemplateEvaluationError(`no nested template for ${logicalId}`);
    return { name, template: rendered.objects[name] };
  };
  const nested: Record<string, EvaluatedStack> = {};
  const nestedByTemplate: Record<string, string[]> = {};
  const rootGiven = {
    ...overrides,
    [ROOT_PARAMS.environment]: overrides.Environment ?? 'devl',
    [ROOT_PARAMS.kmsMasterKeyAlias]: 'bellflower-devl',
    [ROOT_PARAMS.kmsMasterKeyId]: sample.kmsKeyId,
    [ROOT_PARAMS.snsSubscriptionEmail]: 'ops@example.com',
    [ROOT_PARAMS.artifactBucket]: `bellflower-artifacts-${sample.accountId}`,
    [ROOT_PARAMS.artifactKeyPrefix]: keyPrefix,
    [ROOT_PARAMS.processingCodeKey]: `${keyPrefix}/code/processing_lambda-0000000000000000.zip`,
    [ROOT_PARAMS.integrationCodeKey]: `${keyPrefix}/code/integration_lambda-0000000000000000.zip`,
    [ROOT_PARAMS.stateMachineDefinitionKey]: `${keyPrefix}/state-machine/state-machine-0000000000000000.json`,
    [ROOT_PARAMS.crossStackName]: sample.crossStackName,
  };
  // The root stack's context evaluates a nested stack the first time one of its outputs is read.
  let rootCtxParameters: Record<string, string | string[]> | undefined;
  const rootImports = cross.exports;
  const nestedOutputs = (logicalId: string): Readonly<Record<string, string>> => {
    if (!nested[logicalId]) {
      const { name, template } = nestedTemplate(logicalId);
      const stackCtx: StackContext = {
        name: sample.rootStackName,
        template: rootTemplate,
        parameters: rootCtxParameters!,
        sample,
        imports: rootImports,
        nestedOutputs,
        cache: new Map(),
      };
      const given = resolve((rootTemplate.Resources as Obj)[logicalId].Properties.Parameters, stackCtx) as Record<string, string>;
      nested[logicalId] = evaluateStack(`${sample.rootStackName}-${logicalId}-NESTED`, template, given, sample, rootImports);
      (nestedByTemplate[name] ??= []).push(logicalId);
    }
    return nested[logicalId]!.outputs;
  };
  rootCtxParameters = parameterValues(rootTemplate, rootGiven);
  const root = evaluateStack(sample.rootStackName, rootTemplate, rootGiven, sample, rootImports, nestedOutputs);
  for (const id of Object.keys(rootTemplate.Resources as Obj)) {
    if ((rootTemplate.Resources as Obj)[id].Type === 'AWS::CloudFormation::Stack') nestedOutputs(id);
  }
  if (!nested[ROOT.s3Stack]) throw new TemplateEvaluationError('the root stack has no s3 stack');
  return { sample, cross, root, nested, nestedByTemplate: nestedByTemplate as Record<NestedTemplateName, string[]> };
}
