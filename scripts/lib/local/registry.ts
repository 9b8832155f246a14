/**
 * What the local AWS knows of the executions running: each one's record (timeline, task tokens,
 * timers), found by name, by execution id (the outbound/inbound folder) and by task token; the
 * timeline entries as they happen; and the background work (invocations, answers) under way.
 * A finished execution leaves every index (its report went to the caller), so that memory does not
 * grow with the count run.
 */
import { isExecutionId } from '../../../handlers/shared/execution-id';
import type { EntryWithoutTime, TimelineEntry } from './timeline';

/** How the emulated business application answers. */
export type AnswerMode = 'success' | 'failure' | 'none';

/** Options of one execution. */
export interface ExecutionOptions {
  /** Any JSON value, as StartExecution accepts (over 256 KiB it is refused). @default {} */
  readonly input?: unknown;
  /** @default a random UUID */
  readonly name?: string;
  /** @default 'success' */
  readonly answer?: AnswerMode;
  /** Delay of the automatic answer. @default ORIGINAL_DELAYS.answerMs x delayScale */
  readonly answerDelayMs?: number;
  /** Body of failure.json when answer is 'failure'. */
  readonly failure?: { readonly error: string; readonly cause: string };
}

export interface ExecutionRecord {
  readonly name: string;
  readonly arn: string;
  readonly options: ExecutionOptions;
  readonly entries: TimelineEntry[];
  readonly tokens: Set<string>;
  readonly timers: Set<NodeJS.Timeout>;
  executionId?: string;
  ended: boolean;
  /**
   * Aborts the run and rejects {@link halted}, so that every Task under way settles (the
   * interpreter clears a Task's timeout timer only then) and nothing is left pending.
   */
  halt?: () => void;
  /** Rejects once the execution is halted (stop, or a terminal error). */
  halted: Promise<never>;
  readonly outbound: { readonly promise: Promise<string>; readonly resolve: (value: string) => void };
  finished?: Promise<unknown>;
  deferred: { state: string; entry: EntryWithoutTime; at: number }[];
  /** The state whose entry the timeline recorded last. */
  currentState?: string;
  /** A terminal error the emulation raised (no Retry or Catch applies): the execution fails with it. */
  terminal?: { readonly error: string; readonly cause: string };
  /** Why the engine gave the execution up (its S3 endpoint is gone): it ends ABORTED with this. */
  abandoned?: { readonly error: string; readonly cause: string };
}

/** The execution id a key belongs to (`outbound/<id>/...` or `inbound/<id>/...`). */
function folderId(key: string): string | undefined {
  const match = /^(?:inbound|outbound)\/([^/]+)\//.exec(key);
  return match && isExecutionId(match[1]!) ? match[1]!.toLowerCase() : undefined;
}

/** The executions running and the timeline. */
export class Registry {
  readonly records = new Map<string, ExecutionRecord>();
  readonly byExecutionId = new Map<string, ExecutionRecord>();
  readonly byToken = new Map<string, ExecutionRecord>();
  readonly namesUsed = new Set<string>();
  /** Entries that belong to no execution. */
  readonly unattributed: TimelineEntry[] = [];
  readonly background = new Set<Promise<unknown>>();

  constructor(private readonly onEntry?: (entry: TimelineEntry) => void) {}

  emit(record: ExecutionRecord | undefined, entry: EntryWithoutTime, at = Date.now()): void {
    const full = { ...entry, at, ...(record ? { execution: record.name } : {}) } as TimelineEntry;
    (record ? record.entries : this.unattributed).push(full);
    this.onEntry?.(full);
  }

  /** An entry of no execution. */
  note(text: string): void {
    this.emit(undefined, { kind: 'note', text });
  }

  /**
   * For entries of a Task emulation: the interpreter's events reach us a few microtasks late
   * (through an async generator), so the Task's entries wait until the entry of the state that
   * runs the Task has been recorded, to keep the timeline in the order things happened.
   */
  emitFromTask(record: ExecutionRecord, state: string, entry: EntryWithoutTime): void {
    if (record.currentState === state) this.emit(record, entry);
    else record.deferred.push({ state, entry, at: Date.now() });
  }

  /** Records the deferred entries of `state` (of every state without one). */
  drain(record: ExecutionRecord, state?: string): void {
    const ready = record.deferred.filter((d) => state === undefined || d.state === state);
    record.deferred = record.deferred.filter((d) => !ready.includes(d));
    for (const { entry, at } of ready) this.emit(record, entry, at);
  }

  /** Keeps `work` among the background work until it settles. */
  track(work: Promise<unknown>): void {
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }

  /** Runs `work` in `ms` as background work of `record` (cancelled when the execution ends). */
  later(record: ExecutionRecord, ms: number, work: () => Promise<void>): void {
    const timer = setTimeout(() => {
      record.timers.delete(timer);
      this.track(work());
    }, ms);
    record.timers.add(timer);
  }

  /** The execution whose folder holds `key`. */
  recordForKey(key: string): ExecutionRecord | undefined {
    const id = folderId(key);
    return id ? this.byExecutionId.get(id) : undefined;
  }

  /** Resolves once the background work under way (and any it started) has settled. */
  async settle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }
}
