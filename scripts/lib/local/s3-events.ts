/**
 * S3 event notifications as AWS delivers them to a Lambda function: the record shape, the key
 * encoding and the prefix/suffix filter of the deployed notification (docs/original.md section 2,
 * BellflowerLambdaTrigger).
 */
import type { S3Event, S3EventRecord } from 'aws-lambda';

/** The filter of the deployed bucket notification: ObjectCreated, prefix `inbound`, suffix `.json`. */
export const INBOUND_NOTIFICATION = { prefix: 'inbound', suffix: '.json' } as const;

/** A prefix/suffix key filter. */
export interface KeyFilter {
  readonly prefix: string;
  readonly suffix: string;
}

/** True when S3 would deliver an ObjectCreated event for `key` under `filter`. */
export function matchesFilter(key: string, filter: KeyFilter = INBOUND_NOTIFICATION): boolean {
  return key.startsWith(filter.prefix) && key.endsWith(filter.suffix);
}

/** Encodes a key as S3 event records carry it: URL-encoded, a space written as `+`. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** What the engine knows of one created object. */
export interface CreatedObject {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly eTag?: string;
  /** @default 'ObjectCreated:Put' */
  readonly eventName?: string;
}

/** Builds the S3 event (one record) that S3 sends to the notification target. */
export function s3Event(object: CreatedObject, region: string, at: Date = new Date()): S3Event {
  const record: S3EventRecord = {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: at.toISOString(),
    eventName: (object.eventName ?? 'ObjectCreated:Put') as S3EventRecord['eventName'],
    userIdentity: { principalId: 'AWS:LOCAL' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'LOCAL', 'x-amz-id-2': 'LOCAL' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'bellflower-inbound-notification',
      bucket: {
        name: object.bucket,
        ownerIdentity: { principalId: 'LOCAL' },
        arn: `arn:aws:s3:::${object.bucket}`,
      },
      object: {
        key: encodeEventKey(object.key),
        size: object.size,
        eTag: object.eTag ?? '',
        sequencer: at.getTime().toString(16).toUpperCase(),
      },
    },
  };
  return { Records: [record] };
}
