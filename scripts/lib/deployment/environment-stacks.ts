/**
 * The stacks of one environment as they stand: the cross stack, the root stack and the root's
 * nested stacks (found through its `AWS::CloudFormation::Stack` resources), for `list` and `drift`.
 */
import { DescribeStackResourcesCommand, type CloudFormationClient, type Stack } from '@aws-sdk/client-cloudformation';
import type { BellflowerConfig } from '../core/config';
import { messageOf } from '../core/errors';
import { describeStack, StackError } from './stacks';

/** Which stack of the environment it is. */
export type StackRole = 'cross' | 'root' | 'nested';

/** One stack of an environment. */
export interface EnvironmentStack {
  readonly role: StackRole;
  /** The stack's name (for a nested stack, the name CloudFormation gave it). */
  readonly name: string;
  /** The logical ID of a nested stack in the root template. */
  readonly logicalId?: string;
  /** The stack's ARN, when it exists. */
  readonly stackId?: string;
  /** `CREATE_COMPLETE`, ... or `NOT_DEPLOYED`. */
  readonly status: string;
  /** Last update (or creation) time, ISO 8601. */
  readonly updated?: string;
}

const NESTED_STACK_TYPE = 'AWS::CloudFormation::Stack';

/** {@link EnvironmentStack} of a described stack (or of none: `NOT_DEPLOYED`). */
function entryOf(role: StackRole, name: string, stack: Stack | undefined, logicalId?: string): EnvironmentStack {
  const updated = stack?.LastUpdatedTime ?? stack?.CreationTime;
  return {
    role,
    name: stack?.StackName ?? name,
    ...(logicalId !== undefined ? { logicalId } : {}),
    ...(stack?.StackId !== undefined ? { stackId: stack.StackId } : {}),
    status: stack?.StackStatus ?? 'NOT_DEPLOYED',
    ...(updated !== undefined ? { updated: updated.toISOString() } : {}),
  };
}

/**
 * The cross stack, the root stack and, when the root exists, its nested stacks in the order of
 * their logical IDs. Sends DescribeStacks per stack and one DescribeStackResources on the root.
 */
export async function environmentStacks(cloudFormation: CloudFormationClient, config: Pick<BellflowerConfig, 'crossStackName' | 'rootStackName'>): Promise<EnvironmentStack[]> {
  const [cross, root] = await Promise.all([describeStack(cloudFormation, config.crossStackName), describeStack(cloudFormation, config.rootStackName)]);
  const stacks = [entryOf('cross', config.crossStackName, cross), entryOf('root', config.rootStackName, root)];
  if (!root?.StackId) return stacks;
  let resources;
  try {
    resources = (await cloudFormation.send(new DescribeStackResourcesCommand({ StackName: root.StackId }))).StackResources ?? [];
  } catch (error) {
    throw new StackError(`cannot list the resources of stack ${config.rootStackName}: ${messageOf(error)}`, { cause: error });
  }
  // AWS gives a nested stack's ARN as its physical ID (the stack ID `Ref` returns:
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-stack.html#aws-resource-cloudformation-stack-return-values);
  // moto 5.2 gives its name. DescribeStacks takes either.
  const nested = resources
    .filter((resource) => resource.ResourceType === NESTED_STACK_TYPE && Boolean(resource.PhysicalResourceId))
    .sort((a, b) => (a.LogicalResourceId ?? '').localeCompare(b.LogicalResourceId ?? ''));
  const described = await Promise.all(nested.map((resource) => describeStack(cloudFormation, resource.PhysicalResourceId!)));
  return [...stacks, ...nested.map((resource, index) => entryOf('nested', resource.PhysicalResourceId!, described[index], resource.LogicalResourceId))];
}
