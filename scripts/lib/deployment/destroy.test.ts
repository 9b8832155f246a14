/**
 * Destroy quiesces the workflow before it deletes the root stack (aws-sdk-client-mock: the order of
 * the calls and what is said).
 */
import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { GetEventSourceMappingCommand, GetFunctionConfigurationCommand, LambdaClient, ResourceNotFoundException, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { ListExecutionsCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DEVL_CONFIG } from '../../../test/support/config';
import { recordingReporter } from '../../../test/support/reporter';
import { createAwsClients } from '../core/aws';
import { withCfnRole } from '../core/config';
import { destroy } from './destroy';
import { STOPPED_BY_DESTROY } from './quiesce';

const config = DEVL_CONFIG;
const ROOT_ID = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/bellflower-root-stack-devl/1';
const STATE_MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:bellflower-state-machine-devl-eu-west-1';
const MAPPING = 'a1b2c3d4-5678-90ab-cdef-11111EXAMPLE';

const cfn = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const sfn = mockClient(SFNClient);
const sqs = mockClient(SQSClient);
// Class stubs reach every client of the worker: put them back for the next file.
afterAll(() => {
  cfn.restore();
  lambda.restore();
  sfn.restore();
  sqs.restore();
});
const clients = createAwsClients({ region: config.region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
/** Every call to the three services, in order. */
const calls: string[] = [];

beforeEach(() => {
  calls.length = 0;
  for (const mock of [cfn, lambda, sfn, sqs]) mock.reset();
  const noStack = Object.assign(new Error('Stack with id x does not exist'), { name: 'ValidationError' });
  let rootDeleted = false;
  cfn.on(DescribeStacksCommand).rejects(noStack);
  cfn.on(DescribeStacksCommand, { StackName: config.rootStackName }).callsFake(() => {
    if (rootDeleted) throw noStack;
    return { Stacks: [{ StackName: config.rootStackName, StackId: ROOT_ID, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] };
  });
  cfn.on(DescribeStacksCommand, { StackName: ROOT_ID }).resolves({
    Stacks: [{ StackName: config.rootStackName, StackId: ROOT_ID, StackStatus: 'DELETE_COMPLETE', CreationTime: new Date() }],
  });
  cfn.on(DescribeStackResourcesCommand, { StackName: config.rootStackName }).callsFake(() => {
    calls.push('DescribeStackResources');
    const resource = (LogicalResourceId: string, ResourceType: string, PhysicalResourceId: string) => ({ LogicalResourceId, ResourceType, PhysicalResourceId, ResourceStatus: 'CREATE_COMPLETE', Timestamp: new Date() });
    return {
      StackResources: [
        resource('BellflowerS3Bucket', 'AWS::CloudFormation::Stack', `${ROOT_ID}-s3`),
        resource('BellflowerIntegrationLambdaSQSEventSourceMapping', 'AWS::Lambda::EventSourceMapping', MAPPING),
        resource('BellflowerStateMachine', 'AWS::StepFunctions::StateMachine', STATE_MACHINE),
      ],
    };
  });
  cfn.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
  cfn.on(DeleteStackCommand).callsFake((input: { StackName: string }) => {
    calls.push(`DeleteStack ${input.StackName}`);
    rootDeleted = true;
    return {};
  });
  lambda.on(UpdateEventSourceMappingCommand).callsFake((input: { UUID: string; Enabled: boolean }) => {
    calls.push(`UpdateEventSourceMapping ${input.UUID} Enabled=${input.Enabled}`);
    return { UUID: input.UUID, State: 'Disabling' };
  });
  lambda.on(GetEventSourceMappingCommand).callsFake((input: { UUID: string }) => {
    calls.push(`GetEventSourceMapping ${input.UUID}`);
    return { UUID: input.UUID, State: 'Disabled', EventSourceArn: 'arn:aws:sqs:eu-west-1:111122223333:callbacks', FunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:integration' };
  });
  lambda.on(GetFunctionConfigurationCommand).resolves({ Timeout: 30 });
  sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/callbacks' });
  sqs.on(GetQueueAttributesCommand).callsFake(() => {
    calls.push('GetQueueAttributes ApproximateNumberOfMessagesNotVisible');
    return { Attributes: { ApproximateNumberOfMessagesNotVisible: '0' } };
  });
  sfn.on(ListExecutionsCommand).callsFake((input: { nextToken?: string; statusFilter?: string }) => {
    calls.push(`ListExecutions ${input.statusFilter}${input.nextToken ? ' (next page)' : ''}`);
    const execution = (name: string) => ({ executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${name}`, stateMachineArn: STATE_MACHINE, name, status: 'RUNNING' as const, startDate: new Date() });
    return input.nextToken ? { executions: [execution('e3')] } : { executions: [execution('e1'), execution('e2')], nextToken: 'page-2' };
  });
  sfn.on(StopExecutionCommand).callsFake((input: { executionArn: string }) => {
    calls.push(`StopExecution ${input.executionArn.split(':').at(-1)}`);
    return { stopDate: new Date() };
  });
});

describe('destroy quiesces the workflow first (aws-sdk-client-mock)', () => {
  it('disables the event source mapping, waits for its batches in flight, and stops every running execution before it deletes the root stack, saying how many', async () => {
    const reporter = recordingReporter();

    const result = await destroy({ config, clients, reporter, pollSeconds: 0.01 });

    expect(calls).toEqual([
      'DescribeStackResources',
      `UpdateEventSourceMapping ${MAPPING} Enabled=false`,
      `GetEventSourceMapping ${MAPPING}`,
      'GetQueueAttributes ApproximateNumberOfMessagesNotVisible',
      'ListExecutions RUNNING',
      'StopExecution e1',
      'StopExecution e2',
      'ListExecutions RUNNING (next page)',
      'StopExecution e3',
      `DeleteStack ${ROOT_ID}`,
    ]);
    expect(sfn.commandCalls(StopExecutionCommand)[0]!.args[0].input).toMatchObject(STOPPED_BY_DESTROY);
    expect(result.quiesced).toEqual({ mappingsDisabled: [MAPPING], executionsStopped: 3 });
    expect(result.deletedStacks).toEqual([config.rootStackName]);
    expect(reporter.lines).toContain('bellflower-state-machine-devl-eu-west-1: stopped 3 running executions');
    expect(reporter.lines.some((line) => line.includes(`event source mapping ${MAPPING}: disabled`))).toBe(true);
  });

  it('deletes the stacks as the recorded execution role (RoleARN)', async () => {
    const roleArn = 'arn:aws:iam::111122223333:role/bellflower-devl-eu-west-1-cfn-exec';

    await destroy({ config: { ...config, cfnExecutionRoleArn: roleArn }, clients, pollSeconds: 0.01 });
    expect(cfn.commandCalls(DeleteStackCommand).map((call) => call.args[0].input)).toEqual([{ StackName: ROOT_ID, RoleARN: roleArn }]);
  });

  it('deletes the stacks with the caller\'s credentials when no execution role is recorded (or --role-arn none)', async () => {
    await destroy({ config: withCfnRole({ ...config, cfnExecutionRoleArn: 'arn:aws:iam::111122223333:role/x' }, 'none'), clients, pollSeconds: 0.01 });
    expect(cfn.commandCalls(DeleteStackCommand).map((call) => call.args[0].input)).toEqual([{ StackName: ROOT_ID }]);
  });

  it('goes on when the mapping is already gone (a destroy retried after a partial delete)', async () => {
    lambda.on(UpdateEventSourceMappingCommand).rejects(new ResourceNotFoundException({ message: 'The resource you requested does not exist.', $metadata: {} }));

    const result = await destroy({ config, clients, pollSeconds: 0.01 });

    expect(result.quiesced.mappingsDisabled).toEqual([]);
    expect(result.deletedStacks).toEqual([config.rootStackName]);
  });

  it('rejects a protected stack (a production environment) before it disables or stops anything', async () => {
    cfn.on(DescribeStacksCommand, { StackName: config.rootStackName }).resolves({
      Stacks: [{ StackName: config.rootStackName, StackId: ROOT_ID, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), EnableTerminationProtection: true }],
    });

    await expect(destroy({ config, clients, pollSeconds: 0.01 })).rejects.toThrow(
      `stack ${config.rootStackName} has termination protection on; turn it off first: aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name ${config.rootStackName}`,
    );
    expect(calls).toEqual([]);
  });

  it('fails before deleting anything when the mapping cannot be disabled, naming it', async () => {
    lambda.on(UpdateEventSourceMappingCommand).rejects(Object.assign(new Error('User is not authorized to perform: lambda:UpdateEventSourceMapping'), { name: 'AccessDeniedException' }));

    await expect(destroy({ config, clients, pollSeconds: 0.01 })).rejects.toThrow(`cannot disable event source mapping ${MAPPING} before deleting ${config.rootStackName}`);
    expect(cfn.commandCalls(DeleteStackCommand)).toEqual([]);
  });
});
