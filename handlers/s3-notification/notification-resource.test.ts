import { GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../test/support/recording-logger';
import { cfnEvent } from '../shared/cfn-events';
import { InvalidPropertiesError } from '../shared/resource-properties';
import { lambdaConfiguration, NotificationConflictError, notificationId, notificationResource, overlaps } from './notification-resource';
import { FUNCTION_ARN, PROPERTIES } from '../../test/support/notification-fixtures';

describe('notificationId', () => {
  it('is stable for a resource and differs between stacks', () => {
    const a = notificationId({ StackId: 'stack/a', LogicalResourceId: 'Notification' });
    expect(notificationId({ StackId: 'stack/a', LogicalResourceId: 'Notification' })).toBe(a);
    expect(notificationId({ StackId: 'stack/b', LogicalResourceId: 'Notification' })).not.toBe(a);
    expect(a).toMatch(/^Notification-[0-9a-f]{12}$/);
  });
});

describe('lambdaConfiguration', () => {
  it('builds the event, prefix and suffix filter', () => {
    expect(lambdaConfiguration('id', PROPERTIES)).toEqual({
      Id: 'id',
      LambdaFunctionArn: FUNCTION_ARN,
      Events: ['s3:ObjectCreated:*'],
      Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'inbound' }, { Name: 'suffix', Value: '.json' }] } },
    });
    expect(lambdaConfiguration('id', { ...PROPERTIES, Prefix: '', Suffix: undefined }).Filter).toBeUndefined();
  });

  it('rejects missing LambdaArn or NotificationEventName', () => {
    expect(() => lambdaConfiguration('id', { ...PROPERTIES, LambdaArn: '' })).toThrow(InvalidPropertiesError);
    expect(() => lambdaConfiguration('id', { ...PROPERTIES, NotificationEventName: undefined })).toThrow(
      /NotificationEventName/,
    );
  });
});

describe('overlapping configurations (S3\'s rule, which moto does not apply)', () => {
  const ours = lambdaConfiguration('ours', PROPERTIES);
  const other = (Events: string[], prefix?: string, suffix?: string) => ({
    Id: 'other',
    Events,
    Filter: { Key: { FilterRules: [...(prefix ? [{ Name: 'Prefix', Value: prefix }] : []), ...(suffix ? [{ Name: 'Suffix', Value: suffix }] : [])] } },
  });

  it('finds a shared event type on keys both can match', () => {
    expect(overlaps(other(['s3:ObjectCreated:Put'], 'inbound/'), ours)).toBe(true);
    expect(overlaps(other(['s3:ObjectCreated:*']), ours)).toBe(true);
    expect(overlaps(other(['s3:ObjectCreated:*'], 'in', 'n.json'), ours)).toBe(true);
  });

  it('lets other events, prefixes or suffixes be', () => {
    expect(overlaps(other(['s3:ObjectRemoved:*'], 'inbound'), ours)).toBe(false);
    expect(overlaps(other(['s3:ObjectCreated:*'], 'archive/'), ours)).toBe(false);
    expect(overlaps(other(['s3:ObjectCreated:*'], 'inbound', '.txt'), ours)).toBe(false);
  });

  it('rejects a foreign configuration that names a deleted destination, naming it and the fix instead of S3\'s raw error', async () => {
    const s3 = new S3Client({ region: 'us-east-1' });
    const mock = mockClient(s3);
    mock.on(GetBucketNotificationConfigurationCommand).resolves({
      QueueConfigurations: [{ Id: 'audit-queue', QueueArn: 'arn:aws:sqs:us-east-1:123456789012:deleted', Events: ['s3:ObjectRemoved:*'] }],
    });
    mock.on(PutBucketNotificationConfigurationCommand).rejects(
      Object.assign(new Error('Unable to validate the following destination configurations'), { name: 'InvalidArgument' }),
    );
    const failure = notificationResource(cfnEvent('Create', PROPERTIES), { s3, logger: new RecordingLogger() });
    await expect(failure).rejects.toBeInstanceOf(NotificationConflictError);
    await expect(failure).rejects.toThrow(
      /S3 cannot validate a destination of bucket bellflower-integration-bucket's notifications .*"audit-queue" \(queue arn:aws:sqs:us-east-1:123456789012:deleted, .*Remove the configuration whose destination is gone/,
    );
  });
});

