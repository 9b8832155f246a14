/**
 * What one execution uses, counted from the code that runs it rather than typed by hand: the
 * state transitions and service integrations on its path through the definition
 * (`asl/state-machine.ts`), and the requests of the integration function (its core, run here
 * with recording clients) and of the business application (`respond`, the load's own answer).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { S3Event, SQSEvent } from 'aws-lambda';
import { buildStateMachine, STATES } from '../../../asl/state-machine';
import { handleS3Event, handleSqsEvent } from '../../../handlers/integration/integrate';
import { Logger } from '../../../handlers/shared/logger';
import { respond } from '../workflow/execution';

/** Requests by API name (`PutObject`, `SendTaskSuccess`...). */
export type RequestCounts = Readonly<Record<string, number>>;

/** The usage of one execution on one path through the workflow. */
export interface ExecutionUsage {
  /** The states entered, in order (each one state transition, as Step Functions bills and throttles them). */
  readonly states: readonly string[];
  /** Service integrations of those states: `lambda:invoke`, `sqs:sendMessage.waitForTaskToken`, `sns:publish`. */
  readonly integrations: readonly string[];
  /** Invocations of the integration function: one per callback message, one per answer. */
  readonly integrationInvocations: number;
  /** Requests the integration function sends (S3 and Step Functions), from its core. */
  readonly integrationRequests: RequestCounts;
  /** Requests the business application sends to answer (the load's `respond`). */
  readonly answerRequests: RequestCounts;
}

/** Follows the definition from StartAt, taking `Next` (the path without errors) or `Catch` (`failure`). */
function statePath(definition: Record<string, unknown>, failure: boolean): { states: string[]; integrations: string[] } {
  const states = definition.States as Record<string, { Type: string; Resource?: string; Next?: string; End?: boolean; Catch?: { Next: string }[] }>;
  const visited: string[] = [];
  const integrations: string[] = [];
  let name: string | undefined = definition.StartAt as string;
  while (name !== undefined && !visited.includes(name)) {
    const state: (typeof states)[string] = states[name]!;
    visited.push(name);
    if (state.Resource) integrations.push(state.Resource.replace(/^.*:::/, ''));
    // A business failure is the answer of "Wait For Response": its Catch leads to the failure publish.
    name = failure && name === STATES.waitForResponse ? state.Catch?.[0]?.Next : state.Next;
  }
  return { states: visited, integrations };
}

/** A client whose `send` records the command's name and answers with `reply(name)`. */
function recordingClient<T>(counts: Record<string, number>, reply: (name: string) => unknown): T {
  return {
    send: async (command: object) => {
      const name = command.constructor.name.replace(/Command$/, '');
      counts[name] = (counts[name] ?? 0) + 1;
      return reply(name);
    },
  } as T;
}

const EXAMPLE_ID = '2f1c9a8e-3b7d-4e21-9c55-0d6a1b2c3d4e';
const EXAMPLE_TOKEN = 'example-task-token';
const BUCKET = 'integration-bucket';

/** The integration function's requests for one callback message and one answer, counted by running its core. */
async function integrationRequests(answer: 'success' | 'failure'): Promise<RequestCounts> {
  const counts: Record<string, number> = {};
  const body = (text: string) => ({ Body: { async *[Symbol.asyncIterator]() { yield Buffer.from(text); } }, ContentLength: text.length });
  const s3 = recordingClient<S3Client>(counts, (name) =>
    name === 'GetObject' ? body(counts.GetObject === 1 ? EXAMPLE_TOKEN : JSON.stringify(answer === 'success' ? { status: 'ok' } : { error: 'E', cause: 'c' })) : {},
  );
  const deps = { s3, sfn: recordingClient<SFNClient>(counts, () => ({})), bucket: BUCKET, logger: new Logger({ logLevel: 'SILENT' }) };
  const sqsEvent = { Records: [{ messageId: 'm', body: JSON.stringify({ Input: { execution_id: EXAMPLE_ID, info: [] }, TaskToken: EXAMPLE_TOKEN }), attributes: {} }] } as unknown as SQSEvent;
  await handleSqsEvent(sqsEvent, deps);
  const key = `inbound/${EXAMPLE_ID}/${answer}.json`;
  const s3Event = { Records: [{ s3: { bucket: { name: BUCKET }, object: { key, size: 20 } } }] } as unknown as S3Event;
  await handleS3Event(s3Event, deps);
  return counts;
}

/** The business application's requests for one answer (the load's `respond`). */
async function answerRequests(answer: 'success' | 'failure'): Promise<RequestCounts> {
  const counts: Record<string, number> = {};
  const s3 = recordingClient<S3Client>(counts, () => ({}));
  await respond({ s3, bucket: BUCKET, executionId: EXAMPLE_ID, ...(answer === 'failure' ? { failure: { cause: 'c' } } : {}) });
  return counts;
}

/** The usage of one execution answered with `answer`, counted from the definition and the code. */
export async function executionUsage(answer: 'success' | 'failure' = 'success'): Promise<ExecutionUsage> {
  const path = statePath(buildStateMachine(), answer === 'failure');
  return {
    ...path,
    integrationInvocations: path.integrations.filter((resource) => resource.endsWith('.waitForTaskToken')).length * 2,
    integrationRequests: await integrationRequests(answer),
    answerRequests: await answerRequests(answer),
  };
}
