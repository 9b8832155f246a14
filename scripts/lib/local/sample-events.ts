/**
 * Sample events with the shapes the deployed functions receive, for `bellflower event <kind>` and
 * `bellflower invoke` (as `sam local generate-event` does for SAM). Each follows the AWS document
 * cited beside it; the handlers' own event guards accept them (sample-events.test.ts).
 */
import { randomUUID } from 'node:crypto';
import type { CloudFormationCustomResourceEvent, SQSEvent } from 'aws-lambda';
import { ROOT, S3 } from '../../../templates/logical-ids';
import { TRIGGER } from '../../../templates/root-stack';
import { s3Event } from './s3-events';

/** The kinds `bellflower event` prints, with what each is. */
export const EVENT_KINDS = {
  sqs: 'the SQS batch the integration function receives: one message carrying the task token JSON the state machine sends ({"Input": ..., "TaskToken": ...})',
  s3: 'the S3 ObjectCreated notification the integration function receives for inbound/<uuid>/success.json',
  'cfn-folders': 'a CloudFormation custom resource request (--request-type Create|Update|Delete) for the folders resource (the s3Folders function)',
  'cfn-notification': 'a CloudFormation custom resource request (--request-type Create|Update|Delete) for the notification resource (the s3Notification function)',
  'step-functions': 'the task input the processing function receives from the state machine (the execution input)',
} as const;

/** A kind of {@link EVENT_KINDS}. */
export type EventKind = keyof typeof EVENT_KINDS;

/** A custom resource request's type. */
export type RequestType = 'Create' | 'Update' | 'Delete';

/** What the samples are about. */
export interface SampleOptions {
  /** The execution UUID (`execution_id`). @default a fresh UUID */
  readonly executionId?: string;
  /** @default `bellflower-integration-devl-us-east-1` */
  readonly bucket?: string;
  /** @default us-east-1 */
  readonly region?: string;
  /** @default Create */
  readonly requestType?: RequestType;
}

const ACCOUNT = '123456789012';

/** True when `kind` is one of {@link EVENT_KINDS}. */
export function isEventKind(kind: string): kind is EventKind {
  return Object.hasOwn(EVENT_KINDS, kind);
}

/** The sample event of `kind`. */
export function sampleEvent(kind: EventKind, options: SampleOptions = {}): unknown {
  const executionId = options.executionId ?? randomUUID();
  const region = options.region ?? 'us-east-1';
  const bucket = options.bucket ?? `bellflower-integration-devl-${region}`;
  switch (kind) {
    case 'sqs':
      return sqsEvent(region, { execution_id: executionId, info: ['abcde'], status_code: 200 });
    case 's3':
      // The record the local engine delivers (s3-events.ts, structure 2.1 of
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
      return s3Event({ bucket, key: `${TRIGGER.prefix}/${executionId}/success.json`, size: 35, eTag: 'd41d8cd98f00b204e9800998ecf8427e' }, region, new Date(Date.UTC(2026, 0, 1)));
    case 'cfn-folders':
      return customResourceEvent(options.requestType ?? 'Create', region, 'Custom::S3CustomResource', S3.folders, `${bucket}-folders`, {
        bucket_name: bucket,
        folders_to_create: [TRIGGER.prefix, 'outbound'],
      });
    case 'cfn-notification':
      return customResourceEvent(options.requestType ?? 'Create', region, 'Custom::LambdaTrigger', ROOT.trigger, `${bucket}-notification`, {
        LambdaArn: `arn:aws:lambda:${region}:${ACCOUNT}:function:bellflower-integration-lambda-devl-${region}`,
        Bucket: bucket,
        NotificationEventName: TRIGGER.event,
        Prefix: TRIGGER.prefix,
        Suffix: TRIGGER.suffix,
      });
    case 'step-functions':
      // The processing task passes the execution input as is (`"Payload.$": "$"`, asl/state-machine.ts).
      return { order: 42 };
  }
}

/**
 * An SQS batch of one message whose body is what the "Wait For Response" state sends
 * (`{"Input.$": "$", "TaskToken.$": "$$.Task.Token"}`). Shape:
 * https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (Example standard queue message event).
 */
function sqsEvent(region: string, input: Record<string, unknown>): SQSEvent {
  const now = String(Date.UTC(2026, 0, 1));
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...',
        // A stand-in: a real task token is about 700 characters; SendTaskSuccess refuses this one.
        body: JSON.stringify({ Input: input, TaskToken: 'AQB8AAAAKgAAAAMAAAAAAAAAAV-sample-task-token' }),
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: now, SenderId: 'AIDAIENQZJOLO23YVJ4VO', ApproximateFirstReceiveTimestamp: now },
        messageAttributes: {},
        md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${region}:${ACCOUNT}:bellflower-callback-queue-devl-${region}`,
        awsRegion: region,
      },
    ],
  };
}

/**
 * A custom resource request: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html
 * (Update carries OldResourceProperties, Update and Delete the PhysicalResourceId). The
 * ResponseURL is a stand-in: the function's answer to it fails, as it would after the real one expired.
 */
function customResourceEvent(
  requestType: RequestType,
  region: string,
  resourceType: string,
  logicalId: string,
  physicalId: string,
  properties: Record<string, unknown>,
): CloudFormationCustomResourceEvent {
  const serviceToken = `arn:aws:lambda:${region}:${ACCOUNT}:function:bellflower-custom-resource-devl-${region}`;
  const common = {
    ServiceToken: serviceToken,
    ResponseURL: `https://cloudformation-custom-resource-response-${region.replace(/-/g, '')}.s3.amazonaws.com/sample`,
    StackId: `arn:aws:cloudformation:${region}:${ACCOUNT}:stack/bellflower-root-stack-devl/1b2c3d4e-5f60-7a8b-9c0d-e1f2a3b4c5d6`,
    RequestId: randomUUID(),
    LogicalResourceId: logicalId,
    ResourceType: resourceType,
    ResourceProperties: { ServiceToken: serviceToken, ...properties },
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Delete') return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalId };
  return { ...common, RequestType: 'Update', PhysicalResourceId: physicalId, OldResourceProperties: { ServiceToken: serviceToken, ...properties } };
}

/** The function of the workflow that receives each kind (what `bellflower invoke` should be given). */
export const EVENT_FUNCTIONS: Readonly<Record<EventKind, string>> = {
  sqs: 'integration',
  s3: 'integration',
  'cfn-folders': 's3Folders',
  'cfn-notification': 's3Notification',
  'step-functions': 'processing',
};
