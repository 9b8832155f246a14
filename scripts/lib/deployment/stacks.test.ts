/**
 * Root-stack paths that moto 5 cannot run (nested stacks' outputs, custom resources that never
 * answer, failure events of nested stacks), tested with aws-sdk-client-mock.
 */
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  UpdateTerminationProtectionCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordingReporter } from '../../../test/support/reporter';
import { rootCause } from './stack-events';
import { deployStack, type StackRequest } from './stacks';

const ROOT_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/bellflower-root-stack-devl/1';
const NESTED_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/bellflower-root-stack-devl-BellflowerS3Bucket-X/2';

const request: StackRequest = {
  stackName: 'bellflower-root-stack-devl',
  templateUrl: 'https://artifacts.s3.us-east-1.amazonaws.com/bellflower/cft/bellflower-root-stack.yaml',
  parameters: { Environment: 'devl' },
  tags: { ProjectName: 'bellflower', Environment: 'devl' },
  includeNestedStacks: true,
};

let clock = Date.parse('2030-01-01T00:00:00Z');
function event(stack: 'root' | 'nested', logicalId: string, type: string, status: string, reason?: string, physical?: string): StackEvent {
  clock += 1000;
  return {
    EventId: `${stack}-${logicalId}-${status}-${clock}`,
    StackId: stack === 'root' ? ROOT_ID : NESTED_ID,
    StackName: stack === 'root' ? 'bellflower-root-stack-devl' : 'bellflower-root-stack-devl-BellflowerS3Bucket-X',
    LogicalResourceId: logicalId,
    ResourceType: type,
    ResourceStatus: status as StackEvent['ResourceStatus'],
    ...(reason ? { ResourceStatusReason: reason } : {}),
    ...(physical ? { PhysicalResourceId: physical } : {}),
    Timestamp: new Date(clock),
  };
}

