/**
 * The readable account of an execution, shared by `npm run local` (built from the interpreter's
 * events and the emulated services) and `npm run watch` (built from GetExecutionHistory).
 * Task tokens never appear in full: every formatted line and JSON report is redacted.
 */
import { redactToken } from '../../../handlers/shared/task-token';

/** Final status of an execution, as Step Functions names it. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** Fields common to every entry. */
interface EntryBase {
  /** Epoch milliseconds. */
  readonly at: number;
  /** Execution name, when the entry belongs to one. */
  readonly execution?: string;
}

/** One line of the timeline. */
export type TimelineEntry = EntryBase &
  (
    | { readonly kind: 'execution-started'; readonly input: unknown }
    | { readonly kind: 'state-entered'; readonly state: string }
    | { readonly kind: 'state-exited'; readonly state: string; readonly durationMs?: number }
    | { readonly kind: 'state-failed'; readonly state: string; readonly error: string; readonly cause: string }
    | { readonly kind: 'state-retried'; readonly state: string; readonly attempt: number; readonly waitMs?: number }
    | { readonly kind: 'state-caught'; readonly state: string; readonly next: string }
    | { readonly kind: 'message-sent'; readonly queue: string; readonly tokenPreview: string; readonly receiveCount?: number }
    | { readonly kind: 'file-written'; readonly key: string; readonly size?: number }
    | { readonly kind: 's3-notification'; readonly key: string; readonly delivered: boolean; readonly reason?: string }
    | { readonly kind: 'handler-failed'; readonly handler: string; readonly trigger: string; readonly error: string }
    | { readonly kind: 'callback'; readonly action: string; readonly tokenPreview: string; readonly rejectedWith?: string }
    | { readonly kind: 'notification'; readonly subject: string; readonly message: string }
    | { readonly kind: 'note'; readonly text: string }
    | {
        readonly kind: 'execution-ended';
        readonly status: ExecutionStatus;
        readonly durationMs?: number;
        readonly error?: string;
        readonly cause?: string;
        readonly output?: unknown;
      }
  );

/** Distributive Omit, so that building an entry keeps its kind-specific fields checked. */
export type EntryWithoutTime = TimelineEntry extends infer E ? (E extends TimelineEntry ? Omit<E, 'at'> : never) : never;

const TOKEN_KEYS = new Set(['TaskToken', 'taskToken', 'token']);
// Local tokens start with AQ; AWS tokens are long base64 strings: redact any long opaque run.
const TOKEN_TEXT = /\bAQ[A-Za-z0-9_+/=-]{24,}/g;

/** Replaces task-token values (by key, and by shape in strings) with their first 8 characters. */
export function redact<T>(value: T): T {
  if (typeof value === 'string') return value.replace(TOKEN_TEXT, (t) => redactToken(t)) as T;
  if (Array.isArray(value)) return value.map((v) => redact(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = TOKEN_KEYS.has(k) && typeof v === 'string' ? `${v.slice(0, 8)}...` : redact(v);
    }
    return out as T;
  }
  return value;
}

const MAX_TEXT = 160;

/** Compact one-line JSON (or text), redacted and cut to a readable length. */
export function brief(value: unknown, max = MAX_TEXT): string {
  const text = redact(typeof value === 'string' ? value : JSON.stringify(value) ?? 'null');
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** Seconds with millisecond precision, e.g. `5.012 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

/** The `errorMessage` of a Lambda error payload, else the cause itself. */
export function causeSummary(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: shown as it is
  }
  return cause;
}

/** ` (cause)` when the cause adds something to the error name. */
function causeSuffix(error: string | undefined, cause: string | undefined, max: number): string {
  if (!cause || cause === error) return '';
  return ` (${brief(causeSummary(cause), max)})`;
}

function describe(entry: TimelineEntry): string {
  switch (entry.kind) {
    case 'execution-started':
      return `execution started, input ${brief(entry.input)}`;
    case 'state-entered':
      return `-> ${entry.state}`;
    case 'state-exited':
      return `<- ${entry.state}${entry.durationMs === undefined ? '' : ` (${seconds(entry.durationMs)})`}`;
    case 'state-failed':
      return `   ${entry.state} failed: ${entry.error}${causeSuffix(entry.error, entry.cause, 120)}`;
    case 'state-retried':
      return `   ${entry.state}: retry ${entry.attempt}${entry.waitMs === undefined ? '' : ` after ${seconds(entry.waitMs)}`}`;
    case 'state-caught':
      return `   ${entry.state}: error caught, next "${entry.next}"`;
    case 'message-sent':
      return `   SQS message to ${entry.queue} (task token ${entry.tokenPreview})${
        entry.receiveCount && entry.receiveCount > 1 ? `, delivery ${entry.receiveCount}` : ''
      }`;
    case 'file-written':
      return `   file written: ${entry.key}${entry.size === undefined ? '' : ` (${entry.size} B)`}`;
    case 's3-notification':
      return entry.delivered
        ? `   S3 notification for ${entry.key} -> integration handler`
        : `   no S3 notification for ${entry.key}: ${entry.reason ?? 'filtered out'}`;
    case 'handler-failed':
      return `   ! ${entry.handler} handler failed on ${entry.trigger}: ${brief(entry.error, 200)}`;
    case 'callback':
      return `   ${entry.action} (task token ${entry.tokenPreview}) ${
        entry.rejectedWith ? `rejected: ${entry.rejectedWith}` : 'accepted'
      }`;
    case 'notification':
      return `   SNS notification "${entry.subject}": ${brief(entry.message)}`;
    case 'note':
      return `   ${redact(entry.text)}`;
    case 'execution-ended': {
      const tail =
        entry.status === 'SUCCEEDED'
          ? ''
          : `: ${entry.error ?? ''}${causeSuffix(entry.error, entry.cause, 200)}`;
      return `== ${entry.status}${entry.durationMs === undefined ? '' : ` in ${seconds(entry.durationMs)}`}${tail}`;
    }
  }
}

/** One readable line: time since `startedAt`, then what happened. */
export function formatEntry(entry: TimelineEntry, startedAt: number): string {
  const offset = `+${((entry.at - startedAt) / 1000).toFixed(3)}s`.padStart(10);
  return `${offset}  ${describe(entry)}`;
}

/** Writes each entry as {@link formatEntry} does, timed from the first entry (local run, watch). */
export function timelinePrinter(write: (line: string) => void): (entry: TimelineEntry) => void {
  let startedAt: number | undefined;
  return (entry) => write(formatEntry(entry, (startedAt ??= entry.at)));
}

/** The whole timeline as lines. */
export function formatTimeline(entries: readonly TimelineEntry[]): string {
  const startedAt = entries[0]?.at ?? 0;
  return entries.map((e) => formatEntry(e, startedAt)).join('\n');
}
