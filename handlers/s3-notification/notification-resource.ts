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

/** The bucket's notifications cannot take ours as they are; the message names the configuration at fault and the fix. */
export class NotificationConflictError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotificationConflictError';
  }
}

/** One notification configuration of any kind, as far as overlap and destination go. */
interface AnyConfiguration {
  readonly Id?: string | undefined;
  readonly Events?: readonly string[] | undefined;
  readonly Filter?: { readonly Key?: { readonly FilterRules?: readonly { readonly Name?: string | undefined; readonly Value?: string | undefined }[] | undefined } | undefined } | undefined;
}

const filterValue = (c: AnyConfiguration, name: 'prefix' | 'suffix'): string =>
  c.Filter?.Key?.FilterRules?.find((r) => r.Name?.toLowerCase() === name)?.Value ?? '';

/** Event types overlap when equal or when one is the other's wildcard (`s3:ObjectCreated:*`). */
const eventsOverlap = (a: string, b: string): boolean =>
  a === b || (a.endsWith('*') && b.startsWith(a.slice(0, -1))) || (b.endsWith('*') && a.startsWith(b.slice(0, -1)));

/**
 * S3's rule for two configurations of one bucket: they may not share an event type for keys both
 * can match, i.e. when one prefix starts the other and one suffix ends the other
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html,
 * "Examples of valid and invalid configurations").
 */
export function overlaps(a: AnyConfiguration, b: AnyConfiguration): boolean {
  const sharesEvent = (a.Events ?? []).some((x) => (b.Events ?? []).some((y) => eventsOverlap(x, y)));
  const [pa, pb, sa, sb] = [filterValue(a, 'prefix'), filterValue(b, 'prefix'), filterValue(a, 'suffix'), filterValue(b, 'suffix')];
  return sharesEvent && (pa.startsWith(pb) || pb.startsWith(pa)) && (sa.endsWith(sb) || sb.endsWith(sa));
}

/** `"<Id>" (<kind> <destination>)` of a configuration, for the messages. */
function describeConfiguration(c: AnyConfiguration & { LambdaFunctionArn?: string | undefined; QueueArn?: string | undefined; TopicArn?: string | undefined }): string {
  const [kind, arn] = c.LambdaFunctionArn ? ['function', c.LambdaFunctionArn] : c.QueueArn ? ['queue', c.QueueArn] : ['topic', c.TopicArn ?? '?'];
  const keys = `keys "${filterValue(c, 'prefix')}*${filterValue(c, 'suffix')}"`;
  return `"${c.Id ?? '(no id)'}" (${kind} ${arn}, ${(c.Events ?? []).join(' ')} on ${keys})`;
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
  const foreign = [...others, ...(current.QueueConfigurations ?? []), ...(current.TopicConfigurations ?? [])];
  const clash = configuration ? foreign.find((c) => overlaps(c, configuration)) : undefined;
  if (configuration && clash) {
    throw new NotificationConflictError(
      `bucket ${bucket} already has the notification configuration ${describeConfiguration(clash)}, which overlaps ours ${describeConfiguration(configuration)}: S3 refuses two configurations sharing an event type for overlapping prefixes and suffixes. Remove or narrow that configuration (aws s3api get-bucket-notification-configuration --bucket ${bucket}, then put-bucket-notification-configuration without it) and deploy again`,
    );
  }
  try {
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
  } catch (error: unknown) {
    // S3 validates every destination of the whole configuration, also the ones we only write back.
    if ((error as { name?: unknown } | null)?.name === 'InvalidArgument' && /Unable to validate the following destination configurations/i.test(String((error as Error).message))) {
      throw new NotificationConflictError(
        `S3 cannot validate a destination of bucket ${bucket}'s notifications (deleted, or it no longer lets S3 send to it): ${[...foreign, ...(configuration ? [configuration] : [])].map(describeConfiguration).join('; ')}. Remove the configuration whose destination is gone (aws s3api put-bucket-notification-configuration --bucket ${bucket}) or restore the destination's permission for s3.amazonaws.com, then deploy again`,
        { cause: error },
      );
    }
    throw error;
  }
  deps.logger.info(configuration ? 'notification configuration put' : 'notification configuration removed', {
    bucket,
    notification_id: id,
    other_lambda_configurations: others.length,
  });
}