describe('deployStack (aws-sdk-client-mock: moto cannot run the root stack)', () => {
  const cfn = mockClient(CloudFormationClient);
  const client = new CloudFormationClient({ region: 'us-east-1' });
  beforeEach(() => {
    cfn.reset();
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'cs-1', StackId: ROOT_ID });
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE' });
    cfn.on(ExecuteChangeSetCommand).resolves({});
  });
  afterEach(() => cfn.reset());
  afterAll(() => cfn.restore());

  it('fails with the nested stack\'s root cause, not "Embedded stack ... was not successfully created"', async () => {
    const before = event('root', 'bellflower-root-stack-devl', 'AWS::CloudFormation::Stack', 'UPDATE_COMPLETE');
    const rootEvents = [
      event('root', 'BellflowerS3Bucket', 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', undefined, NESTED_ID),
      event('root', 'BellflowerStateMachine', 'AWS::StepFunctions::StateMachine', 'UPDATE_FAILED', 'Resource update cancelled'),
    ];
    const nestedEvents = [
      event('nested', 'S3DataBucketCustomResource', 'Custom::S3CustomResource', 'UPDATE_FAILED', 'Received response status [FAILED] from custom resource. Message returned: AccessDenied'),
    ];
    rootEvents.push(
      event('root', 'BellflowerS3Bucket', 'AWS::CloudFormation::Stack', 'UPDATE_FAILED', 'Embedded stack arn:... was not successfully updated. Currently in UPDATE_ROLLBACK_IN_PROGRESS with reason: The following resource(s) failed to update: [S3DataBucketCustomResource].', NESTED_ID),
      event('root', 'bellflower-root-stack-devl', 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_COMPLETE'),
    );
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [{ StackName: request.stackName, StackId: ROOT_ID, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }] })
      .resolves({ Stacks: [{ StackName: request.stackName, StackId: ROOT_ID, StackStatus: 'UPDATE_ROLLBACK_COMPLETE', CreationTime: new Date() }] });
    cfn
      .on(DescribeStackEventsCommand, { StackName: request.stackName })
      .resolvesOnce({ StackEvents: [before] })
      .resolves({ StackEvents: [before, ...rootEvents].reverse() }); // newest first, as CloudFormation answers
    cfn.on(DescribeStackEventsCommand, { StackName: NESTED_ID }).resolves({ StackEvents: [...nestedEvents].reverse() });
    const reporter = recordingReporter();

    const promise = deployStack(client, request, { reporter, pollSeconds: 0.05 });

    await expect(promise).rejects.toThrow(
      'deploy of bellflower-root-stack-devl failed (UPDATE_ROLLBACK_COMPLETE); root cause: bellflower-root-stack-devl-BellflowerS3Bucket-X/S3DataBucketCustomResource (Custom::S3CustomResource) UPDATE_FAILED: Received response status [FAILED] from custom resource. Message returned: AccessDenied',
    );
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input).toMatchObject({
      ChangeSetType: 'UPDATE',
      IncludeNestedStacks: true,
      Capabilities: ['CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      Tags: [{ Key: 'ProjectName', Value: 'bellflower' }, { Key: 'Environment', Value: 'devl' }],
    });
    expect(reporter.lines).toContain(
      '  bellflower-root-stack-devl-BellflowerS3Bucket-X/S3DataBucketCustomResource (Custom::S3CustomResource) UPDATE_FAILED: Received response status [FAILED] from custom resource. Message returned: AccessDenied',
    );
  });

  it('rejects a stack in ROLLBACK_COMPLETE with an explanation unless replacing is asked for', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: request.stackName, StackId: ROOT_ID, StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date() }] });
    cfn.on(DescribeStackEventsCommand).resolves({
      StackEvents: [event('root', 'BellflowerSQSQueue', 'AWS::CloudFormation::Stack', 'CREATE_FAILED', 'Queue name already exists')],
    });

    await expect(deployStack(client, request)).rejects.toThrow(
      'stack bellflower-root-stack-devl is in ROLLBACK_COMPLETE: its creation failed (root cause: bellflower-root-stack-devl/BellflowerSQSQueue (AWS::CloudFormation::Stack) CREATE_FAILED: Queue name already exists) and CloudFormation cannot update it; run again with --replace-failed to delete and re-create it',
    );
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
    expect(cfn.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('replaces a stack in ROLLBACK_COMPLETE when asked, creates it and turns termination protection on', async () => {
    const failed = { StackName: request.stackName, StackId: ROOT_ID, StackStatus: 'ROLLBACK_COMPLETE' as const, CreationTime: new Date() };
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [failed] }) // deployStack: state
      .resolvesOnce({ Stacks: [failed] }) // deleteStack: state
      .resolvesOnce({ Stacks: [{ ...failed, StackStatus: 'DELETE_COMPLETE' }] }) // delete waiter
      .resolvesOnce({ Stacks: [{ ...failed, StackStatus: 'CREATE_COMPLETE' }] }) // create waiter
      .resolves({ Stacks: [{ ...failed, StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'BellflowerStepFunctionArn', OutputValue: 'arn:sm' }] }] });
    cfn.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });

    const result = await deployStack(client, request, { replaceFailed: true, terminationProtection: true, pollSeconds: 0.05 });

    expect(result).toEqual({ stackName: request.stackName, action: 'created', outputs: { BellflowerStepFunctionArn: 'arn:sm' }, changeSetName: 'cs-1' });
    expect(cfn.commandCalls(DeleteStackCommand)[0]!.args[0].input).toEqual({ StackName: ROOT_ID });
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.ChangeSetType).toBe('CREATE');
    expect(cfn.commandCalls(UpdateTerminationProtectionCommand)[0]!.args[0].input).toEqual({
      StackName: request.stackName,
      EnableTerminationProtection: true,
    });
  });

  it('passes the execution role as RoleARN to the change set and to the delete of a failed stack', async () => {
    const failed = { StackName: request.stackName, StackId: ROOT_ID, StackStatus: 'ROLLBACK_COMPLETE' as const, CreationTime: new Date() };
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [failed] })
      .resolvesOnce({ Stacks: [failed] })
      .resolvesOnce({ Stacks: [{ ...failed, StackStatus: 'DELETE_COMPLETE' }] })
      .resolves({ Stacks: [{ ...failed, StackStatus: 'CREATE_COMPLETE' }] });
    cfn.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    const roleArn = 'arn:aws:iam::111122223333:role/bellflower-devl-eu-west-1-cfn-exec';

    await deployStack(client, { ...request, roleArn }, { replaceFailed: true, pollSeconds: 0.05 });

    expect(cfn.commandCalls(DeleteStackCommand)[0]!.args[0].input).toEqual({ StackName: ROOT_ID, RoleARN: roleArn });
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.RoleARN).toBe(roleArn);
  });

  it('reports "no changes" for an empty change set and deletes it', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: request.stackName, StackId: ROOT_ID, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }] });
    cfn.on(DescribeChangeSetCommand).resolves({
      Status: 'FAILED',
      StatusReason: "The submitted information didn't contain changes. Submit different information to create a change set.",
    });
    const reporter = recordingReporter();

    const result = await deployStack(client, request, { reporter, pollSeconds: 0.05 });

    expect(result.action).toBe('no-changes');
    expect(reporter.lines).toEqual(['bellflower-root-stack-devl: no changes']);
    expect(cfn.commandCalls(DeleteChangeSetCommand)).toHaveLength(1);
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });
});

describe('rootCause', () => {
  it('falls back to the first failure when every reason is a consequence', () => {
    const only = event('root', 'A', 'AWS::CloudFormation::Stack', 'CREATE_FAILED', 'Resource creation cancelled');
    expect(rootCause([event('root', 'B', 'X', 'CREATE_COMPLETE'), only])).toBe(only);
    expect(rootCause([event('root', 'B', 'X', 'CREATE_COMPLETE')])).toBeUndefined();
  });
});
