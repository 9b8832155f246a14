/**
 * Step Functions' Lambda service integration (`arn:aws:states:::lambda:invoke`) for the processing
 * function: the invocation's result as `{ ExecutedVersion, Payload, StatusCode }`, a failed
 * invocation as the Task error (Error = errorType, Cause = the runtime's error payload as JSON).
 * The `execution_id` the function assigns names the execution's outbound/inbound folder.
 */
import { isExecutionId } from '../../../handlers/shared/execution-id';
import { TaskError, type LocalResources } from './definition';
import type { LambdaService } from './functions';
import { LambdaInvocationError } from './lambda';
import type { ExecutionRecord, Registry } from './registry';

/** How the engine plays one Task state's resource for one execution. */
export type TaskEmulation = (record: ExecutionRecord, input: unknown) => Promise<unknown>;

export function lambdaInvoke(resources: LocalResources, registry: Registry, lambda: LambdaService): TaskEmulation {
  return async (record, input) => {
    const { FunctionName, Payload } = input as { FunctionName?: string; Payload?: unknown };
    if (FunctionName !== resources.processing.arn && FunctionName !== resources.processing.name) {
      throw new TaskError('Lambda.ResourceNotFoundException', `Function not found: ${FunctionName}`);
    }
    try {
      const payload = await lambda.invoke('processing', Payload ?? null);
      const id = (payload as { execution_id?: unknown } | null)?.execution_id;
      if (typeof id === 'string' && isExecutionId(id)) {
        record.executionId = id.toLowerCase();
        registry.byExecutionId.set(record.executionId, record);
      }
      return { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200 };
    } catch (error: unknown) {
      if (error instanceof LambdaInvocationError) {
        const { errorType, errorMessage, trace } = error.payload;
        throw new TaskError(errorType, JSON.stringify({ errorMessage, errorType, trace }));
      }
      throw error;
    }
  };
}
