/**
 * `cft/nested-stacks/sqs-stack.yaml`: the callback queue (task tokens for the integration
 * function) with its dead-letter queue, both KMS-encrypted and TLS only.
 */
import { cf } from './cloudform';
import { alarmConditions, deadLetterAlarm, DLQ_SUPPRESSIONS, encryptedQueue, tlsOnlyQueuePolicy } from './building-blocks';
import { output, physicalName, ref, sub, template } from './common';
import { SQS } from './logical-ids';
import { SQS_QUEUE_PARAMETERS } from './parameters';

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
    },
    outputs: {
      [SQS.queueUrl]: output('URL of the callback queue.', ref(SQS.queue)),
      [SQS.queueArn]: output('ARN of the callback queue.', cf.Fn.GetAtt(SQS.queue, 'Arn')),
      [SQS.deadLetterQueueUrl]: output('URL of the callback dead-letter queue.', ref(SQS.deadLetterQueue)),
      [SQS.deadLetterQueueArn]: output('ARN of the callback dead-letter queue.', cf.Fn.GetAtt(SQS.deadLetterQueue, 'Arn')),
    },
  });
}
