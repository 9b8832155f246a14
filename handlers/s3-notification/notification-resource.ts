/**
 * Custom resource that connects the integration bucket to the integration function: puts one
 * Lambda notification (event, prefix and suffix filter) on Create and Update and removes it on
 * Delete. Its configuration carries a deterministic Id derived from the stack and logical ID, so
 * that it finds and replaces only its own entry; every other notification of the bucket (Lambda,
 * queue, topic, EventBridge) is read and written back unchanged. An Update that moves it to another
 * bucket removes it from the old one; an old bucket, or on Delete a bucket, that no longer exists
 * counts as done.
 * Properties: `LambdaArn`, `Bucket`, `NotificationEventName`, `Prefix`, `Suffix`.
 */
import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type Event,
  type LambdaFunctionConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { createHash } from 'node:crypto';
import type { CustomResourceResult } from '../shared/custom-resource';
import type { Logger } from '../shared/logger';
import { optionalStringProperty, stringProperty } from '../shared/resource-properties';

/** What the core needs. */
export interface NotificationDeps {
  readonly s3: S3Client;
  readonly logger: Logger;
}

/** The notification Id of a resource: stable for the life of the resource, unique per stack. */
export function notificationId(event: Pick<CloudFormationCustomResourceEvent, 'StackId' | 'LogicalResourceId'>): string {
  const digest = createHash('sha256').update(event.StackId).digest('hex').slice(0, 12);
  return `${event.LogicalResourceId}-${digest}`;
}

/** The Lambda notification configuration described by the resource properties. */
export function lambdaConfiguration(id: string, properties: Readonly<Record<string, unknown>>): LambdaFunctionConfiguration {
  const prefix = optionalStringProperty(properties, 'Prefix');
  const suffix = optionalStringProperty(properties, 'Suffix');
  const rules = [
    ...(prefix ? [{ Name: 'prefix' as const, Value: prefix }] : []),
    ...(suffix ? [{ Name: 'suffix' as const, Value: suffix }] : []),
  ];
  return {
    Id: id,
    LambdaFunctionArn: stringProperty(properties, 'LambdaArn'),
    Events: [stringProperty(properties, 'NotificationEventName') as Event],
    ...(rules.length > 0 ? { Filter: { Key: { FilterRules: rules } } } : {}),
  };
}

/** The custom resource's logic (see the module comment). */
export async function notificationResource(
  event: CloudFormationCustomResourceEvent,
  deps: NotificationDeps,
): Promise<CustomResourceResult> {
  const id = notificationId(event);
  if (event.RequestType === 'Delete') {
    const bucket = event.ResourceProperties.Bucket;
    if (typeof bucket === 'string' && bucket !== '') await replaceOwnConfiguration(bucket, id, undefined, deps);
    return { physicalResourceId: event.PhysicalResourceId };
  }
  const bucket = stringProperty(event.ResourceProperties, 'Bucket');
  const configuration = lambdaConfiguration(id, event.ResourceProperties);
  if (event.RequestType === 'Update') {
    const oldBucket = event.OldResourceProperties.Bucket;
    if (typeof oldBucket === 'string' && oldBucket !== '' && oldBucket !== bucket) {
      await replaceOwnConfiguration(oldBucket, id, undefined, deps);
    }
  }
  await replaceOwnConfiguration(bucket, id, configuration, deps);
  // Update keeps the current ID: a new one would make CloudFormation delete the old resource
  // afterwards, which would remove the configuration just put (it carries the same Id).
  return { physicalResourceId: event.RequestType === 'Update' ? event.PhysicalResourceId : id };
}

/**
 * Reads the bucket's notification configuration, drops the entry with `id`, adds `configuration`
 * (if any) and writes the result back. A missing bucket on removal counts as done.
 */
async function replaceOwnConfiguration(
  bucket: string,
  id: string,
  configuration: LambdaFunctionConfiguration | undefined,
  deps: NotificationDeps,
): Promise<void> {
  let current;
  try {
    current = await deps.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  } catch (error: unknown) {
    if (!configuration && (error as { name?: unknown } | null)?.name === 'NoSuchBucket') {
      deps.logger.info('bucket no longer exists: nothing to remove', { bucket });
      return;
    }
    throw error;
  }
  const others = (current.LambdaFunctionConfigurations ?? []).filter((c) => c.Id !== id);
  await deps.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        TopicConfigurations: current.TopicConfigurations,
        QueueConfigurations: current.QueueConfigurations,
        LambdaFunctionConfigurations: configuration ? [...others, configuration] : others,
        EventBridgeConfiguration: current.EventBridgeConfiguration,
      },
    }),
  );
  deps.logger.info(configuration ? 'notification configuration put' : 'notification configuration removed', {
    bucket,
    notification_id: id,
    other_lambda_configurations: others.length,
  });
}
