/**
 * Test support: CloudFormation custom-resource events for the resource cores' tests.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/** Properties as CloudFormation passes them (ServiceToken included). */
export type Properties = Record<string, unknown>;

const SERVICE_TOKEN = 'arn:aws:lambda:us-east-1:123456789012:function:custom-resource';

/** A Create, Update or Delete event with the given properties. */
export function cfnEvent(
  requestType: 'Create' | 'Update' | 'Delete',
  properties: Properties,
  options: { readonly physicalId?: string; readonly oldProperties?: Properties; readonly logicalId?: string } = {},
): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: SERVICE_TOKEN,
    ResponseURL: 'https://cloudformation-custom-resource-response.example/unused',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/bellflower-cross/1',
    RequestId: 'request-1',
    LogicalResourceId: options.logicalId ?? 'Resource',
    ResourceType: 'Custom::Resource',
    ResourceProperties: { ServiceToken: SERVICE_TOKEN, ...properties },
  };
  const physicalId = options.physicalId ?? 'physical-1';
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Delete') return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalId };
  return {
    ...common,
    RequestType: 'Update',
    PhysicalResourceId: physicalId,
    OldResourceProperties: { ServiceToken: SERVICE_TOKEN, ...(options.oldProperties ?? properties) },
  };
}
