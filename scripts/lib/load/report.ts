/**
 * What a load shows: throughput, end-to-end latency, the time in each stage (from the execution
 * histories), the errors by type with one example each, and the conservation check (nothing lost,
 * nothing left behind). The figures are pure functions of the {@link LoadRun}; the observations
 * of the bucket and the queues are read by {@link observeBucket} and {@link observeQueues}.
 */
import { DeleteObjectsCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { STATES } from '../../../asl/state-machine';
import { LOAD_FAILURE_ERROR, type ExecutionRecord, type LoadRun } from './run';

/** Percentiles of a list of durations, in milliseconds. */
export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentiles (p in 0..100) of `values`; undefined when there is none. */
export function percentiles(values: readonly number[]): Percentiles | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { count: sorted.length, p50: rank(50), p95: rank(95), p99: rank(99), max: sorted.at(-1)! };
}

/** The stages of one execution, in milliseconds (absent when the execution did not pass there). */
export interface StageTimes {
  /** "Processing Lambda" entered to exited (retries included). */
  readonly processing?: number;
  /** "Wait For Response" entered to the load seeing `outbound/<id>/data.json` (written after the token). */
  readonly callbackToOutbound?: number;
  /** The load writing the answer to "Wait For Response" ending with it. */
  readonly answerToResume?: number;
  /** The SNS publish state entered to exited. */
  readonly publish?: number;
  /** ExecutionStarted to the execution's end. */
  readonly endToEnd?: number;
}

const END_TYPES = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);
const at = (event: HistoryEvent | undefined): number | undefined => (event?.timestamp ? new Date(event.timestamp).getTime() : undefined);
const span = (from: number | undefined, to: number | undefined): number | undefined => (from !== undefined && to !== undefined ? to - from : undefined);

/** The event that ended the "Wait For Response" task (its answer), if any. */
function callbackResult(history: readonly HistoryEvent[]): HistoryEvent | undefined {
  let inWait = false;
  for (const event of history) {
    if (event.stateEnteredEventDetails?.name) inWait = event.stateEnteredEventDetails.name === STATES.waitForResponse;
    else if (inWait && ['TaskSucceeded', 'TaskFailed', 'TaskTimedOut'].includes(event.type ?? '')) return event;
  }
  return undefined;
}

/** {@link StageTimes} of one execution, from its history and what the load saw. */
export function stageTimes(record: ExecutionRecord): StageTimes {
  const { history } = record;
  const entered = (name: string): HistoryEvent | undefined => history.find((e) => e.stateEnteredEventDetails?.name === name);
  const exited = (name: string): HistoryEvent | undefined => history.find((e) => e.stateExitedEventDetails?.name === name);
  const publishState = [STATES.publishSuccess, STATES.publishFailure].find((name) => entered(name) !== undefined);
  const times: Record<string, number | undefined> = {
    processing: span(at(entered(STATES.processing)), at(exited(STATES.processing))),
    callbackToOutbound: span(at(entered(STATES.waitForResponse)), record.tokenSeenAt),
    answerToResume: span(record.answerWrittenAt, at(callbackResult(history))),
    publish: publishState ? span(at(entered(publishState)), at(exited(publishState))) : undefined,
    endToEnd: span(at(history.find((e) => e.type === 'ExecutionStarted')), at(history.find((e) => END_TYPES.has(e.type ?? '')))),
  };
  return Object.fromEntries(Object.entries(times).filter(([, value]) => value !== undefined)) as StageTimes;
}

/** The status an execution ended with, from its history (RUNNING without an end event). */
export function endStatus(record: ExecutionRecord): string {
  const end = record.history.find((e) => END_TYPES.has(e.type ?? ''));
  if (!end) return record.status ?? 'RUNNING';
  return { ExecutionSucceeded: 'SUCCEEDED', ExecutionFailed: 'FAILED', ExecutionTimedOut: 'TIMED_OUT', ExecutionAborted: 'ABORTED' }[end.type as string]!;
}

/** Why an execution did not end the way its answer asks for; undefined when it did. */
export function unexpectedEnd(record: ExecutionRecord): { type: string; message: string } | undefined {
  const status = endStatus(record);
  const expected = record.plan === 'success' ? 'SUCCEEDED' : 'FAILED';
  const failed = record.history.find((e) => e.type === 'ExecutionFailed')?.executionFailedEventDetails;
  if (status === expected && (record.plan !== 'failure' || failed?.error === LOAD_FAILURE_ERROR)) return undefined;
  const reason = failed?.error ? ` (${failed.error})` : '';
  return {
    type: `ended ${status}${reason}, expected ${expected}${record.plan === 'failure' ? ` (${LOAD_FAILURE_ERROR})` : ''}`,
    message: `${record.executionArn ?? `execution ${record.index}`}${failed?.cause ? `: ${failed.cause.slice(0, 300)}` : ''}`,
  };
}

