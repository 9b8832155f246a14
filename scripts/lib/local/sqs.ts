/**
 * The SQS queue of the callback task and its event source mapping to the integration function:
 * the message (with the task token) delivered as an SQS event; a delivery that fails (the
 * invocation throws, or reports the message as a batch item failure) is delivered again after the
 * visibility timeout, until maxReceiveCount deliveries, then moved to the dead-letter queue.
 */
import type { SQSEvent, SQSBatchResponse } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { tokenPreview } from './callback-server';
import type { LambdaService } from './functions';
import { errorText } from './lambda';
import type { ExecutionRecord, Registry } from './registry';

/** The queue as the engine configures it. */
export interface QueueOptions {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutMs: number;
}

/** The queue with its event source mapping. */
export interface LocalQueue {
  readonly name: string;
  /** Delivers a message sent to the queue (the first delivery is immediate). */
  deliver(record: ExecutionRecord, body: string, messageId: string, token: string): void;
}

/** The SQS event of one delivery (one record). */
export function sqsEvent(options: QueueOptions, body: string, messageId: string, receiveCount: number): SQSEvent {
  const sentAt = Date.now();
  return {
    Records: [
      {
        messageId,
        receiptHandle: `${messageId}#${receiveCount}`,
        body,
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
          SentTimestamp: String(sentAt),
          SenderId: 'AROALOCAL:states',
          ApproximateFirstReceiveTimestamp: String(sentAt),
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: options.queueArn,
        awsRegion: options.region,
      },
    ],
  };
}

/** The queue, delivering to the integration function of `lambda`. */
export function localQueue(options: QueueOptions, registry: Registry, lambda: LambdaService): LocalQueue {
  const name = options.queueUrl.replace(/^.*\//, '');
  const deliver = (record: ExecutionRecord, body: string, messageId: string, receiveCount: number, token: string): void => {
    const event = sqsEvent(options, body, messageId, receiveCount);
    registry.track(
      (async () => {
        let failed: string | undefined;
        try {
          const result = (await lambda.invoke('integration', event)) as SQSBatchResponse | null;
          if (result?.batchItemFailures?.some((f) => f.itemIdentifier === messageId)) failed = 'reported as a batch item failure';
        } catch (error: unknown) {
          failed = errorText(error);
        }
        if (failed === undefined || record.ended) return;
        registry.emit(record, { kind: 'handler-failed', handler: 'integration', trigger: `SQS message (delivery ${receiveCount})`, error: failed });
        if (receiveCount >= options.maxReceiveCount) {
          registry.emit(record, { kind: 'note', text: `SQS message moved to the dead-letter queue after ${receiveCount} deliveries` });
          return;
        }
        registry.later(record, options.visibilityTimeoutMs, async () => {
          if (record.ended) return;
          registry.emit(record, { kind: 'message-sent', queue: name, tokenPreview: tokenPreview(token), receiveCount: receiveCount + 1 });
          deliver(record, body, messageId, receiveCount + 1, token);
        });
      })(),
    );
  };
  return { name, deliver: (record, body, messageId, token) => deliver(record, body, messageId, 1, token) };
}
