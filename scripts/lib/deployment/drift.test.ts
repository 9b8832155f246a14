import {
  CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { detectDrift, driftLines, hasDrift } from './drift';
import type { EnvironmentStack } from './environment-stacks';

const cloudFormation = new CloudFormationClient({ region: 'us-east-1' });
const cfn = mockClient(cloudFormation);
afterAll(() => cfn.restore());

const arn = (name: string) => `arn:aws:cloudformation:us-east-1:123456789012:stack/${name}/1`;
const STACKS: EnvironmentStack[] = [
  { role: 'cross', name: 'cross', stackId: arn('cross'), status: 'CREATE_COMPLETE' },
  { role: 'root', name: 'root', stackId: arn('root'), status: 'UPDATE_COMPLETE' },
  { role: 'nested', name: 'root-BellflowerSQS-1', logicalId: 'BellflowerSQS', stackId: arn('root-BellflowerSQS-1'), status: 'CREATE_COMPLETE' },
];
const fast = { pollSeconds: 0.001 };

beforeEach(() => {
  cfn.reset();
  cfn.on(DetectStackDriftCommand).callsFake((input: { StackName: string }) => ({ StackDriftDetectionId: `detection-${input.StackName.split('/')[1]}` }));
  cfn
    .on(DescribeStackDriftDetectionStatusCommand)
    .callsFake((input: { StackDriftDetectionId: string }) =>
      input.StackDriftDetectionId === 'detection-root-BellflowerSQS-1'
        ? { DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: 'DRIFTED' }
        : { DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: 'IN_SYNC' },
    );
  cfn.on(DescribeStackResourceDriftsCommand).resolves({ StackResourceDrifts: [] });
  cfn.on(DescribeStackResourceDriftsCommand, { StackName: arn('root-BellflowerSQS-1') }).resolves({
    StackResourceDrifts: [
      {
        StackId: arn('root-BellflowerSQS-1'),
        LogicalResourceId: 'BellflowerSQSQueue',
        PhysicalResourceId: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
        ResourceType: 'AWS::SQS::Queue',
        StackResourceDriftStatus: 'MODIFIED',
        Timestamp: new Date(0),
        PropertyDifferences: [{ PropertyPath: '/VisibilityTimeout', ExpectedValue: '1800', ActualValue: '30', DifferenceType: 'NOT_EQUAL' }],
      },
    ],
  });
});

describe('drift detection', () => {
  it('detects on the cross, root and each nested stack (a stack\'s detection skips its nested stacks) and reports the property differences', async () => {
    cfn.on(DescribeStackDriftDetectionStatusCommand, { StackDriftDetectionId: 'detection-cross' })
      .resolvesOnce({ DetectionStatus: 'DETECTION_IN_PROGRESS' })
      .resolves({ DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: 'IN_SYNC' });
    const results = await detectDrift({ cloudFormation, stacks: [...STACKS, { role: 'cross', name: 'gone', status: 'NOT_DEPLOYED' }], ...fast });
    expect(cfn.commandCalls(DetectStackDriftCommand).map((call) => call.args[0].input.StackName)).toEqual(STACKS.map((stack) => stack.stackId));
    expect(cfn.commandCalls(DescribeStackResourceDriftsCommand)[0]!.args[0].input.StackResourceDriftStatusFilters).toEqual(['MODIFIED', 'DELETED']);
    expect(results.map((result) => [result.stack.name, result.status])).toEqual([
      ['cross', 'IN_SYNC'],
      ['root', 'IN_SYNC'],
      ['root-BellflowerSQS-1', 'DRIFTED'],
    ]);
    expect(hasDrift(results)).toBe(true);
    expect(driftLines(results)).toEqual([
      'cross  cross: IN_SYNC',
      'root   root: IN_SYNC',
      'nested root-BellflowerSQS-1: DRIFTED',
      '  MODIFIED BellflowerSQSQueue AWS::SQS::Queue (https://sqs.us-east-1.amazonaws.com/123456789012/q)',
      '    NOT_EQUAL /VisibilityTimeout: expected 1800, actual 30',
      'drift: drifted (put the resources back as the templates say: a deploy without a template change leaves them; or change the templates to match)',
    ]);
  });

  it('reports a stack in sync as no drift', async () => {
    const results = await detectDrift({ cloudFormation, stacks: STACKS.slice(0, 2), ...fast });
    expect(hasDrift(results)).toBe(false);
    expect(driftLines(results).at(-1)).toBe('drift: every stack is in sync with its template');
  });

  it('keeps the reason of a failed (partial) detection', async () => {
    cfn.on(DescribeStackDriftDetectionStatusCommand).resolves({ DetectionStatus: 'DETECTION_FAILED', StackDriftStatus: 'UNKNOWN', DetectionStatusReason: 'Failed to detect drift on resource [Topic]' });
    const [result] = await detectDrift({ cloudFormation, stacks: STACKS.slice(0, 1), ...fast });
    expect(result).toMatchObject({ status: 'UNKNOWN', reason: 'Failed to detect drift on resource [Topic]' });
  });

  it('fails when no stack is deployed: nothing was checked', async () => {
    await expect(detectDrift({ cloudFormation, stacks: [{ role: 'root', name: 'root', status: 'NOT_DEPLOYED' }] })).rejects.toThrow(/no stack of this environment is deployed/);
  });

  it('fails with the reason when the endpoint does not implement drift detection', async () => {
    cfn.on(DetectStackDriftCommand).rejects(Object.assign(new Error('XML parse error'), { $metadata: { httpStatusCode: 500 } }));
    await expect(detectDrift({ cloudFormation, stacks: STACKS, customEndpoint: 'http://127.0.0.1:5000' })).rejects.toThrow(
      'the endpoint http://127.0.0.1:5000 does not implement CloudFormation drift detection (DetectStackDrift answered 500)',
    );
  });

  it('fails naming the stack when AWS refuses the detection', async () => {
    cfn.on(DetectStackDriftCommand).rejects(Object.assign(new Error('User is not authorized to perform: cloudformation:DetectStackDrift'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    await expect(detectDrift({ cloudFormation, stacks: STACKS.slice(0, 1) })).rejects.toThrow('cannot start drift detection on cross: User is not authorized to perform: cloudformation:DetectStackDrift');
  });
});