/** Errors grouped by type, with how many and one example. */
export interface ErrorGroup {
  readonly type: string;
  readonly count: number;
  readonly example: string;
}

/** Every error of the load and every unexpected end, grouped by type (most frequent first). */
export function errorGroups(records: readonly ExecutionRecord[]): ErrorGroup[] {
  const groups = new Map<string, { count: number; example: string }>();
  for (const record of records) {
    for (const problem of [record.error, record.error ? undefined : unexpectedEnd(record)]) {
      if (!problem) continue;
      const group = groups.get(problem.type) ?? { count: 0, example: problem.message };
      group.count += 1;
      groups.set(problem.type, group);
    }
  }
  return [...groups].map(([type, group]) => ({ type, ...group })).sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
}

/** What the bucket holds under `outbound/` and `inbound/`: the folder ids and the answer keys. */
export interface BucketObservation {
  readonly outboundIds: ReadonlySet<string>;
  readonly tokenIds: ReadonlySet<string>;
  readonly inboundKeys: ReadonlySet<string>;
}

/** Lists `outbound/` and `inbound/` of the integration bucket. */
export async function observeBucket(s3: S3Client, bucket: string): Promise<BucketObservation> {
  const outboundIds = new Set<string>();
  const tokenIds = new Set<string>();
  const inboundKeys = new Set<string>();
  for (const prefix of ['outbound/', 'inbound/']) {
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
      for (const { Key: key } of page.Contents ?? []) {
        const [, id, file] = (key ?? '').split('/');
        if (!id) continue;
        if (prefix === 'inbound/' && file) inboundKeys.add(key!);
        if (prefix === 'outbound/') outboundIds.add(id);
        if (prefix === 'outbound/' && file === 'task_token.txt') tokenIds.add(id);
      }
    }
  }
  return { outboundIds, tokenIds, inboundKeys };
}

/** One queue on the workflow's path and the messages it holds (visible, in flight and delayed). */
export interface QueueObservation {
  readonly name: string;
  readonly url: string;
  readonly messages: number;
  /** Of {@link messages}, those received and not yet deleted (ApproximateNumberOfMessagesNotVisible). */
  readonly inFlight: number;
}

/**
 * The queues whose content the check reads: the callback queue, its dead-letter queue (its
 * RedrivePolicy) and each function's dead-letter queue (its DeadLetterConfig), found from the
 * deployed resources rather than from names.
 */
export async function pathQueues(clients: { sqs: SQSClient; lambda: LambdaClient }, callbackQueueUrl: string, functionArns: readonly string[]): Promise<string[]> {
  const urls = [callbackQueueUrl];
  const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: callbackQueueUrl, AttributeNames: ['RedrivePolicy'] }));
  const deadLetterArns: string[] = [];
  if (Attributes?.RedrivePolicy) deadLetterArns.push(String((JSON.parse(Attributes.RedrivePolicy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn));
  for (const arn of functionArns) {
    const configuration = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: arn }));
    const target = configuration.DeadLetterConfig?.TargetArn;
    if (target?.includes(':sqs:')) deadLetterArns.push(target);
  }
  for (const arn of deadLetterArns) {
    const [, , , , owner, name] = arn.split(':');
    urls.push((await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name, ...(owner ? { QueueOwnerAWSAccountId: owner } : {}) }))).QueueUrl!);
  }
  return [...new Set(urls)];
}

/** The messages each queue holds. SQS's counts are approximate and lag by up to a minute on AWS. */
export async function observeQueues(sqs: SQSClient, urls: readonly string[]): Promise<QueueObservation[]> {
  const attributeNames = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;
  return Promise.all(
    urls.map(async (url) => {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...attributeNames] }));
      const messages = attributeNames.reduce((sum, name) => sum + Number(Attributes?.[name] ?? 0), 0);
      return { name: url.replace(/^.*\//, ''), url, messages, inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
    }),
  );
}

/**
 * The queues once the batches in flight are done. An execution ends when the integration function
 * sends its task success, before the function returns; only then does the event source mapping
 * delete the batch's messages ("If your function successfully processes the batch, Lambda deletes
 * the messages from the queue", https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html),
 * so messages of the last batches are still in flight when the last execution ends. Reads until
 * none is in flight, or `boundMs` passed (then what is left counts: a failed batch stays in flight
 * for the visibility timeout and comes back, which the check must report).
 */
export async function settledQueues(
  sqs: SQSClient,
  urls: readonly string[],
  options: { readonly boundMs?: number; readonly pollMs?: number; readonly sleep?: (ms: number) => Promise<void>; readonly now?: () => number } = {},
): Promise<QueueObservation[]> {
  const { boundMs = 30_000, pollMs = 1_000, sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)), now = Date.now } = options;
  const deadline = now() + boundMs;
  for (;;) {
    const seen = await observeQueues(sqs, urls);
    if (seen.every((queue) => queue.inFlight === 0) || now() >= deadline) return seen;
    await sleep(pollMs);
  }
}

