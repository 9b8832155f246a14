/**
 * Building blocks shared by the template builders: intrinsic helpers, the physical naming rule,
 * ARNs built from names (so stacks need no cross references that would form cycles), tags,
 * IAM statements, TLS-only resource policies and cdk-nag suppressions.
 */
import { cf, type IntrinsicFunction, type Value } from './cloudform';
import { parameters, type ParameterGroup } from './parameters';

/** `!Sub text` (cloudform's `Fn.Sub` needs a variables map, else it emits `null`). */
export function sub(text: string): IntrinsicFunction {
  return new cf.IntrinsicFunction('Fn::Sub', text);
}

/** `!Ref name`. */
export const ref = (name: string): IntrinsicFunction => cf.Fn.Ref(name);

/** `!GetAtt resource.attribute`. */
export const getAtt = (resource: string, attribute: string): IntrinsicFunction => cf.Fn.GetAtt(resource, attribute);

/** `!GetAtt Stack.Outputs.Name` of a nested stack. */
export const stackOutput = (stack: string, output: string): IntrinsicFunction => getAtt(stack, `Outputs.${output}`);

/** The naming rule `<base>-<Environment>-<Region>` as a `Sub` text; `base` may contain `${Param}`. */
export const nameText = (base: string): string => `${base}-\${Environment}-\${AWS::Region}`;

/** Physical name `<base>-<Environment>-<Region>`. */
export const physicalName = (base: string): IntrinsicFunction => sub(nameText(base));

/** `arn:<partition>:<service>:<region>:<account>:<resource>` as a `Sub` text. */
export const arnText = (service: string, resource: string): string =>
  `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`;

/** ARN of a regional resource in this account. */
export const arn = (service: string, resource: string): IntrinsicFunction => sub(arnText(service, resource));

/** ARN of an S3 bucket (or `bucket/path` for objects); S3 ARNs carry no region or account. */
export const s3Arn = (bucketAndPath: string): IntrinsicFunction => sub(`arn:\${AWS::Partition}:s3:::${bucketAndPath}`);

/** ARN of a log group and its streams (`...:log-group:<name>:*`). */
export const logGroupArn = (logGroupName: string): IntrinsicFunction =>
  arn('logs', `log-group:${logGroupName}:*`);

/** Name of a Lambda function's log group. */
export const lambdaLogGroupName = (functionName: string): string => `/aws/lambda/${functionName}`;

/** Tags carried by every taggable resource. */
export function tags(): { Key: string; Value: Value<string> }[] {
  return [
    { Key: 'ProjectName', Value: ref('ProjectName') },
    { Key: 'Environment', Value: ref('Environment') },
  ];
}

/** An IAM policy statement. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action: string | readonly string[];
  readonly Resource?: Value<string> | readonly Value<string>[];
  readonly Condition?: Record<string, unknown>;
}

/** An Allow statement. */
export const allow = (Sid: string, Action: readonly string[], Resource: readonly Value<string>[]): Statement => ({
  Sid,
  Effect: 'Allow',
  Action: [...Action],
  Resource: [...Resource],
});

/** Services that use the customer managed key on a principal's behalf (`kms:ViaService`). */
export type KmsViaService = 's3' | 'sqs' | 'sns';

/**
 * Allows the KMS key only when a service uses it on the principal's behalf (S3 for SSE-KMS
 * objects, SQS and SNS for encrypted messages); nobody holding the role can call KMS directly.
 */
export const useKmsKeyVia = (
  Sid: string,
  key: Value<string>,
  services: readonly KmsViaService[],
  actions: readonly string[] = ['kms:Decrypt', 'kms:GenerateDataKey'],
): Statement => ({
  ...allow(Sid, actions, [key]),
  Condition: { StringEquals: { 'kms:ViaService': services.map((service) => sub(`${service}.\${AWS::Region}.\${AWS::URLSuffix}`)) } },
});

