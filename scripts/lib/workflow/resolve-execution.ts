/**
 * Either UUID of an execution (its name, or the `execution_id` the processing function gives it)
 * to the execution, for `watch` and `respond`. Apart from execution.ts: deploy, diff and destroy
 * import that module, and these calls are not in their deployer contract.
 */
import { DescribeExecutionCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { S3Client } from '@aws-sdk/client-s3';
import { messageOf } from '../core/errors';
import { executionArnOf, executionHistory, executionIdFromHistory, ExecutionCommandError, objectExists, tokenKey } from './execution';

/** How many of the state machine's most recent executions an `execution_id` is looked for in. */
export const EXECUTION_ID_SEARCH_LIMIT = 100;

/**
 * The execution an id names, so that every command takes either UUID of an execution: an ARN as
 * is; an execution name (the names start-execution generates are UUIDs); or the `execution_id`
 * the processing function gave it (the `outbound/<uuid>/` folder), looked for in the histories of
 * the state machine's {@link EXECUTION_ID_SEARCH_LIMIT} most recent executions.
 */
export async function resolveExecution(options: {
  readonly sfn: SFNClient;
  readonly stateMachineArn?: string;
  readonly id: string;
}): Promise<{ readonly executionArn: string; readonly executionId?: string }> {
  const { sfn, id } = options;
  if (id.startsWith('arn:')) return { executionArn: id };
  const byName = executionArnOf(id, options.stateMachineArn);
  try {
    await sfn.send(new DescribeExecutionCommand({ executionArn: byName }));
    const executionId = executionIdFromHistory(await executionHistory(sfn, byName));
    return { executionArn: byName, ...(executionId !== undefined ? { executionId } : {}) };
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ExecutionDoesNotExist')) throw new ExecutionCommandError(`cannot describe ${byName}: ${messageOf(error)}`, { cause: error });
  }
  const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: options.stateMachineArn, maxResults: EXECUTION_ID_SEARCH_LIMIT }));
  for (const execution of listed.executions ?? []) {
    if (!execution.executionArn) continue;
    if (executionIdFromHistory(await executionHistory(sfn, execution.executionArn)) === id) return { executionArn: execution.executionArn, executionId: id };
  }
  throw new ExecutionCommandError(
    `no execution named ${id}, and none with execution_id ${id} among the ${EXECUTION_ID_SEARCH_LIMIT} most recent executions of ${options.stateMachineArn}: give the execution ARN`,
  );
}

/**
 * The `execution_id` to answer: `id` itself when `outbound/<id>/task_token.txt` exists, else the
 * execution_id of the execution named `id`; `id` when neither (respond then says nothing waits).
 */
export async function answerId(options: {
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  readonly bucket: string;
  readonly stateMachineArn: string;
  readonly id: string;
}): Promise<string> {
  if (await objectExists(options.s3, options.bucket, tokenKey(options.id))) return options.id;
  try {
    return (await resolveExecution({ sfn: options.sfn, stateMachineArn: options.stateMachineArn, id: options.id })).executionId ?? options.id;
  } catch {
    return options.id;
  }
}
