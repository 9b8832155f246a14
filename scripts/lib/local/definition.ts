/**
 * The state machine as the local engine runs it: the local names and ARNs of the resources the
 * definition refers to, and the definition bound to them.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { PLACEHOLDERS, STATES, placeholdersIn } from '../../../asl/state-machine';
import type { LocalFunction } from './lambda';

/** Account id used in local ARNs. */
export const LOCAL_ACCOUNT = '000000000000';

/** Largest task timeout a Node.js timer can hold (setTimeout overflows above 2^31-1 ms). */
export const MAX_LOCAL_TIMEOUT_SECONDS = 2_000_000;

/** Raised for an unusable definition or options. */
export class LocalEngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalEngineError';
  }
}

/** An error of a Task state, as Step Functions reports it (Error = name, Cause = message). */
export class TaskError extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** What the definition's placeholders are bound to locally. */
export interface LocalResources {
  readonly processing: LocalFunction;
  readonly integration: LocalFunction;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly topicArn: string;
  readonly stateMachineArn: string;
}

/** The local names and ARNs of the resources the definition refers to. */
export function localResources(region: string): LocalResources {
  const name = (base: string): string => `${base}-local-${region}`;
  const fn = (base: string): LocalFunction => ({
    name: name(base),
    arn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${name(base)}`,
  });
  return {
    processing: fn('bellflower-processing-lambda'),
    integration: fn('bellflower-integration-lambda'),
    queueUrl: `https://sqs.${region}.amazonaws.com/${LOCAL_ACCOUNT}/${name('bellflower-sqs-queue')}`,
    queueArn: `arn:aws:sqs:${region}:${LOCAL_ACCOUNT}:${name('bellflower-sqs-queue')}`,
    topicArn: `arn:aws:sns:${region}:${LOCAL_ACCOUNT}:${name('bellflower-sns-topic')}`,
    stateMachineArn: `arn:aws:states:${region}:${LOCAL_ACCOUNT}:stateMachine:${name('bellflower-state-machine')}`,
  };
}

/** One state of the definition. */
export type StateDefinition = Record<string, unknown> & { Type?: string; Resource?: string; TimeoutSeconds?: number; HeartbeatSeconds?: number };

/**
 * The definition as the local engine runs it: placeholders bound to local ARNs, retry intervals
 * scaled, the callback timeout replaced if asked, and a timeout on every Task (the interpreter
 * would otherwise stop a Task after 60 s, which Step Functions does not).
 */
export function localDefinition(
  definition: Record<string, unknown>,
  resources: LocalResources,
  options: { readonly delayScale: number; readonly callbackTimeoutSeconds?: number },
): Record<string, unknown> {
  const bindings: Record<string, string> = {
    [PLACEHOLDERS.partition]: 'aws',
    [PLACEHOLDERS.processingLambda]: resources.processing.arn,
    [PLACEHOLDERS.waitForResponseQueueUrl]: resources.queueUrl,
    [PLACEHOLDERS.reportResultSnsTopicArn]: resources.topicArn,
  };
  const text = JSON.stringify(definition);
  const unknownPlaceholders = placeholdersIn(text).filter((p) => !(p in bindings));
  if (unknownPlaceholders.length > 0) {
    throw new LocalEngineError(`the definition uses placeholders the local engine cannot bind: ${unknownPlaceholders.join(', ')}`);
  }
  const bound = JSON.parse(text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, p: string) => bindings[p]!)) as {
    States: Record<string, StateDefinition>;
  };
  // Validate what Step Functions would see, before the local-only changes below.
  try {
    new StateMachine(bound as never);
  } catch (error: unknown) {
    throw new LocalEngineError(`invalid state machine definition: ${String(error)}`, { cause: error });
  }
  for (const [name, state] of Object.entries(bound.States)) {
    for (const retrier of (state.Retry as { IntervalSeconds?: number }[] | undefined) ?? []) {
      retrier.IntervalSeconds = (retrier.IntervalSeconds ?? 1) * options.delayScale;
    }
    if (state.Type !== 'Task') continue;
    if (name === STATES.waitForResponse && options.callbackTimeoutSeconds !== undefined) {
      state.TimeoutSeconds = options.callbackTimeoutSeconds;
    }
    state.TimeoutSeconds = Math.min(state.TimeoutSeconds ?? MAX_LOCAL_TIMEOUT_SECONDS, MAX_LOCAL_TIMEOUT_SECONDS);
  }
  return bound;
}

/** The Task states of a bound definition, by name. */
export function taskStates(definition: Record<string, unknown>): [string, StateDefinition][] {
  return Object.entries((definition as { States: Record<string, StateDefinition> }).States).filter(([, state]) => state.Type === 'Task');
}
