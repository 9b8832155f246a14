/** `cft/nested-stacks/sns-stack.yaml`: the result topic (KMS, TLS only) and its e-mail subscription. */
import { cf } from './cloudform';
import { arnText, denyInsecureTransport, nagSuppressions, output, physicalName, policyDocument, ref, sub, tags, template } from './common';
import { SNS } from './logical-ids';
import { SNS_TOPIC_PARAMETERS } from './parameters';

/** Builds the SNS stack. */
export function buildSnsStack(): Record<string, unknown> {
  return template({
    description: 'Bellflower result topic (success and failure notifications) with e-mail subscription.',
    groups: [
      { label: 'Project And Environment', parameters: ['ProjectName', 'Environment'] },
      { label: 'KMS', parameters: ['KmsMasterKeyAlias'] },
      { label: 'SNS', parameters: SNS_TOPIC_PARAMETERS },
    ],
    resources: {
      [SNS.topic]: new cf.SNS.Topic({
        TopicName: physicalName('${SNSTopicBaseName}'),
        DisplayName: ref('SNSTopicDisplayName'),
        KmsMasterKeyId: sub('alias/${KmsMasterKeyAlias}'),
        Tags: tags(),
      }),
      [SNS.topicPolicy]: new cf.SNS.TopicPolicy({
        Topics: [ref(SNS.topic)],
        PolicyDocument: policyDocument(
          denyInsecureTransport('sns:Publish', [ref(SNS.topic)]),
          // The alarms of this deployment's account (AlarmsEnabled) notify this topic.
          {
            Sid: 'AllowAlarmsOfThisAccount',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: [ref(SNS.topic)],
            Condition: {
              StringEquals: { 'aws:SourceAccount': cf.Refs.AccountId },
              ArnLike: { 'aws:SourceArn': sub(arnText('cloudwatch', 'alarm:*')) },
            },
          },
        ),
      }),
      [SNS.subscription]: new cf.SNS.Subscription({
        TopicArn: ref(SNS.topic),
        Protocol: 'email',
        Endpoint: ref('SNSSubscriptionEmail'),
      }).metadata(
        nagSuppressions([
          'Serverless-SNSRedrivePolicy',
          'E-mail subscription: SNS retries delivery itself and failed deliveries show in the NumberOfNotificationsFailed metric; the state machine result is also in its execution history.',
        ]),
      ),
    },
    outputs: {
      [SNS.topicArn]: output('ARN of the result topic.', ref(SNS.topic), SNS.topicArn),
      [SNS.subscriptionArn]: output('ARN of the e-mail subscription.', ref(SNS.subscription)),
    },
  });
}
