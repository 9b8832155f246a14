/**
 * The deployment's logs: the processing and integration functions' log groups
 * (`/aws/lambda/<function>`) and the state machine's (`/aws/vendedlogs/states/<state machine>`),
 * read with CloudWatch Logs FilterLogEvents, merged by time, optionally narrowed to one execution
 * (its UUID, name or ARN) and followed as new events arrive (as `sam logs --tail`).
 */
import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT_OUTPUTS } from '../../../templates/names';
import { messageOf } from '../core/errors';
import { BellflowerError } from '../core/errors';

/** A log group of the deployment and the short name it is shown with. */
export interface LogSource {
  readonly label: 'processing' | 'integration' | 'state-machine';
  readonly logGroupName: string;
}

/** One log event. */
export interface LogEvent {
  readonly source: LogSource['label'];
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly timestamp: number;
  readonly eventId: string;
  readonly message: string;
}

/** The logs of a deployment could not be read. */
export class LogsError extends BellflowerError {
  override readonly name = 'LogsError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The last `:`-separated part of an ARN (a function's or state machine's name). */
function nameOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/** The log groups of the deployment whose root stack has `outputs` (as the templates name them). */
export function logSources(outputs: Readonly<Record<string, string>>): LogSource[] {
  const sources: LogSource[] = [];
  const processing = outputs[ROOT_OUTPUTS.processingLambdaArn];
  const integration = outputs[ROOT_OUTPUTS.integrationLambdaArn];
  const stateMachine = outputs[ROOT_OUTPUTS.stepFunctionArn];
  if (processing) sources.push({ label: 'processing', logGroupName: `/aws/lambda/${nameOfArn(processing)}` });
  if (integration) sources.push({ label: 'integration', logGroupName: `/aws/lambda/${nameOfArn(integration)}` });
  if (stateMachine) sources.push({ label: 'state-machine', logGroupName: `/aws/vendedlogs/states/${nameOfArn(stateMachine)}` });
  if (sources.length === 0) throw new LogsError(`the root stack outputs name no function or state machine (${Object.keys(outputs).join(', ') || 'none'})`);
  return sources;
}

/**
 * Start time of `--since`: a duration back from `now` (`30s`, `10m`, `2h`, `1d`) or a date
 * (`2026-01-31`, `2026-01-31T12:00:00Z`). Throws naming the flag.
 */
export function parseSince(value: string, now: number = Date.now()): number {
  const duration = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(value.trim());
  if (duration) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(duration[1]) * unit;
  }
  const date = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && Number.isFinite(date)) return date;
  throw new LogsError(`--since "${value}" is neither a duration (30s, 10m, 2h, 1d) nor a date (2026-01-31T12:00:00Z)`);
}

/**
 * The text an execution's events carry: a UUID (the `execution_id` the functions log) as it is;
 * an execution ARN reduced to its name, which the state machine's events carry in their
 * `execution_arn`.
 */
export function executionFilter(execution: string): string {
  return execution.startsWith('arn:') ? nameOfArn(execution) : execution;
}

/** Options of {@link readLogEvents}. */
export interface ReadLogsOptions {
  readonly logs: CloudWatchLogsClient;
  readonly sources: readonly LogSource[];
  /** Epoch milliseconds (inclusive). */
  readonly startTime: number;
  /** Only events containing this text (see {@link executionFilter}). */
  readonly contains?: string;
  /** Events already returned (by id), left out; new ids are added. */
  readonly seen?: Set<string>;
  /** Called once per log group that does not exist (yet). */
  readonly onMissingGroup?: (source: LogSource) => void;
}

/** Every event of every source from `startTime` on, oldest first. */
export async function readLogEvents(options: ReadLogsOptions): Promise<LogEvent[]> {
  const seen = options.seen ?? new Set<string>();
  const events: LogEvent[] = [];
  for (const source of options.sources) {
    let nextToken: string | undefined;
    do {
      let page;
      try {
        page = await options.logs.send(
          new FilterLogEventsCommand({
            logGroupName: source.logGroupName,
            startTime: options.startTime,
            // A quoted term matches it anywhere in the event, JSON or not.
            ...(options.contains ? { filterPattern: JSON.stringify(options.contains) } : {}),
            ...(nextToken ? { nextToken } : {}),
          }),
        );
      } catch (error) {
        if (error instanceof Error && error.name === 'ResourceNotFoundException') {
          options.onMissingGroup?.(source);
          break;
        }
        throw new LogsError(`cannot read log group ${source.logGroupName}: ${messageOf(error)}`, { cause: error });
      }
      for (const event of page.events ?? []) {
        const id = event.eventId ?? `${source.logGroupName}/${event.logStreamName}/${event.timestamp}/${event.message}`;
        if (seen.has(id)) continue;
        if (options.contains && !(event.message ?? '').includes(options.contains)) continue;
        seen.add(id);
        events.push({
          source: source.label,
          logGroupName: source.logGroupName,
          logStreamName: event.logStreamName ?? '',
          timestamp: event.timestamp ?? 0,
          eventId: id,
          message: (event.message ?? '').trimEnd(),
        });
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return events.sort((a, b) => a.timestamp - b.timestamp);
}

/** Options of {@link followLogEvents}. */
export interface FollowLogsOptions extends Omit<ReadLogsOptions, 'seen'> {
  /** @default 2000 */
  readonly pollMs?: number;
  /** Stops following. @default never */
  readonly signal?: AbortSignal;
}

/**
 * Yields the events from `startTime` on, then new ones as they arrive, until `signal` aborts.
 * Each read starts a little before the newest event seen (events may arrive late); ids already
 * yielded are skipped.
 */
export async function* followLogEvents(options: FollowLogsOptions): AsyncGenerator<LogEvent> {
  const seen = new Set<string>();
  let startTime = options.startTime;
  const missingReported = new Set<string>();
  while (!options.signal?.aborted) {
    const events = await readLogEvents({
      ...options,
      startTime,
      seen,
      onMissingGroup: (source) => {
        if (missingReported.has(source.logGroupName)) return;
        missingReported.add(source.logGroupName);
        options.onMissingGroup?.(source);
      },
    });
    for (const event of events) yield event;
    const newest = events.at(-1)?.timestamp;
    // CloudWatch Logs may deliver an event some seconds after its timestamp.
    if (newest !== undefined) startTime = Math.max(startTime, newest - 30_000);
    try {
      await sleep(options.pollMs ?? 2000, undefined, options.signal ? { signal: options.signal } : {});
    } catch {
      return;
    }
  }
}

/**
 * One readable line: time, source, then the message; a JSON message (the functions log JSON) is
 * shown as `LEVEL message` followed by its other fields on one line.
 */
export function formatLogEvent(event: LogEvent): string {
  const time = new Date(event.timestamp).toISOString();
  return `${time} ${event.source.padEnd(13)} ${readableMessage(event.message)}`;
}

function readableMessage(message: string): string {
  if (!message.startsWith('{')) return message.replace(/\s*\n\s*/g, ' ');
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return message;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return message;
  const { level, message: text, timestamp: _timestamp, ...rest } = parsed as Record<string, unknown>;
  const head = [typeof level === 'string' ? level : undefined, typeof text === 'string' ? text : undefined].filter(Boolean).join(' ');
  const tail = Object.keys(rest).length > 0 ? JSON.stringify(rest) : '';
  return [head, tail].filter(Boolean).join(' ') || message;
}
