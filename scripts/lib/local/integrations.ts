/**
 * The Task states' resources as the local AWS plays them, chosen by each state's Resource: the
 * Lambda service integration, SQS with the callback pattern, SNS. Any other resource is refused
 * when the engine starts.
 */
import type { CallbackServer } from './callback-server';
import { LocalEngineError, taskStates, type LocalResources } from './definition';
import type { LambdaService } from './functions';
import { lambdaInvoke, type TaskEmulation } from './lambda-integration';
import type { Registry } from './registry';
import { snsPublish } from './sns';
import type { LocalQueue } from './sqs';
import { waitForTaskToken } from './wait-for-task-token';

export type { TaskEmulation };

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const SQS_WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::sqs:sendMessage.waitForTaskToken';
const SNS_PUBLISH = 'arn:aws:states:::sns:publish';

/** Throws a {@link LocalEngineError} for a Task state whose resource the local AWS does not play (checked before anything starts). */
export function checkTaskResources(definition: Record<string, unknown>): void {
  for (const [stateName, state] of taskStates(definition)) {
    const resource = String(state.Resource);
    if (![LAMBDA_INVOKE, SQS_WAIT_FOR_TASK_TOKEN, SNS_PUBLISH].includes(resource)) {
      throw new LocalEngineError(`state "${stateName}" uses ${resource}, which the local engine does not emulate`);
    }
  }
}

/** The emulation of every Task state of the bound definition, by state name. */
export function taskEmulations(
  definition: Record<string, unknown>,
  deps: {
    readonly resources: LocalResources;
    readonly registry: Registry;
    readonly lambda: LambdaService;
    readonly queue: LocalQueue;
    readonly callbacks: CallbackServer;
  },
): Record<string, TaskEmulation> {
  const result: Record<string, TaskEmulation> = {};
  for (const [stateName, state] of taskStates(definition)) {
    const resource = String(state.Resource);
    if (resource === LAMBDA_INVOKE) {
      result[stateName] = lambdaInvoke(deps.resources, deps.registry, deps.lambda);
    } else if (resource === SQS_WAIT_FOR_TASK_TOKEN) {
      result[stateName] = waitForTaskToken(stateName, state, { ...deps, queueUrl: deps.resources.queueUrl });
    } else if (resource === SNS_PUBLISH) {
      result[stateName] = snsPublish(stateName, deps.resources.topicArn, deps.registry);
    } else {
      throw new LocalEngineError(`state "${stateName}" uses ${resource}, which the local engine does not emulate`);
    }
  }
  return result;
}
