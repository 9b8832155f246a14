/**
 * SNS for local runs: `arn:aws:sns:publish` to the workflow's topic is captured as a
 * `notification` entry of the timeline (nothing is sent).
 */
import { randomUUID } from 'node:crypto';
import { TaskError } from './definition';
import type { TaskEmulation } from './lambda-integration';
import type { Registry } from './registry';

export function snsPublish(stateName: string, topicArn: string, registry: Registry): TaskEmulation {
  return async (record, input) => {
    const { TopicArn, Subject, Message } = input as { TopicArn?: string; Subject?: string; Message?: unknown };
    if (TopicArn !== topicArn) throw new TaskError('SNS.NotFoundException', `Topic does not exist: ${TopicArn}`);
    const message = typeof Message === 'string' ? Message : JSON.stringify(Message);
    registry.emitFromTask(record, stateName, { kind: 'notification', subject: Subject ?? '', message });
    return { MessageId: randomUUID(), SdkHttpMetadata: { HttpStatusCode: 200 } };
  };
}