/** An Allow statement with a condition. */
export const allowIf = (
  Sid: string,
  Action: readonly string[],
  Resource: readonly Value<string>[],
  Condition: Record<string, unknown>,
): Statement => ({ ...allow(Sid, Action, Resource), Condition });

/** A policy document. */
export const policyDocument = (...Statement: readonly Statement[]): Record<string, unknown> => ({
  Version: '2012-10-17',
  Statement,
});

/** Denies every request that does not use TLS (`aws:SecureTransport`), for a resource policy. */
export const denyInsecureTransport = (actions: string, resources: readonly Value<string>[]): Statement => ({
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: actions,
  Resource: [...resources],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

/** Trust policy letting one AWS service assume a role, on the conditions given (confused-deputy protection). */
export const assumeRolePolicy = (service: string, condition?: Record<string, unknown>): Record<string, unknown> =>
  policyDocument({ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole', ...(condition ? { Condition: condition } : {}) });

/** X-Ray write actions; X-Ray has no resource-level permissions, hence `*`. */
export const XRAY_WRITE_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] as const;

/** A cdk-nag rule suppression: the rule id and why it does not apply. */
export type Suppression = readonly [id: string, reason: string];

/** Resource `Metadata` suppressing cdk-nag rules, each with a written reason. */
export function nagSuppressions(...rules: readonly Suppression[]): Record<string, unknown> {
  return { cdk_nag: { rules_to_suppress: rules.map(([id, reason]) => ({ id, reason })) } };
}

/** Suppression shared by every role that writes X-Ray traces. */
export const XRAY_WILDCARD: Suppression = [
  'AwsSolutions-IAM5',
  'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; log-stream ARNs end in :* because stream names are generated.',
];

/** Template sections from which {@link template} assembles a template. */
export interface TemplateParts {
  readonly description: string;
  readonly groups: readonly ParameterGroup[];
  readonly conditions?: Record<string, unknown>;
  readonly resources: Record<string, unknown>;
  readonly outputs: Record<string, unknown>;
}

/** A whole template in the key order of hand-written CloudFormation. */
export function template(parts: TemplateParts): Record<string, unknown> {
  const { Parameters, Interface } = parameters(parts.groups);
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: parts.description,
    Metadata: { 'AWS::CloudFormation::Interface': Interface },
    Parameters,
    ...(parts.conditions ? { Conditions: parts.conditions } : {}),
    Resources: parts.resources,
    Outputs: parts.outputs,
  };
}

/** An output, exported as `${AWS::StackName}-<exportSuffix>` when a suffix is given. */
export function output(description: string, value: unknown, exportSuffix?: string): Record<string, unknown> {
  return {
    Description: description,
    Value: value,
    ...(exportSuffix ? { Export: { Name: sub(`\${AWS::StackName}-${exportSuffix}`) } } : {}),
  };
}

const RESOURCE_KEY_ORDER = ['Type', 'Condition', 'DependsOn', 'DeletionPolicy', 'UpdateReplacePolicy', 'Metadata', 'Properties'];

/**
 * The plain-data form of a template: cloudform values become their JSON form, `undefined` fields
 * disappear and resource attributes take the usual order (Type, ..., Metadata, Properties).
 */
export function toPlain(built: unknown): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(built)) as Record<string, unknown>;
  const resources = plain.Resources as Record<string, Record<string, unknown>> | undefined;
  if (resources) {
    for (const [id, resource] of Object.entries(resources)) {
      const ordered: Record<string, unknown> = {};
      for (const key of RESOURCE_KEY_ORDER) if (key in resource) ordered[key] = resource[key];
      for (const key of Object.keys(resource)) if (!(key in ordered)) ordered[key] = resource[key];
      resources[id] = ordered;
    }
  }
  return plain;
}

/**
 * Sets `DeletionPolicy` and `UpdateReplacePolicy` to `Delete`, explicitly: Bellflower's stateful
 * resources hold transient data only (messages, exchange files, logs with a retention), and
 * `npm run destroy` must leave nothing behind.
 */
export function deleteWithStack<T extends object>(resource: T): T {
  return Object.assign(resource, { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
}
