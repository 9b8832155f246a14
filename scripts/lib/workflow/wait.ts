/**
 * The wait of an execution for its answer, as `bellflower watch` shows it: the state waiting on a
 * task token (a `.waitForTaskToken` task), since when, the outbound folder the integration
 * function wrote the token to, and the time left before the state's timeout.
 *
 * Everything is read from the history: the TaskScheduled event of such a task carries the
 * `timeoutInSeconds` and `heartbeatInSeconds` in force for it (Step Functions API Reference,
 * TaskScheduledEventDetails: https://docs.aws.amazon.com/step-functions/latest/apireference/API_TaskScheduledEventDetails.html),
 * which are the definition's TimeoutSeconds and HeartbeatSeconds at the time the execution ran
 * (a later sync or deploy of the definition does not change them). The timeout counts from the
 * task's start (TaskStarted; TaskScheduled when the history has none). A heartbeat
 * (SendTaskHeartbeat) leaves no event in the history, so the heartbeat is shown as its interval.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { executionIdFromHistory } from './execution';

/** An execution waiting for its answer. */
export interface Wait {
  readonly state: string;
  /** When the task started (epoch ms): the timeout counts from here. */
  readonly since: number;
  /** `outbound/<execution_id>/`, once the processing step's output names the id. */
  readonly outboundFolder?: string;
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
}

const TASK_ENDED = new Set(['TaskSucceeded', 'TaskFailed', 'TaskTimedOut', 'TaskStartFailed', 'TaskSubmitFailed']);
const EXECUTION_ENDED = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);

const epochMs = (event: HistoryEvent): number => (event.timestamp ? new Date(event.timestamp).getTime() : Date.now());

/** The wait under way at the end of `events` (a whole history, oldest first), or undefined. */
export function currentWait(events: readonly HistoryEvent[]): Wait | undefined {
  let state = '';
  let wait: { state: string; since: number; timeoutSeconds?: number; heartbeatSeconds?: number } | undefined;
  for (const event of events) {
    const entered = event.stateEnteredEventDetails?.name;
    if (entered) state = entered;
    const scheduled = event.taskScheduledEventDetails;
    if (event.type === 'TaskScheduled' && scheduled?.resource?.endsWith('.waitForTaskToken')) {
      wait = {
        state,
        since: epochMs(event),
        ...(scheduled.timeoutInSeconds !== undefined ? { timeoutSeconds: Number(scheduled.timeoutInSeconds) } : {}),
        ...(scheduled.heartbeatInSeconds !== undefined ? { heartbeatSeconds: Number(scheduled.heartbeatInSeconds) } : {}),
      };
    } else if (event.type === 'TaskStarted' && wait) {
      wait.since = epochMs(event);
    } else if (TASK_ENDED.has(event.type ?? '') || EXECUTION_ENDED.has(event.type ?? '') || (event.stateExitedEventDetails?.name && event.stateExitedEventDetails.name === wait?.state)) {
      wait = undefined;
    }
  }
  if (!wait) return undefined;
  const id = executionIdFromHistory(events);
  return { ...wait, ...(id !== undefined ? { outboundFolder: `outbound/${id}/` } : {}) };
}

/** `2m 05s`, `1h 02m`, `12s`. */
export function formatSeconds(total: number): string {
  const seconds = Math.max(0, Math.floor(total));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** The line shown while `wait` lasts, at `now` (epoch ms). */
export function waitLine(wait: Wait, now: number): string {
  const elapsed = (now - wait.since) / 1000;
  const since = new Date(wait.since).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const folder = wait.outboundFolder ?? 'the outbound folder (not named in the history yet)';
  const timeout =
    wait.timeoutSeconds === undefined
      ? 'no TimeoutSeconds in the history'
      : elapsed < wait.timeoutSeconds
        ? `times out in ${formatSeconds(wait.timeoutSeconds - elapsed)} (TimeoutSeconds ${wait.timeoutSeconds})`
        : `timeout due now (TimeoutSeconds ${wait.timeoutSeconds})`;
  const heartbeat = wait.heartbeatSeconds === undefined ? '' : `; a heartbeat is due every ${formatSeconds(wait.heartbeatSeconds)} (HeartbeatSeconds)`;
  return `waiting in "${wait.state}" since ${since} (${formatSeconds(elapsed)}) for the answer to ${folder}; ${timeout}${heartbeat}`;
}

/** Options of {@link WaitDisplay}. */
export interface WaitDisplayOptions {
  readonly write: (text: string) => void;
  /** A terminal: one line rewritten in place; else a line per new wait and at most one a `refreshMs`. */
  readonly tty: boolean;
  /** @default 60 000 */
  readonly refreshMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * Shows the wait without flooding: on a terminal one line updated in place (cleared before a
 * timeline line and when the wait ends); in a pipe or a log, a line when a wait begins and then at
 * most one a minute.
 */
export class WaitDisplay {
  readonly #options: WaitDisplayOptions;
  #shown = false;
  #lastKey?: string;
  #lastPrinted = 0;

  constructor(options: WaitDisplayOptions) {
    this.#options = options;
  }

  /** Shows `wait` (or ends the shown one when undefined). */
  show(wait: Wait | undefined): void {
    const now = (this.#options.now ?? Date.now)();
    if (!wait) {
      this.clear();
      this.#lastKey = undefined;
      return;
    }
    const line = waitLine(wait, now);
    if (this.#options.tty) {
      this.#options.write(`\r\x1b[2K${line}`);
      this.#shown = true;
      return;
    }
    const key = `${wait.state}@${wait.since}`;
    if (key !== this.#lastKey || now - this.#lastPrinted >= (this.#options.refreshMs ?? 60_000)) {
      this.#options.write(`${line}\n`);
      this.#lastKey = key;
      this.#lastPrinted = now;
    }
  }

  /** Erases the line in place (a terminal), before another line is printed. */
  clear(): void {
    if (this.#shown) this.#options.write('\r\x1b[2K');
    this.#shown = false;
  }
}
