import { describe, expect, it } from 'vitest';
import { InvalidPropertiesError } from '../shared/resource-properties';
import { lambdaConfiguration, notificationId } from './notification-resource';

const BUCKET = 'bellflower-integration-bucket';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:bellflower-integration-lambda-devl-us-east-1';
const PROPERTIES = {
  LambdaArn: FUNCTION_ARN,
  Bucket: BUCKET,
  NotificationEventName: 's3:ObjectCreated:*',
  Prefix: 'inbound',
  Suffix: '.json',
};

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