/** One line of the conservation check. */
export interface ConservationCheck {
  readonly check: string;
  readonly ok: boolean;
  /** What is wrong (a count and examples), or what was counted. */
  readonly detail: string;
}

/** What the check compares: the load's records, the bucket before and after, the queues after. */
export interface ConservationInput {
  readonly records: readonly ExecutionRecord[];
  readonly before: BucketObservation;
  readonly after: BucketObservation;
  readonly queues: readonly QueueObservation[];
}

const examples = (items: readonly string[]): string => `${items.length}${items.length ? `: ${items.slice(0, 3).join(', ')}${items.length > 3 ? ', ...' : ''}` : ''}`;

/**
 * The conservation check: every execution ended as its answer asks; every answer was consumed
 * (the callback task ended with it); every outbound folder and inbound answer written during the
 * load belongs to one of its executions, and each of them that waited has its token and its
 * answer; the callback queue and every dead-letter queue are empty; one notification (a
 * successful SNS publish task) per execution.
 */
export function conservation(input: ConservationInput): ConservationCheck[] {
  const { records, before, after } = input;
  const ended = records.filter((record) => endStatus(record) !== 'RUNNING');
  const ours = new Set(records.flatMap((record) => (record.executionId ? [record.executionId] : [])));
  const answered = records.filter((record) => record.answerWrittenAt !== undefined);
  const waited = records.filter((record) => record.executionId && record.history.some((e) => e.stateEnteredEventDetails?.name === STATES.waitForResponse));
  const unexpected = records.filter((record) => unexpectedEnd(record) !== undefined).map((r) => r.executionArn ?? `#${r.index}`);
  const unconsumed = answered
    .filter((record) => {
      const result = callbackResult(record.history);
      return record.plan === 'success' ? result?.type !== 'TaskSucceeded' : result?.type !== 'TaskFailed' || result.taskFailedEventDetails?.error !== LOAD_FAILURE_ERROR;
    })
    .map((record) => record.executionId!);
  const newOutbound = [...after.outboundIds].filter((id) => !before.outboundIds.has(id));
  const newInbound = [...after.inboundKeys].filter((key) => !before.inboundKeys.has(key));
  const strayOutbound = newOutbound.filter((id) => !ours.has(id));
  const strayInbound = newInbound.filter((key) => !ours.has(key.split('/')[1]!));
  const missingTokens = waited.filter((record) => !after.tokenIds.has(record.executionId!)).map((record) => record.executionId!);
  const missingAnswers = answered
    .filter((record) => !after.inboundKeys.has(`inbound/${record.executionId}/${record.plan === 'failure' ? 'failure' : 'success'}.json`))
    .map((record) => record.executionId!);
  // An execution the load stopped never reaches a publish state.
  const notifications = ended.filter((record) => !record.stopped && record.history.filter((e) => e.type === 'TaskSucceeded' && e.taskSucceededEventDetails?.resourceType === 'sns').length !== 1);
  const checks: ConservationCheck[] = [
    { check: 'every execution ended as its answer asks', ok: unexpected.length === 0 && ended.length === records.length, detail: unexpected.length ? `unexpected ends ${examples(unexpected)}` : `${ended.length} of ${records.length} ended` },
    { check: 'every answer consumed', ok: unconsumed.length === 0, detail: unconsumed.length ? `not consumed ${examples(unconsumed)}` : `${answered.length} answers` },
    { check: 'every outbound folder accounted for', ok: strayOutbound.length === 0 && missingTokens.length === 0, detail: strayOutbound.length || missingTokens.length ? `stray ${examples(strayOutbound)}; without task_token.txt ${examples(missingTokens)}` : `${newOutbound.length} folders, ${waited.length} tokens` },
    { check: 'every inbound answer accounted for', ok: strayInbound.length === 0 && missingAnswers.length === 0, detail: strayInbound.length || missingAnswers.length ? `stray ${examples(strayInbound)}; missing ${examples(missingAnswers)}` : `${newInbound.length} answers` },
    ...input.queues.map((queue) => ({ check: `queue ${queue.name} empty`, ok: queue.messages === 0, detail: `${queue.messages} messages` })),
    { check: 'one notification per execution', ok: notifications.length === 0, detail: notifications.length ? `not exactly one ${examples(notifications.map((r) => r.executionArn ?? `#${r.index}`))}` : `${ended.length} notifications` },
  ];
  return checks;
}

/** Deletes `outbound/<id>/` and `inbound/<id>/` of the load's executions; returns how many objects. */
export async function cleanUp(s3: S3Client, bucket: string, ids: readonly string[]): Promise<number> {
  const keys: string[] = [];
  for (const id of ids) {
    for (const prefix of [`outbound/${id}/`, `inbound/${id}/`]) {
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    }
  }
  // DeleteObjects takes at most 1000 keys (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html).
  for (let start = 0; start < keys.length; start += 1000) {
    const { Errors } = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(start, start + 1000).map((Key) => ({ Key })), Quiet: true } }));
    if (Errors?.length) throw new Error(`cannot delete s3://${bucket}/${Errors[0]!.Key}: ${Errors[0]!.Code} ${Errors[0]!.Message}`);
  }
  return keys.length;
}

