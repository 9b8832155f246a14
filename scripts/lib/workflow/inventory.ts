/**
 * `bellflower list`: for each environment, its stacks with their status and the most recent
 * executions of its state machine (name, `execution_id`, status, start).
 */
import { ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ROOT_OUTPUTS } from '../../../templates/names';
import type { BellflowerConfig } from '../core/config';
import { messageOf } from '../core/errors';
import { environmentStacks, type EnvironmentStack } from '../deployment/environment-stacks';
import { describeStack, outputsOf } from '../deployment/stacks';
import { executionHistory, executionIdFromHistory, ExecutionCommandError } from './execution';

/** One execution as `list` shows it. */
export interface ExecutionSummary {
  /** The execution's name (start-execution makes it a UUID). */
  readonly name: string;
  /** The UUID the processing function gives it (the `outbound/<uuid>/` folder), once processing ran. */
  readonly executionId?: string;
  readonly status: string;
  readonly startDate?: string;
  readonly stopDate?: string;
}

/** One environment's stacks and executions. */
export interface EnvironmentInventory {
  readonly environment: string;
  readonly region?: string;
  readonly stacks: readonly EnvironmentStack[];
  readonly stateMachineArn?: string;
  readonly executions: readonly ExecutionSummary[];
  /** Why the environment could not be read (its configuration), when it could not. */
  readonly error?: string;
}

/**
 * The `limit` most recent executions of `stateMachineArn`, newest first, each with the
 * `execution_id` its history holds (one GetExecutionHistory each).
 */
export async function recentExecutions(sfn: SFNClient, stateMachineArn: string, limit: number): Promise<ExecutionSummary[]> {
  let listed;
  try {
    listed = (await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: limit }))).executions ?? [];
  } catch (error) {
    throw new ExecutionCommandError(`cannot list the executions of ${stateMachineArn}: ${messageOf(error)}`, { cause: error });
  }
  return Promise.all(
    listed.slice(0, limit).map(async (execution) => {
      const executionId = execution.executionArn ? executionIdFromHistory(await executionHistory(sfn, execution.executionArn)) : undefined;
      return {
        name: execution.name ?? execution.executionArn ?? '?',
        ...(executionId !== undefined ? { executionId } : {}),
        status: execution.status ?? 'UNKNOWN',
        ...(execution.startDate ? { startDate: execution.startDate.toISOString() } : {}),
        ...(execution.stopDate ? { stopDate: execution.stopDate.toISOString() } : {}),
      };
    }),
  );
}

/** One environment's inventory: its stacks and, when the root stack names a state machine, its recent executions. */
export async function environmentInventory(
  clients: { readonly cloudFormation: CloudFormationClient; readonly sfn: SFNClient },
  config: BellflowerConfig,
  executions: number,
): Promise<EnvironmentInventory> {
  const stacks = await environmentStacks(clients.cloudFormation, config);
  const root = stacks.find((stack) => stack.role === 'root');
  const stateMachineArn = root?.stackId ? outputsOf(await describeStack(clients.cloudFormation, root.stackId))[ROOT_OUTPUTS.stepFunctionArn] : undefined;
  return {
    environment: config.environment,
    region: config.region,
    stacks,
    ...(stateMachineArn ? { stateMachineArn } : {}),
    executions: stateMachineArn && executions > 0 ? await recentExecutions(clients.sfn, stateMachineArn, executions) : [],
  };
}

/** The readable lines of `list`. */
export function inventoryLines(inventories: readonly EnvironmentInventory[]): string[] {
  const lines: string[] = [];
  for (const inventory of inventories) {
    lines.push(`${inventory.environment}${inventory.region ? ` (${inventory.region})` : ''}`);
    if (inventory.error) {
      lines.push(`  cannot read it: ${inventory.error}`);
      continue;
    }
    const width = Math.max(...inventory.stacks.map((stack) => stack.name.length));
    for (const stack of inventory.stacks) {
      lines.push(`  ${stack.role.padEnd(6)} ${stack.name.padEnd(width)}  ${stack.status}${stack.updated ? `  ${stack.updated}` : ''}`);
    }
    if (!inventory.stateMachineArn) continue;
    if (inventory.executions.length === 0) {
      lines.push('  no executions');
      continue;
    }
    lines.push(`  recent executions (name, execution_id, status, start):`);
    for (const execution of inventory.executions) {
      lines.push(`    ${execution.name}  ${execution.executionId ?? '-'.padEnd(36)}  ${execution.status.padEnd(9)}  ${execution.startDate ?? ''}`);
    }
  }
  return lines;
}
