/**
 * What `destroy` does before CloudFormation deletes the root stack: nothing may write into the
 * integration bucket while it is emptied and deleted. The event source mapping is disabled (no new
 * callback batch reaches the integration function, which writes `outbound/`) and the running
 * executions are stopped (none sends another callback message, none waits for an answer that can
 * no longer arrive). Both are idempotent: a retried destroy finds them disabled and stopped.
 */
import { DescribeStackResourcesCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { UpdateEventSourceMappingCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { paginateListExecutions, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { messageOf } from '../core/errors';
import type { Reporter } from '../core/reporter';
import { describeStack, StackError } from './stacks';

/** What {@link quiesceWorkflow} did. */
export interface QuiesceResult {
  /** UUIDs of the event source mappings disabled. */
  readonly mappingsDisabled: readonly string[];
  /** Executions stopped. */
  readonly executionsStopped: number;
}

/** The error and cause a stopped execution reports (its history and the ExecutionsAborted alarm show them). */
export const STOPPED_BY_DESTROY = { error: 'Bellflower.Destroyed', cause: 'bellflower destroy deletes the stack' } as const;

/** Disables the root stack's event source mappings, then stops its state machines' running executions. */
export async function quiesceWorkflow(
  clients: { readonly cloudFormation: CloudFormationClient; readonly lambda: LambdaClient; readonly sfn: SFNClient },
  rootStackName: string,
  reporter: Reporter,
): Promise<QuiesceResult> {
  if (!(await describeStack(clients.cloudFormation, rootStackName))) return { mappingsDisabled: [], executionsStopped: 0 };
  const { StackResources: resources = [] } = await clients.cloudFormation.send(new DescribeStackResourcesCommand({ StackName: rootStackName }));
  const live = (type: string) =>
    resources.filter((r) => r.ResourceType === type && r.PhysicalResourceId && !r.ResourceStatus?.startsWith('DELETE_')).map((r) => r.PhysicalResourceId!);

  const mappingsDisabled: string[] = [];
  for (const uuid of live('AWS::Lambda::EventSourceMapping')) {
    try {
      await clients.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') continue;
      throw new StackError(`cannot disable event source mapping ${uuid} before deleting ${rootStackName}: ${messageOf(error)}`, { cause: error });
    }
    mappingsDisabled.push(uuid);
    reporter.info(`event source mapping ${uuid}: disabled (no new callback batch reaches the integration function)`);
  }

  let executionsStopped = 0;
  for (const stateMachineArn of live('AWS::StepFunctions::StateMachine')) {
    let stopped = 0;
    try {
      for await (const page of paginateListExecutions({ client: clients.sfn }, { stateMachineArn, statusFilter: 'RUNNING' })) {
        for (const execution of page.executions ?? []) {
          await clients.sfn.send(new StopExecutionCommand({ executionArn: execution.executionArn, ...STOPPED_BY_DESTROY }));
          stopped += 1;
        }
      }
    } catch (error) {
      if ((error as { name?: string }).name === 'StateMachineDoesNotExist') continue;
      throw new StackError(`cannot stop the running executions of ${stateMachineArn} before deleting ${rootStackName}: ${messageOf(error)}`, { cause: error });
    }
    executionsStopped += stopped;
    reporter.info(`${stateMachineArn.split(':').at(-1)}: stopped ${stopped} running execution${stopped === 1 ? '' : 's'}`);
  }
  return { mappingsDisabled, executionsStopped };
}
