/**
 * Step Functions' executions on the local AWS: each runs the bound definition in
 * `aws-local-stepfunctions` with the Task emulations, its events turned into the timeline, the
 * payload quotas applied, and its report built when it ends.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { randomUUID } from 'node:crypto';
import type { CallbackServer } from './callback-server';
import { LOCAL_ACCOUNT, LocalEngineError, type LocalResources } from './definition';
import type { TaskEmulation } from './integrations';
import { checkExecutionInputSize, dataLimitExceeded, payloadBytes, PAYLOAD_LIMIT_BYTES } from './limits';
import type { ExecutionRecord, Registry } from './registry';
import type { ExecutionStatus, TimelineEntry } from './timeline';

export type { AnswerMode, ExecutionOptions } from './registry';
import type { ExecutionOptions } from './registry';

/** Result of one execution. */
export interface ExecutionReport {
  readonly name: string;
  readonly executionArn: string;
  /** The `execution_id` the processing Lambda assigned (the outbound/inbound folder name). */
  readonly executionId?: string;
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly timeline: readonly TimelineEntry[];
}

/** An execution in progress. */
export interface RunningExecution {
  readonly name: string;
  readonly executionArn: string;
  /** Resolves with the execution id once `outbound/<id>/data.json`, the last outbound file, is written. */
  readonly outboundReady: Promise<string>;
  readonly done: Promise<ExecutionReport>;
}

/** An event of the interpreter's `eventLogs` (the package does not export the type). */
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type EndEvent = Extract<EventLog, { type: 'ExecutionSucceeded' | 'ExecutionFailed' }>;

function causeText(cause: unknown): string {
  if (cause === undefined || cause === null) return '';
  return typeof cause === 'string' ? cause : JSON.stringify(cause);
}

