/**
 * Diff: what a deploy would change, resource by resource and inside nested stacks (nested change
 * sets), with IAM and security changes called out. Creates change sets, describes them, deletes
 * them; never executes anything.
 */
import { Writable } from 'node:stream';
import { fullDiff, formatDifferences } from '@aws-cdk/cloudformation-diff';
import {
  DescribeChangeSetCommand,
  GetTemplateCommand,
  type CloudFormationClient,
  type Change,
} from '@aws-sdk/client-cloudformation';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATE_PATHS } from '../../../templates/layout';
import { parseYaml } from '../../../templates/yaml';
import { bootstrapTemplate } from './deployer-policy';
import type { AwsClients } from '../core/aws';
import { bootstrapStackRequest, planBootstrap } from './bootstrap';
import { callerAccount } from './artifact-bucket';
import type { BellflowerConfig } from '../core/config';
import { DEFAULT_LINE_WIDTH } from '../core/output';
import { preflight, stackRequests } from './deploy';
import { createChangeSet, describeStack, discardChangeSet, keptChangeSet, keptParameters, keptTags, type Polling, type StackRequest } from './stacks';

/** Resource types whose changes affect who may do what. */
const SECURITY_TYPES = /^AWS::IAM::|^AWS::KMS::|Policy$|^AWS::Lambda::Permission$|^AWS::SecretsManager::/;
/** Property names that carry permissions or encryption. */
const SECURITY_PROPERTIES = /Polic(y|ies)|Role|Principal|Permission|KmsMasterKeyId|KMSMasterKeyID|Encryption|PublicAccessBlock/;

/** One changed resource. */
export interface ResourceChangeLine {
  /** Stack path, e.g. `root` or `root/BellflowerS3Bucket`. */
  readonly stack: string;
  readonly action: string;
  readonly logicalId: string;
  readonly type: string;
  readonly replacement?: string;
  /** Changed properties (`Properties.Policies`, ...). */
  readonly properties: readonly string[];
  readonly security: boolean;
}

/** Result of {@link diffStack}. */
export interface StackDiff {
  readonly stackName: string;
  /** `no-change-set`: the stack has no kept change set of the name asked for ({@link diffKeptChangeSets}). */
  readonly status: 'new' | 'changed' | 'unchanged' | 'no-change-set';
  readonly changes: readonly ResourceChangeLine[];
  /** Template difference formatted by `@aws-cdk/cloudformation-diff` (top-level template only). */
  readonly templateDiff: string;
}

/** Describes one stack's pending changes through a change set, then deletes it. */
export async function diffStack(
  cloudFormation: CloudFormationClient,
  request: StackRequest,
  newTemplate: Record<string, unknown>,
  polling: Polling & { readonly lineWidth?: number } = {},
): Promise<StackDiff> {
  const stack = await describeStack(cloudFormation, request.stackName);
  if (!stack || stack.StackStatus === 'REVIEW_IN_PROGRESS') {
    // A CREATE change set would leave a stack behind; the template itself says everything.
    return { stackName: request.stackName, status: 'new', changes: [], templateDiff: formatTemplateDiff({}, newTemplate, polling.lineWidth) };
  }
  const current = await cloudFormation.send(new GetTemplateCommand({ StackName: request.stackName, TemplateStage: 'Original' }));
  const currentTemplate = current.TemplateBody ? (parseYaml(current.TemplateBody) as Record<string, unknown>) : {};
  const templateDiff = formatTemplateDiff(currentTemplate, newTemplate, polling.lineWidth);
  const changeSet = await createChangeSet(cloudFormation, request, 'UPDATE', polling, undefined, keptParameters(stack, request), keptTags(stack, request));
  if (!changeSet.hasChanges) return { stackName: request.stackName, status: 'unchanged', changes: [], templateDiff };
  try {
    const changes = await describeChanges(cloudFormation, changeSet.id, 'root');
    return { stackName: request.stackName, status: 'changed', changes, templateDiff };
  } finally {
    // Deleting the root change set deletes its nested change sets too.
    await discardChangeSet(cloudFormation, request.stackName, changeSet.id, 'UPDATE');
  }
}