/** The load's figures and check, as printed and as `--json`. */
export interface LoadReport {
  readonly interrupted: boolean;
  readonly executions: { readonly asked: number; readonly started: number; readonly ended: number; readonly byStatus: Readonly<Record<string, number>> };
  readonly wallSeconds: number;
  /** Executions ended per second of the load's wall time. */
  readonly throughputPerSecond: number;
  readonly latencyMs?: Percentiles;
  readonly stagesMs: Readonly<Record<'processing' | 'callbackToOutbound' | 'answerToResume' | 'publish', Percentiles | undefined>>;
  readonly errors: readonly ErrorGroup[];
  readonly conservation: readonly ConservationCheck[];
  readonly clean: boolean;
  readonly cleanup: { readonly deletedObjects: number } | { readonly kept: true };
}

/** The figures of a run (everything but the bucket and queue observations). */
export function loadFigures(run: LoadRun): Pick<LoadReport, 'interrupted' | 'executions' | 'wallSeconds' | 'throughputPerSecond' | 'latencyMs' | 'stagesMs' | 'errors'> {
  const started = run.records.filter((record) => record.executionArn !== undefined);
  const byStatus: Record<string, number> = {};
  for (const record of started) byStatus[endStatus(record)] = (byStatus[endStatus(record)] ?? 0) + 1;
  const ended = started.filter((record) => endStatus(record) !== 'RUNNING');
  const stages = started.map(stageTimes);
  const collect = (name: keyof StageTimes): Percentiles | undefined => percentiles(stages.flatMap((times) => (times[name] !== undefined ? [times[name]] : [])));
  const wallSeconds = (run.endedAt - run.startedAt) / 1000;
  const latency = collect('endToEnd');
  return {
    interrupted: run.interrupted,
    executions: { asked: run.executionsAsked, started: started.length, ended: ended.length, byStatus },
    wallSeconds,
    throughputPerSecond: wallSeconds > 0 ? ended.length / wallSeconds : 0,
    ...(latency ? { latencyMs: latency } : {}),
    stagesMs: { processing: collect('processing'), callbackToOutbound: collect('callbackToOutbound'), answerToResume: collect('answerToResume'), publish: collect('publish') },
    errors: errorGroups(run.records),
  };
}

const STAGE_LABELS = {
  processing: 'processing',
  callbackToOutbound: 'callback message to outbound files',
  answerToResume: 'answer to resume',
  publish: 'publish',
} as const;

const figuresLine = (label: string, figures: Percentiles | undefined): string =>
  figures ? `  ${label.padEnd(36)} p50 ${figures.p50} ms, p95 ${figures.p95} ms, p99 ${figures.p99} ms, max ${figures.max} ms (${figures.count})` : `  ${label.padEnd(36)} -`;

/** The report as lines of text. */
export function reportLines(report: LoadReport): string[] {
  const { executions } = report;
  const statuses = Object.entries(executions.byStatus).map(([status, count]) => `${count} ${status}`).join(', ');
  return [
    `${report.interrupted ? 'interrupted: ' : ''}${executions.started} of ${executions.asked} executions started, ${executions.ended} ended (${statuses || 'none'}) in ${report.wallSeconds.toFixed(1)} s: ${report.throughputPerSecond.toFixed(2)} executions/s`,
    figuresLine('end to end', report.latencyMs),
    ...Object.entries(STAGE_LABELS).map(([key, label]) => figuresLine(label, report.stagesMs[key as keyof typeof STAGE_LABELS])),
    report.errors.length ? 'errors:' : 'errors: none',
    ...report.errors.map((group) => `  ${group.count} x ${group.type}; e.g. ${group.example}`),
    `conservation: ${report.clean ? 'clean' : 'NOT clean'}`,
    ...report.conservation.map((check) => `  ${check.ok ? 'ok  ' : 'FAIL'} ${check.check}: ${check.detail}`),
    'kept' in report.cleanup ? 'cleanup: kept (--keep)' : `cleanup: deleted ${report.cleanup.deletedObjects} objects under outbound/ and inbound/`,
  ];
}
