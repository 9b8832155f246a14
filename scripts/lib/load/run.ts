/**
 * The load: N executions of the deployed workflow, started at a concurrency or a rate, each
 * answered as the business application would (success, failure, or not at all), followed to its
 * end and measured from its history. The library never prints: progress goes to the injected
 * {@link LoadOptions.onProgress}, the result is a {@link LoadRun} that `report.ts` turns into
 * figures and the conservation check.
 */
import { DescribeExecutionCommand, StopExecutionCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { setTimeout as sleep } from 'node:timers/promises';
import { executionHistory, executionIdFromHistory, respond, startExecution, waitForExecutionId } from '../workflow/execution';
import { messageOf } from '../core/errors';

/**
 * A pacer: each call resolves at the next free slot, at most `perSecond` slots a second, in the
 * order of the calls.
 */
export function pacer(perSecond: number, now: () => number = Date.now): () => Promise<void> {
  let next = 0;
  return async () => {
    const at = now();
    const slot = Math.max(at, next);
    next = slot + 1000 / perSecond;
    if (slot > at) await sleep(slot - at);
  };
}

/** The Step Functions reads the load repeats for every execution while it waits. */
export const PACED_READS = ['DescribeExecution', 'GetExecutionHistory'] as const;

/**
 * Paces the client's reads of executions ({@link PACED_READS}) to `perSecond` each. Step Functions
 * throttles them per account and region far below the other calls: DescribeExecution refills 15
 * a second (10 outside us-east-1, us-west-2, eu-west-1), GetExecutionHistory 20, with small
 * buckets (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html, "Quotas
 * related to API action throttling"; the emulator throttles nothing), so 20 executions polled
 * every half second would be throttled and the figures would measure the SDK's back-off.
 */
export function paceExecutionReads(sfn: SFNClient, perSecond: number): void {
  const pacers = new Map<string, () => Promise<void>>(PACED_READS.map((name) => [name, pacer(perSecond)]));
  sfn.middlewareStack.add(
    (next, context) => async (args) => {
      await pacers.get(context.commandName ?? '')?.();
      return next(args);
    },
    { step: 'initialize', name: 'bellflowerPaceExecutionReads' },
  );
}

/** How the business application answers an execution. */
export type AnswerPlan = 'success' | 'failure' | 'none';

/** `--answer`: every execution the same way, or a mix (two successes for each failure). */
export type AnswerMode = 'success' | 'failure' | 'mix';

/** Error code of the failure answers the load writes (the `respond --error` default). */
export const LOAD_FAILURE_ERROR = 'BusinessApplicationFailure';

/** The answer of execution `index` (0-based): `mix` answers failure to every third. */
export function answerPlan(mode: AnswerMode | 'none', index: number): AnswerPlan {
  if (mode === 'mix') return index % 3 === 2 ? 'failure' : 'success';
  return mode;
}

/** The pace of the starts: at most this many running at once, or this many started per second. */
export type Pace = { readonly concurrency: number } | { readonly rate: number };

/** What the load measured of one execution. */
export interface ExecutionRecord {
  readonly index: number;
  readonly plan: AnswerPlan;
  readonly executionArn?: string;
  /** The outbound/inbound folder name, once known. */
  readonly executionId?: string;
  /** SUCCEEDED, FAILED, TIMED_OUT, ABORTED; RUNNING when the load stopped waiting. */
  readonly status?: string;
  /** Local clock: when the load saw `outbound/<id>/task_token.txt` (one poll interval late at most). */
  readonly tokenSeenAt?: number;
  /** Local clock: when the load started writing the answer. */
  readonly answerWrittenAt?: number;
  /** The load's own failure with this execution (start refused, no outbound files, answer refused...). */
  readonly error?: { readonly type: string; readonly message: string };
  readonly history: readonly HistoryEvent[];
  /** True when the load stopped it (Ctrl-C and the drain time ran out, or --timeout). */
  readonly stopped?: boolean;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  readonly sfn: SFNClient;
  /** S3 as the business application sees it (its role with `--role-arn`): waits for the token, answers. */
  readonly answerS3: S3Client;
  readonly stateMachineArn: string;
  readonly bucket: string;
  readonly executions: number;
  readonly pace: Pace;
  /** Execution input (the same for every execution). @default {} */
  readonly input?: unknown;
  readonly answer: AnswerMode | 'none';
  /** Wait this long between seeing the outbound files and answering. @default 0 */
  readonly answerDelayMs?: number;
  /** How long one execution may take from its start to its end before the load gives up on it. */
  readonly executionTimeoutMs: number;
  /** Between two reads of an execution's status. @default 500 */
  readonly pollMs?: number;
  /** Aborted on Ctrl-C: no execution is started after it. */
  readonly signal?: AbortSignal;
  /** After {@link signal}, how long the running executions may take to end before they are stopped. @default 30 000 */
  readonly drainMs?: number;
  /** Prefix of the execution names (unique per load). */
  readonly namePrefix: string;
  /** Called whenever a count changes. */
  readonly onProgress?: (progress: LoadProgress) => void;
}

/** Counts while the load runs. */
export interface LoadProgress {
  readonly total: number;
  readonly started: number;
  readonly answered: number;
  readonly ended: number;
  readonly errors: number;
}

/** The whole load: every execution's record and the load's wall time. */
export interface LoadRun {
  readonly records: readonly ExecutionRecord[];
  readonly startedAt: number;
  readonly endedAt: number;
  /** True when Ctrl-C stopped the starts. */
  readonly interrupted: boolean;
  readonly executionsAsked: number;
}

const END_STATUSES = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

/** The type an error is counted under: its name (AWS's error code), else "Error". */
function errorType(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const named = (cause as { name?: unknown } | undefined)?.name ?? (error as { name?: unknown }).name;
  return typeof named === 'string' && named !== 'Error' ? named : 'Error';
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  await sleep(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
}

/** Polls the execution until it ends or `deadline` passes; returns its status. */
async function waitForEnd(sfn: SFNClient, executionArn: string, deadline: () => number, pollMs: number): Promise<string> {
  for (;;) {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status && END_STATUSES.has(status)) return status;
    if (Date.now() >= deadline()) return status ?? 'RUNNING';
    await sleep(pollMs);
  }
}

/**
 * Runs the load: starts {@link LoadOptions.executions} executions at the pace given (stopping the
 * starts when the signal aborts), answers each, waits for each to end (bounded by
 * {@link LoadOptions.executionTimeoutMs}, or by the drain time after Ctrl-C, after which the
 * load stops the executions it started that still run), then reads every history.
 */
export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const pollMs = options.pollMs ?? 500;
  const counts = { started: 0, answered: 0, ended: 0, errors: 0 };
  const progress = (): void => options.onProgress?.({ total: options.executions, ...counts });
  let drainDeadline = Infinity;
  const onAbort = (): void => {
    drainDeadline = Date.now() + (options.drainMs ?? 30_000);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const aborted = (): boolean => options.signal?.aborted ?? false;
  const startedAt = Date.now();

  async function drive(index: number): Promise<ExecutionRecord | undefined> {
    if (aborted()) return undefined;
    const plan = answerPlan(options.answer, index);
    const base = { index, plan };
    let executionArn: string;
    try {
      executionArn = await startExecution({
        sfn: options.sfn,
        stateMachineArn: options.stateMachineArn,
        input: options.input ?? {},
        name: `${options.namePrefix}-${index}`,
      });
    } catch (error: unknown) {
      counts.errors += 1;
      progress();
      return { ...base, error: { type: `StartExecution: ${errorType(error)}`, message: messageOf(error) }, history: [] };
    }
    counts.started += 1;
    progress();
    const startedLocally = Date.now();
    const deadline = (): number => Math.min(startedLocally + options.executionTimeoutMs, drainDeadline);
    let record: Omit<ExecutionRecord, 'history'> = { ...base, executionArn };
    try {
      if (plan !== 'none') {
        const executionId = await waitForExecutionId({
          sfn: options.sfn,
          s3: options.answerS3,
          bucket: options.bucket,
          executionArn,
          timeoutMs: Math.max(0, deadline() - Date.now()),
          pollMs,
        });
        record = { ...record, executionId, tokenSeenAt: Date.now() };
        if (options.answerDelayMs) await sleep(options.answerDelayMs);
        const answerWrittenAt = Date.now();
        await respond({
          s3: options.answerS3,
          bucket: options.bucket,
          executionId,
          ...(plan === 'failure' ? { failure: { cause: `load: answer ${index} is a failure`, error: LOAD_FAILURE_ERROR } } : {}),
        });
        record = { ...record, answerWrittenAt };
        counts.answered += 1;
        progress();
      }
      let status = await waitForEnd(options.sfn, executionArn, deadline, pollMs);
      if (!END_STATUSES.has(status)) {
        // Given up on (Ctrl-C and the drain time, or --timeout): stopped, so that no execution of the
        // load keeps waiting for an answer whose files the cleanup deletes.
        const [error, cause] = aborted() ? ['LoadInterrupted', 'bellflower load was interrupted'] : ['LoadTimeout', `bellflower load waited ${options.executionTimeoutMs} ms`];
        await options.sfn.send(new StopExecutionCommand({ executionArn, error, cause }));
        record = { ...record, stopped: true };
        status = 'ABORTED';
      }
      record = { ...record, status };
    } catch (error: unknown) {
      counts.errors += 1;
      record = { ...record, error: { type: errorType(error), message: messageOf(error) } };
    }
    const history = await executionHistory(options.sfn, executionArn).catch(() => []);
    const executionId = record.executionId ?? executionIdFromHistory(history);
    counts.ended += 1;
    progress();
    return { ...record, ...(executionId !== undefined ? { executionId } : {}), history };
  }

  const drives: Promise<ExecutionRecord | undefined>[] = [];
  if ('concurrency' in options.pace) {
    const limit = pLimit(options.pace.concurrency);
    // A queued start that runs after Ctrl-C returns at once (drive checks the signal first).
    for (let index = 0; index < options.executions; index += 1) drives.push(limit(() => drive(index)));
  } else {
    const interval = 1000 / options.pace.rate;
    for (let index = 0; index < options.executions && !aborted(); index += 1) {
      await pause(startedAt + index * interval - Date.now(), options.signal);
      if (aborted()) break;
      drives.push(drive(index));
    }
  }
  const records = (await Promise.all(drives)).filter((record): record is ExecutionRecord => record !== undefined);
  options.signal?.removeEventListener('abort', onAbort);
  return { records, startedAt, endedAt: Date.now(), interrupted: aborted(), executionsAsked: options.executions };
}
