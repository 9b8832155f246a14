/**
 * Step Functions' `sqs:sendMessage.waitForTaskToken`: the message (with the task token) sent to the
 * local queue, then the task waits for the callback endpoint to be answered with its token. The
 * token closes when the task times out; with HeartbeatSeconds, the task fails with
 * States.HeartbeatTimeout unless SendTaskHeartbeat comes that often.
 */
import { randomUUID } from 'node:crypto';
import { tokenPreview, type CallbackOutcome, type CallbackServer } from './callback-server';
import { MAX_LOCAL_TIMEOUT_SECONDS, TaskError, type StateDefinition } from './definition';
import type { TaskEmulation } from './lambda-integration';
import { payloadBytes, PAYLOAD_LIMIT_BYTES, sqsMessageTooLong } from './limits';
import type { ExecutionRecord, Registry } from './registry';
import type { LocalQueue } from './sqs';

/** The heartbeat watch of one task: re-armed by every heartbeat, rejects `missed` when one is late. */
function heartbeatWatch(record: ExecutionRecord, heartbeatMs: number, onMissed: () => void) {
  let timer: NodeJS.Timeout | undefined;
  let reject: (error: TaskError) => void = () => {};
  const missed = new Promise<never>((_, rej) => (reject = rej));
  const clear = (): void => {
    clearTimeout(timer);
    if (timer) record.timers.delete(timer);
  };
  const arm = (): void => {
    if (timer) record.timers.delete(timer);
    clearTimeout(timer);
    timer = setTimeout(() => {
      onMissed();
      reject(new TaskError('States.HeartbeatTimeout', `no heartbeat within ${heartbeatMs / 1000} s`));
    }, heartbeatMs);
    record.timers.add(timer);
  };
  return { missed, arm, clear };
}

export function waitForTaskToken(
  stateName: string,
  state: StateDefinition,
  deps: { readonly queueUrl: string; readonly queue: LocalQueue; readonly callbacks: CallbackServer; readonly registry: Registry },
): TaskEmulation {
  const { queue, callbacks, registry } = deps;
  const timeoutMs = (state.TimeoutSeconds ?? MAX_LOCAL_TIMEOUT_SECONDS) * 1000;
  const heartbeatMs = typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds * 1000 : undefined;
  return async (record, input) => {
    const { QueueUrl, MessageBody } = input as { QueueUrl?: string; MessageBody?: { TaskToken?: unknown } };
    if (QueueUrl !== deps.queueUrl) {
      throw new TaskError('SQS.QueueDoesNotExistException', `The specified queue does not exist: ${QueueUrl}`);
    }
    const token = MessageBody?.TaskToken;
    if (typeof token !== 'string') throw new TaskError('States.Runtime', 'the message carries no task token');
    record.tokens.add(token);
    const heartbeat = heartbeatMs === undefined ? undefined : heartbeatWatch(record, heartbeatMs, () => callbacks.expire(token));
    registry.byToken.set(token, record);
    const outcome = callbacks.waitFor(token, heartbeat ? { onHeartbeat: heartbeat.arm } : {});
    heartbeat?.arm();
    // Step Functions closes the token when the task times out: later answers are refused.
    const expiry = setTimeout(() => callbacks.expire(token), timeoutMs);
    record.timers.add(expiry);
    const body = typeof MessageBody === 'string' ? MessageBody : JSON.stringify(MessageBody);
    if (payloadBytes(body) > PAYLOAD_LIMIT_BYTES) {
      const { error, cause } = sqsMessageTooLong();
      throw new TaskError(error, cause);
    }
    registry.emitFromTask(record, stateName, { kind: 'message-sent', queue: queue.name, tokenPreview: tokenPreview(token) });
    queue.deliver(record, body, randomUUID(), token);
    let settled: CallbackOutcome;
    try {
      settled = await (heartbeat ? Promise.race([outcome, heartbeat.missed]) : outcome);
    } finally {
      heartbeat?.clear();
    }
    clearTimeout(expiry);
    record.timers.delete(expiry);
    if (settled.kind === 'failure') throw new TaskError(settled.error, settled.cause);
    return settled.output as never;
  };
}
