import { describe, expect, it } from 'vitest';
import type { CloudFormationCustomResourceEvent, S3Event, SQSEvent } from 'aws-lambda';
import { isS3Event, isSqsEvent } from '../../../handlers/integration/integrate';
import { ROOT, S3 } from '../../../templates/logical-ids';
import { renderTemplates } from '../../../templates/index';
import { PROPERTIES as FOLDERS_PROPERTIES } from '../../../test/support/folders-fixtures';
import { PROPERTIES as NOTIFICATION_PROPERTIES } from '../../../test/support/notification-fixtures';
import { EVENT_KINDS, sampleEvent } from './sample-events';

const ID = '0b5c2a1e-8f3d-4c6b-9a7e-1d2f3e4a5b6c';
const { objects } = renderTemplates();
/** The properties a template gives a custom resource, without those CloudFormation consumes itself. */
const templateProperties = (template: Record<string, unknown>, logicalId: string): string[] => {
  const resource = (template.Resources as Record<string, { Properties: Record<string, unknown> }>)[logicalId]!;
  return Object.keys(resource.Properties).filter((key) => key !== 'ServiceToken' && key !== 'ServiceTimeout').sort();
};
const propertyKeys = (event: CloudFormationCustomResourceEvent): string[] => Object.keys(event.ResourceProperties).filter((key) => key !== 'ServiceToken').sort();

describe('sample events', () => {
  it('gives the integration function an SQS batch whose message is the task token JSON the state machine sends', () => {
    const event = sampleEvent('sqs', { executionId: ID }) as SQSEvent;
    expect(isSqsEvent(event)).toBe(true);
    expect(isS3Event(event)).toBe(false);
    const body = JSON.parse(event.Records[0]!.body) as { Input: Record<string, unknown>; TaskToken: string };
    // asl/state-machine.ts: MessageBody { "Input.$": "$", "TaskToken.$": "$$.Task.Token" }, after processing added its fields.
    expect(Object.keys(body).sort()).toEqual(['Input', 'TaskToken']);
    expect(body.Input).toMatchObject({ execution_id: ID, info: expect.any(Array) });
  });

  it('gives the integration function an S3 ObjectCreated notification for inbound/<uuid>/success.json', () => {
    const event = sampleEvent('s3', { executionId: ID, bucket: 'my-bucket', region: 'eu-west-1' }) as S3Event;
    expect(isS3Event(event)).toBe(true);
    expect(event.Records[0]).toMatchObject({ eventName: 'ObjectCreated:Put', awsRegion: 'eu-west-1', s3: { bucket: { name: 'my-bucket' }, object: { key: `inbound/${ID}/success.json` } } });
  });

  it('gives the custom resources Create, Update and Delete requests with the properties the templates and the fixtures give them', () => {
    for (const requestType of ['Create', 'Update', 'Delete'] as const) {
      const folders = sampleEvent('cfn-folders', { requestType }) as CloudFormationCustomResourceEvent;
      const notification = sampleEvent('cfn-notification', { requestType }) as CloudFormationCustomResourceEvent;
      expect(folders.RequestType).toBe(requestType);
      expect(folders.LogicalResourceId).toBe(S3.folders);
      expect(notification.LogicalResourceId).toBe(ROOT.trigger);
      expect(propertyKeys(folders)).toEqual(templateProperties(objects.s3, S3.folders));
      expect(propertyKeys(folders)).toEqual(Object.keys(FOLDERS_PROPERTIES).sort());
      expect(propertyKeys(notification)).toEqual(templateProperties(objects.root, ROOT.trigger));
      expect(propertyKeys(notification)).toEqual(Object.keys(NOTIFICATION_PROPERTIES).sort());
      expect('PhysicalResourceId' in folders).toBe(requestType !== 'Create');
      expect('OldResourceProperties' in folders).toBe(requestType === 'Update');
    }
  });

  it('gives the processing function a JSON object, the execution input', () => {
    expect(sampleEvent('step-functions')).toEqual(expect.any(Object));
    expect(Object.keys(EVENT_KINDS)).toEqual(['sqs', 's3', 'cfn-folders', 'cfn-notification', 'step-functions']);
  });
});