function resolvers<T>(): { readonly promise: Promise<T>; readonly resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

/** What executions run with. */
export interface ExecutionDeps {
  readonly machine: StateMachine;
  readonly resources: LocalResources;
  readonly registry: Registry;
  readonly callbacks: CallbackServer;
  readonly emulations: Record<string, TaskEmulation>;
}

/**
 * Fails the execution with a terminal error (one that Retry and Catch do not see, such as
 * `States.DataLimitExceeded`): the interpreter has no such notion, so the run is halted and
 * reported as FAILED with that error. Returns the rejected `halted` of the record.
 */
function failTerminally(registry: Registry, record: ExecutionRecord, state: string, failure: { error: string; cause: string }): Promise<never> {
  if (!record.terminal && !record.ended) {
    record.terminal = failure;
    registry.emitFromTask(record, state, { kind: 'state-failed', state, ...failure });
    record.halt?.();
  }
  return record.halted;
}

/** The Task handlers of one execution: each emulation, within Step Functions' payload quota. */
function taskHandlers(deps: ExecutionDeps, record: ExecutionRecord): Record<string, (input: unknown) => Promise<unknown>> {
  return Object.fromEntries(
    Object.entries(deps.emulations).map(([state, emulate]) => [
      state,
      async (input: unknown) => {
        // Lets the events of the previous state reach onEvent first: its output may have
        // exceeded the quota, which ends the execution before this Task runs.
        await new Promise((resolve) => setImmediate(resolve));
        if (record.terminal || record.ended) return record.halted;
        const inputBytes = payloadBytes(input);
        if (inputBytes > PAYLOAD_LIMIT_BYTES) return failTerminally(deps.registry, record, state, dataLimitExceeded(state, 'input', inputBytes));
        const result = await Promise.race([emulate(record, input), record.halted]);
        const resultBytes = payloadBytes(result);
        if (resultBytes > PAYLOAD_LIMIT_BYTES) return failTerminally(deps.registry, record, state, dataLimitExceeded(state, 'result', resultBytes));
        return result;
      },
    ]),
  );
}

/** One interpreter event into the timeline. */
function onEvent(registry: Registry, record: ExecutionRecord, event: EventLog, entered: Map<string, number>): void {
  const at = event.timestamp;
  switch (event.type) {
    case 'ExecutionStarted':
      registry.emit(record, { kind: 'execution-started', input: event.input }, at);
      return;
    case 'StateEntered':
      entered.set(event.state.name, at);
      registry.emit(record, { kind: 'state-entered', state: event.state.name }, at);
      return;
    case 'StateExited': {
      const bytes = payloadBytes(event.state.output);
      if (bytes > PAYLOAD_LIMIT_BYTES) {
        void failTerminally(registry, record, event.state.name, dataLimitExceeded(event.state.name, 'output', bytes));
        return;
      }
      registry.emit(record, { kind: 'state-exited', state: event.state.name, durationMs: at - (entered.get(event.state.name) ?? at) }, at);
      return;
    }
    case 'StateFailed':
      // A Fail state "fails" by design; the end of the execution reports its error.
      if (event.state.type === 'Fail') return;
      registry.emit(record, { kind: 'state-failed', state: event.state.name, error: event.Error, cause: causeText(event.Cause) }, at);
      return;
    case 'StateRetried': {
      const { IntervalSeconds = 1, BackoffRate = 2 } = event.retry.retrier;
      const waitMs = Math.round(IntervalSeconds * 1000 * BackoffRate ** (event.retry.attempt - 1));
      registry.emit(record, { kind: 'state-retried', state: event.state.name, attempt: event.retry.attempt, waitMs }, at);
      return;
    }
    case 'StateCaught':
      registry.emit(record, { kind: 'state-caught', state: event.state.name, next: event.catch.catcher.Next }, at);
      return;
    default:
      return;
  }
}

/** Consumes the events of a run until it ends; the end event, if it ended on its own. */
async function follow(registry: Registry, record: ExecutionRecord, execution: ReturnType<StateMachine['run']>): Promise<EndEvent | undefined> {
  const entered = new Map<string, number>();
  let ended: EndEvent | undefined;
  const consume = (async () => {
    for await (const event of execution.eventLogs) {
      // After a terminal error the interpreter may still report the next state: not in AWS.
      if (record.terminal) continue;
      if (event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed') ended = event;
      onEvent(registry, record, event, entered);
      if (event.type === 'StateEntered') {
        record.currentState = event.state.name;
        registry.drain(record, event.state.name);
      }
    }
  })();
  await execution.result.catch(() => undefined);
  await consume;
  return ended;
}

/** Closes an ended execution (timers, tokens, indexes) and builds its report. */
function finish(deps: ExecutionDeps, record: ExecutionRecord, startedAt: number, ended: EndEvent | undefined): ExecutionReport {
  const { registry, callbacks } = deps;
  record.ended = true;
  for (const timer of record.timers) clearTimeout(timer);
  for (const token of record.tokens) {
    callbacks.expire(token);
    registry.byToken.delete(token);
  }
  registry.records.delete(record.name);
  if (record.executionId !== undefined) registry.byExecutionId.delete(record.executionId);
  const stoppedAt = ended?.timestamp ?? Date.now();
  const failedEvent = ended?.type === 'ExecutionFailed' ? ended : undefined;
  const terminal = record.terminal;
  const status: ExecutionStatus = terminal || failedEvent ? 'FAILED' : ended ? 'SUCCEEDED' : 'ABORTED';
  const error = terminal ? terminal.error : failedEvent ? failedEvent.Error : record.abandoned?.error;
  const cause = terminal ? terminal.cause : failedEvent ? causeText(failedEvent.Cause) : record.abandoned?.cause;
  const output = ended?.type === 'ExecutionSucceeded' ? ended.output : undefined;
  registry.drain(record);
  registry.emit(record, { kind: 'execution-ended', status, durationMs: stoppedAt - startedAt, error, cause, output }, stoppedAt);
  const { name, arn: executionArn, executionId, entries: timeline } = record;
  return { name, executionArn, executionId, status, output, error, cause, startedAt, durationMs: stoppedAt - startedAt, timeline };
}

/** Starts one execution. */
export function startExecution(deps: ExecutionDeps, executionOptions: ExecutionOptions = {}): RunningExecution {
  const { registry, callbacks, resources } = deps;
  const name = executionOptions.name ?? randomUUID();
  if (registry.namesUsed.has(name)) throw new LocalEngineError(`an execution named ${name} already ran in this engine`);
  // StartExecution takes any JSON; `null` is a value, not a missing input.
  const input = executionOptions.input === undefined ? {} : executionOptions.input;
  checkExecutionInputSize(input);
  registry.namesUsed.add(name);
  const arn = `${resources.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  let rejectHalted!: (reason: unknown) => void;
  const record: ExecutionRecord = {
    name,
    arn,
    options: executionOptions,
    entries: [],
    tokens: new Set(),
    timers: new Set(),
    ended: false,
    outbound: resolvers<string>(),
    deferred: [],
    halted: new Promise<never>((_, reject) => (rejectHalted = reject)),
  };
  record.halted.catch(() => undefined);
  registry.records.set(name, record);
  const startedAt = Date.now();
  const execution = deps.machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: taskHandlers(deps, record) as never },
    context: {
      Execution: { Id: arn, Name: name, RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local` },
      StateMachine: { Id: resources.stateMachineArn, Name: resources.stateMachineArn.replace(/^.*:/, '') },
      // A getter, so that every attempt of a Task gets a new token, as in Step Functions.
      Task: {
        get Token(): string {
          return callbacks.issueToken();
        },
      },
    },
  });
  record.halt = () => {
    execution.abort();
    rejectHalted(new LocalEngineError(`execution ${name} was stopped`));
  };
  const done = follow(registry, record, execution).then((ended) => finish(deps, record, startedAt, ended));
  record.finished = done;
  return { name, executionArn: arn, outboundReady: record.outbound.promise, done };
}
