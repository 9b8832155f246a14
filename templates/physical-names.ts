/**
 * Every physical name the stacks give a resource, read from the synthesized templates themselves
 * (one source of truth: the `Fn::Sub` of each name property), expressed in the root and cross
 * stacks' parameters so that the preflight can compute them for an environment's actual name,
 * region and parameters, and refuse one over its AWS limit before any AWS call.
 */
import { NESTED_TEMPLATES, type NestedTemplateName, type TemplateName } from './layout';
import { cfnExecutionRoleName, ROOT_PARAMS } from './names';

/** A name property, the resource kind it names, AWS's limit on its length and where AWS says so. */
export interface NameLimit {
  readonly what: string;
  readonly limit: number;
  readonly source: string;
}

/** The name properties the templates set, with AWS's length limits. */
export const NAME_LIMITS = {
  RoleName: { what: 'IAM role', limit: 64, source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html' },
  PolicyName: { what: 'IAM role policy', limit: 128, source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html' },
  // "If you specify only the function name, it is limited to 64 characters in length."
  FunctionName: { what: 'Lambda function', limit: 64, source: 'https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html' },
  BucketName: { what: 'S3 bucket', limit: 63, source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html' },
  QueueName: { what: 'SQS queue', limit: 80, source: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html' },
  TopicName: { what: 'SNS topic', limit: 256, source: 'https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html' },
  StateMachineName: { what: 'state machine', limit: 80, source: 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html' },
  LogGroupName: { what: 'log group', limit: 512, source: 'https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html' },
  AlarmName: { what: 'CloudWatch alarm', limit: 255, source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html' },
} as const satisfies Record<string, NameLimit>;

/** A name property of {@link NAME_LIMITS}. */
export type NameProperty = keyof typeof NAME_LIMITS;

/** One physical name the stacks produce. */
export interface PhysicalNamePattern {
  /** `root`, `cross`, `bootstrap`, or the root's logical ID of the nested stack that creates it. */
  readonly stack: string;
  readonly logicalId: string;
  readonly property: NameProperty;
  /**
   * The name as a `Fn::Sub` string over the root stack's parameters (the cross stack's for
   * `cross`), `Environment` and `AWS::Region`, e.g. `${LambdaExecutionRoleName}-${Environment}-${AWS::Region}`.
   */
  readonly pattern: string;
}

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const VARIABLE = /\$\{([^}!][^}]*)\}/g;

/** Resources whose `Ref` is their name (CloudFormation's return values of each type). */
const REF_IS_NAME = new Set(['AWS::S3::Bucket', 'AWS::IAM::Role', 'AWS::Lambda::Function', 'AWS::Logs::LogGroup']);

/** The name a property value gives, as a `Fn::Sub` string; undefined for a name made elsewhere (an import, an output). */
function asPattern(value: unknown): string | undefined {
  if (typeof value === 'string') return value.replaceAll('${', '${!');
  if (!isObj(value)) return undefined;
  if (typeof value.Ref === 'string') return `\${${value.Ref}}`;
  if (typeof value['Fn::Sub'] === 'string') return value['Fn::Sub'];
  return undefined;
}

/** The name properties of one template's resources, in that template's own terms. */
function templateNames(template: Obj): { logicalId: string; property: NameProperty; pattern: string }[] {
  const found: { logicalId: string; property: NameProperty; pattern: string }[] = [];
  const resources = (template.Resources ?? {}) as Record<string, Obj>;
  const visit = (logicalId: string, node: unknown): void => {
    if (Array.isArray(node)) return node.forEach((item) => visit(logicalId, item));
    if (!isObj(node)) return;
    for (const [key, value] of Object.entries(node)) {
      const pattern = key in NAME_LIMITS ? asPattern(value) : undefined;
      if (pattern !== undefined) found.push({ logicalId, property: key as NameProperty, pattern: ownRefs(pattern, resources) });
      else visit(logicalId, value);
    }
  };
  for (const [logicalId, resource] of Object.entries(resources)) visit(logicalId, resource.Properties);
  return found;
}

/** Replaces `${LogicalId}` of a resource whose Ref is its name by that resource's own name pattern. */
function ownRefs(pattern: string, resources: Record<string, Obj>): string {
  return pattern.replace(VARIABLE, (whole, name: string) => {
    const resource = resources[name];
    if (!resource || !REF_IS_NAME.has(String(resource.Type))) return whole;
    const properties = (resource.Properties ?? {}) as Obj;
    const own = Object.keys(NAME_LIMITS).map((key) => asPattern(properties[key])).find((p) => p !== undefined);
    if (own === undefined) throw new Error(`the name of ${name} is generated by CloudFormation, so a name built from it cannot be computed`);
    return ownRefs(own, resources);
  });
}

/** A nested stack's name pattern in the root's terms, through the parameters the root passes it. */
function inRootTerms(pattern: string, passed: Obj, where: string): string {
  return pattern.replace(VARIABLE, (whole, name: string) => {
    if (name.startsWith('AWS::')) return whole;
    const given = asPattern(passed[name]);
    if (given === undefined) throw new Error(`${where}: the name uses \${${name}}, which the root passes as something other than a parameter or text`);
    return given;
  });
}

/**
 * Every physical name of the root stack, its nested stacks and the cross stack, from the
 * rendered templates (`renderTemplates()` in templates/index.ts) and the nested templates' paths.
 */
export function physicalNamePatterns(
  objects: Readonly<Record<TemplateName, Obj>>,
  nestedTemplatePaths: Readonly<Record<NestedTemplateName, string>>,
): PhysicalNamePattern[] {
  const patterns: PhysicalNamePattern[] = [];
  for (const stack of ['cross', 'root'] as const) {
    for (const name of templateNames(objects[stack])) patterns.push({ stack, ...name });
  }
  for (const [stackId, resource] of Object.entries((objects.root.Resources ?? {}) as Record<string, Obj>)) {
    if (resource.Type !== 'AWS::CloudFormation::Stack') continue;
    const properties = resource.Properties as Obj;
    const url = asPattern(properties.TemplateURL) ?? '';
    const nested = NESTED_TEMPLATES.find((n) => url.endsWith(`/${nestedTemplatePaths[n]}`));
    if (nested === undefined) throw new Error(`no nested template for the root's ${stackId}`);
    for (const name of templateNames(objects[nested])) {
      patterns.push({ stack: stackId, ...name, pattern: inRootTerms(name.pattern, (properties.Parameters ?? {}) as Obj, `${stackId} ${name.logicalId}`) });
    }
  }
  // The role CloudFormation acts as (bootstrap creates it; names.ts builds its name).
  patterns.push({
    stack: 'bootstrap',
    logicalId: 'CfnExecutionRole',
    property: 'RoleName',
    pattern: cfnExecutionRoleName(`\${${ROOT_PARAMS.projectName}}`, `\${${ROOT_PARAMS.environment}}`, '${AWS::Region}'),
  });
  return patterns;
}

/** The parameters a name pattern uses, besides the environment and the pseudo parameters. */
export function patternParameters(pattern: string): string[] {
  return [...new Set([...pattern.matchAll(VARIABLE)].map((m) => m[1]!))].filter((name) => name !== ROOT_PARAMS.environment && !name.startsWith('AWS::'));
}

/** The name a pattern gives with these values (`AWS::Region` among them); throws naming a value it lacks. */
export function resolvePattern(pattern: string, values: Readonly<Record<string, string>>): string {
  return pattern
    .replace(VARIABLE, (_, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`no value for \${${name}} in the name ${pattern}`);
      return value;
    })
    .replaceAll('${!', '${');
}