/** The changes of a change set and of its nested change sets, one line per resource (`path` prefixes the stack). */
export async function describeChanges(cloudFormation: CloudFormationClient, changeSetId: string, path: string, stackName?: string): Promise<ResourceChangeLine[]> {
  const changes: Change[] = [];
  let nextToken: string | undefined;
  do {
    const page = await cloudFormation.send(
      new DescribeChangeSetCommand({
        ChangeSetName: changeSetId,
        ...(stackName !== undefined ? { StackName: stackName } : {}),
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
    );
    changes.push(...(page.Changes ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  const lines: ResourceChangeLine[] = [];
  for (const change of changes) {
    const resource = change.ResourceChange;
    if (!resource) continue;
    const properties = [
      ...new Set(
        (resource.Details ?? [])
          .map((detail) => [detail.Target?.Attribute, detail.Target?.Name].filter(Boolean).join('.'))
          .filter((name) => name.length > 0),
      ),
    ];
    const type = resource.ResourceType ?? '';
    lines.push({
      stack: path,
      action: resource.Action ?? 'Unknown',
      logicalId: resource.LogicalResourceId ?? '',
      type,
      ...(resource.Replacement ? { replacement: resource.Replacement } : {}),
      properties,
      security: SECURITY_TYPES.test(type) || properties.some((name) => SECURITY_PROPERTIES.test(name)),
    });
    if (resource.ChangeSetId) {
      lines.push(...(await describeChanges(cloudFormation, resource.ChangeSetId, `${path}/${resource.LogicalResourceId}`)));
    }
  }
  return lines;
}

/** Formats the difference of two templates with `@aws-cdk/cloudformation-diff` (no colours). */
export function formatTemplateDiff(current: Record<string, unknown>, next: Record<string, unknown>, width: number = DEFAULT_LINE_WIDTH): string {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  // The IAM and security tables wrap their cells to the stream's width (cloudformation-diff's
  // formatTable reads `columns`), so that no action, principal or resource is cut when printed.
  Object.assign(stream, { columns: width });
  const diff = fullDiff(current, next);
  if (diff.isEmpty) return '';
  formatDifferences(stream as unknown as NodeJS.WritableStream, diff);
  // eslint-style colour codes come from chalk; strip them so that the text is stable in logs.
  return chunks.join('').replace(/\u001b\[[0-9;]*m/g, '');
}

/** One line per changed resource: `[~] root/BellflowerIAMRole/... Modify Type (replacement) props [security]`. */
export function formatChange(change: ResourceChangeLine): string {
  const symbol = change.action === 'Add' ? '[+]' : change.action === 'Remove' ? '[-]' : '[~]';
  const replacement =
    change.replacement === 'True' ? ' REPLACES the resource' : change.replacement === 'Conditional' ? ' may replace the resource' : '';
  const properties = change.properties.length > 0 ? ` (${change.properties.join(', ')})` : '';
  return `${symbol} ${change.stack}/${change.logicalId} ${change.type}${replacement}${properties}${change.security ? '  <- IAM/security' : ''}`;
}

/** Diff of both stacks of an environment: preflight (read-only), then {@link diffStack} for each. */
export async function diffEnvironment(options: {
  readonly config: BellflowerConfig;
  readonly clients: AwsClients;
  readonly distDir: string;
} & Polling & { readonly lineWidth?: number }): Promise<readonly StackDiff[]> {
  const { config, clients, distDir } = options;
  const checked = await preflight({ config, clients, distDir });
  const requests = stackRequests(config, checked.manifest, checked.templateParameters);
  const template = (path: string) => parseYaml(readFileSync(join(distDir, path), 'utf8')) as Record<string, unknown>;
  return [
    await diffStack(clients.cloudFormation, requests.cross, template(TEMPLATE_PATHS.cross), options),
    await diffStack(clients.cloudFormation, requests.root, template(TEMPLATE_PATHS.root), options),
  ];
}

/** Diff of the bootstrap stack: what `npm run bootstrap` would change (its plan is read-only). */
export async function diffBootstrap(options: { readonly config: BellflowerConfig; readonly clients: AwsClients; readonly lineWidth?: number } & Polling): Promise<StackDiff> {
  const { config, clients } = options;
  const plan = await planBootstrap({ config, clients, account: await callerAccount(clients.sts) });
  return diffStack(clients.cloudFormation, bootstrapStackRequest(plan, config), bootstrapTemplate().object, options);
}

/**
 * The changes of the change sets named `changeSetName` that `deploy --no-execute` kept on the
 * environment's stacks; nothing is created, executed or deleted.
 */
export async function diffKeptChangeSets(options: {
  readonly config: BellflowerConfig;
  readonly clients: Pick<AwsClients, 'cloudFormation'>;
  readonly changeSetName: string;
}): Promise<readonly StackDiff[]> {
  const { config, clients, changeSetName } = options;
  const diffs: StackDiff[] = [];
  for (const stackName of [config.crossStackName, config.rootStackName]) {
    const stack = await describeStack(clients.cloudFormation, stackName);
    const type = stack && stack.StackStatus !== 'REVIEW_IN_PROGRESS' ? 'UPDATE' : 'CREATE';
    const kept = stack ? await keptChangeSet(clients.cloudFormation, stackName, changeSetName, type) : undefined;
    if (!kept) {
      diffs.push({ stackName, status: 'no-change-set', changes: [], templateDiff: '' });
      continue;
    }
    const changes = await describeChanges(clients.cloudFormation, kept.id, 'root', stackName);
    diffs.push({ stackName, status: type === 'CREATE' ? 'new' : 'changed', changes, templateDiff: '' });
  }
  return diffs;
}

/** True when a deploy would change something: a new stack or a change (`diff --fail`). */
export function hasChanges(diffs: readonly StackDiff[]): boolean {
  return diffs.some((diff) => diff.status === 'new' || diff.status === 'changed');
}
