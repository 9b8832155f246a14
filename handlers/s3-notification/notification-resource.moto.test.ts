import { CreateBucketCommand, GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { requireTool } from '../../test/support/tools';
import { cfnEvent } from '../shared/cfn-events';
import { useMotoBucket } from '../../test/support/moto-bucket';
import { RecordingLogger } from '../../test/support/recording-logger';
import { notificationId, notificationResource } from './notification-resource';
import { BUCKET, FUNCTION_ARN, PROPERTIES } from '../../test/support/notification-fixtures';

const OTHER_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:someone-else';

describe.runIf(requireTool('moto_server'))('notificationResource against moto', () => {
  const server = useMotoBucket(BUCKET);
  let s3: S3Client;
  let queueArn: string;

  beforeEach(async () => {
    s3 = server.s3;
    const sqs = new SQSClient(server.moto.clientConfig);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'audit' }));
    queueArn =
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
    // Someone else's notifications, which the resource must leave alone.
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: BUCKET,
        NotificationConfiguration: {
          QueueConfigurations: [{ Id: 'audit-queue', QueueArn: queueArn, Events: ['s3:ObjectRemoved:*'] }],
          LambdaFunctionConfigurations: [
            {
              Id: 'other-lambda',
              LambdaFunctionArn: OTHER_FUNCTION_ARN,
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'archive/' }] } },
            },
          ],
        },
      }),
    );
  });

  async function configuration() {
    return s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: BUCKET }));
  }

  it('adds its configuration on Create and replaces it on Update, leaving the others in place', async () => {
    const deps = { s3, logger: new RecordingLogger() };
    const create = cfnEvent('Create', PROPERTIES, { logicalId: 'BucketNotification' });

    const { physicalResourceId } = await notificationResource(create, deps);
    await notificationResource(
      cfnEvent('Update', { ...PROPERTIES, Suffix: '.txt' }, { logicalId: 'BucketNotification', physicalId: physicalResourceId }),
      deps,
    );

    const current = await configuration();
    expect(physicalResourceId).toBe(notificationId(create));
    expect(current.QueueConfigurations?.map((c) => c.Id)).toEqual(['audit-queue']);
    const lambdas = current.LambdaFunctionConfigurations ?? [];
    expect(lambdas.map((c) => [c.Id, c.LambdaFunctionArn])).toEqual([
      ['other-lambda', OTHER_FUNCTION_ARN],
      [physicalResourceId, FUNCTION_ARN],
    ]);
    // S3 answers "Prefix"/"Suffix", moto "prefix"/"suffix".
    expect(lambdas[1]?.Filter?.Key?.FilterRules?.map((r) => [r.Name?.toLowerCase(), r.Value])).toEqual([
      ['prefix', 'inbound'],
      ['suffix', '.txt'],
    ]);
  });

  it('moves its configuration on an Update to another bucket, keeping the current physical ID', async () => {
    const renamed = 'bellflower-integration-bucket-2';
    await s3.send(new CreateBucketCommand({ Bucket: renamed }));
    const deps = { s3, logger: new RecordingLogger() };
    const { physicalResourceId } = await notificationResource(cfnEvent('Create', PROPERTIES), deps);

    const updated = await notificationResource(
      cfnEvent('Update', { ...PROPERTIES, Bucket: renamed }, { physicalId: 'current-id', oldProperties: PROPERTIES }),
      deps,
    );

    expect(updated).toEqual({ physicalResourceId: 'current-id' });
    expect((await configuration()).LambdaFunctionConfigurations?.map((c) => c.Id)).toEqual(['other-lambda']);
    const moved = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: renamed }));
    expect(moved.LambdaFunctionConfigurations?.map((c) => c.Id)).toEqual([physicalResourceId]);
  });

  it('succeeds on an Update whose old bucket no longer exists', async () => {
    const deps = { s3, logger: new RecordingLogger() };

    const updated = await notificationResource(
      cfnEvent('Update', PROPERTIES, { physicalId: 'current-id', oldProperties: { ...PROPERTIES, Bucket: 'gone-bucket' } }),
      deps,
    );

    expect(updated).toEqual({ physicalResourceId: 'current-id' });
    expect((await configuration()).LambdaFunctionConfigurations?.map((c) => c.LambdaFunctionArn)).toEqual([
      OTHER_FUNCTION_ARN,
      FUNCTION_ARN,
    ]);
  });

  it('removes only its own configuration on Delete', async () => {
    const deps = { s3, logger: new RecordingLogger() };
    const { physicalResourceId } = await notificationResource(cfnEvent('Create', PROPERTIES), deps);

    await notificationResource(cfnEvent('Delete', PROPERTIES, { physicalId: physicalResourceId }), deps);

    const current = await configuration();
    expect(current.QueueConfigurations?.map((c) => c.Id)).toEqual(['audit-queue']);
    expect(current.LambdaFunctionConfigurations?.map((c) => c.Id)).toEqual(['other-lambda']);
  });

  it('treats a bucket that no longer exists as done on Delete', async () => {
    await expect(
      notificationResource(cfnEvent('Delete', { ...PROPERTIES, Bucket: 'gone-bucket' }), { s3, logger: new RecordingLogger() }),
    ).resolves.toEqual({ physicalResourceId: 'physical-1' });
  });

  it('rejects a Create that a foreign configuration overlaps, naming it and the fix, and changes nothing', async () => {
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: BUCKET,
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { Id: 'legacy-trigger', LambdaFunctionArn: OTHER_FUNCTION_ARN, Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'inbound/' }] } } },
          ],
        },
      }),
    );
    await expect(notificationResource(cfnEvent('Create', PROPERTIES), { s3, logger: new RecordingLogger() })).rejects.toThrow(
      new RegExp(`^bucket ${BUCKET} already has the notification configuration "legacy-trigger" \\(function ${OTHER_FUNCTION_ARN}, s3:ObjectCreated:Put on keys "inbound/\\*"\\), which overlaps ours .*Remove or narrow that configuration`),
    );
    expect((await configuration()).LambdaFunctionConfigurations?.map((c) => c.Id)).toEqual(['legacy-trigger']);
  });

  it('fails Create when the bucket does not exist', async () => {
    await expect(
      notificationResource(cfnEvent('Create', { ...PROPERTIES, Bucket: 'gone-bucket' }), { s3, logger: new RecordingLogger() }),
    ).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });
});
