/**
 * `cft/nested-stacks/sqs-stack.yaml`: the callback queue (task tokens for the integration
 * function) with its dead-letter queue, both KMS-encrypted and TLS only.
 */
import { cf } from './cloudform';
import { alarm, alarmConditions, deadLetterAlarm, DLQ_SUPPRESSIONS, encryptedQueue, tlsOnlyQueuePolicy } from './building-blocks';
import { output, physicalName, ref, sub, template } from './common';
import { SQS } from './logical-ids';
import { SQS_QUEUE_PARAMETERS } from './parameters';

/**
 * Age of the oldest callback message above which its alarm fires. The event source mapping hands a
 * message to the integration function within seconds; one older than this means the mapping is
 * disabled or the function keeps failing, about 2.5 h (5 receives x 1800 s) before the message
 * would reach the dead-letter queue and its alarm.
 */
export const OLDEST_MESSAGE_ALARM_SECONDS = 600;

/** Builds the SQS stack. */
export function buildSqsStack(): Record<string, unknown> {
  const kmsKey = sub('alias/${KmsMasterKeyAlias}');
  return template({
    description: 'Bellflower callback queue (task tokens for the integration function) with dead-letter queue.',
    groups: [
      { label: 'Project And Environment', parameters: ['ProjectName', 'Environment'] },
      { label: 'KMS', parameters: ['KmsMasterKeyAlias'] },
      { label: 'SQS', parameters: SQS_QUEUE_PARAMETERS },
      { label: 'Alarms', parameters: ['AlarmsEnabled', 'AlarmTopicArn'] },
    ],
    conditions: alarmConditions(),
    resources: {
      [SQS.deadLetterQueue]: encryptedQueue({
        name: physicalName('${SQSQueueBaseName}-dlq'),
        kmsKey,
        properties: { MessageRetentionPeriod: 1_209_600 },
        suppressions: DLQ_SUPPRESSIONS,
      }),
      // VisibilityTimeout: at least 6 times the integration function's timeout (see the parameter).
      [SQS.queue]: encryptedQueue({
        name: physicalName('${SQSQueueBaseName}'),
        kmsKey,
        properties: {
          DelaySeconds: ref('DelaySeconds'),
          MaximumMessageSize: ref('MaximumMessageSize'),
          MessageRetentionPeriod: ref('MessageRetentionPeriod'),
          ReceiveMessageWaitTimeSeconds: ref('ReceiveMessageWaitTimeSeconds'),
          VisibilityTimeout: ref('VisibilityTimeout'),
          RedrivePolicy: {
            deadLetterTargetArn: cf.Fn.GetAtt(SQS.deadLetterQueue, 'Arn'),
            maxReceiveCount: ref('MaxReceiveCount'),
          },
        },
      }),
      [SQS.policy]: tlsOnlyQueuePolicy([SQS.queue, SQS.deadLetterQueue]),
      [SQS.deadLetterAlarm]: deadLetterAlarm(
        physicalName('${SQSQueueBaseName}-dlq-messages'),
        'callback',
        cf.Fn.GetAtt(SQS.deadLetterQueue, 'QueueName'),
        ref('AlarmTopicArn'),
      ),
      [SQS.oldestMessageAlarm]: alarm({
        name: physicalName('${SQSQueueBaseName}-oldest-message'),
        description: `A callback message waited more than ${OLDEST_MESSAGE_ALARM_SECONDS} s: the event source mapping is disabled or the integration function keeps failing (see its log); the business application sees nothing under outbound/ yet.`,
        namespace: 'AWS/SQS',
        metric: 'ApproximateAgeOfOldestMessage',
        dimension: { Name: 'QueueName', Value: cf.Fn.GetAtt(SQS.queue, 'QueueName') },
        statistic: 'Maximum',
        threshold: OLDEST_MESSAGE_ALARM_SECONDS,
        topicArn: ref('AlarmTopicArn'),
      }),
    },
    outputs: {
      [SQS.queueUrl]: output('URL of the callback queue.', ref(SQS.queue)),
      [SQS.queueArn]: output('ARN of the callback queue.', cf.Fn.GetAtt(SQS.queue, 'Arn')),
      [SQS.deadLetterQueueUrl]: output('URL of the callback dead-letter queue.', ref(SQS.deadLetterQueue)),
      [SQS.deadLetterQueueArn]: output('ARN of the callback dead-letter queue.', cf.Fn.GetAtt(SQS.deadLetterQueue, 'Arn')),
    },
  });
}
