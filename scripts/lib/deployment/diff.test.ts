/**
 * Nested change sets (IncludeNestedStacks) are not implemented by moto 5: the diff of the root
 * stack is tested with aws-sdk-client-mock.
 */
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { diffStack, formatChange } from './diff';

const request = {
  stackName: 'bellflower-root-stack-devl',
  templateUrl: 'https://a.s3.us-east-1.amazonaws.com/bellflower/cft/bellflower-root-stack.yaml',
  parameters: {},
  tags: {},
  includeNestedStacks: true,
};

describe('diffStack (aws-sdk-client-mock: moto has no nested change sets)', () => {
  const cfn = mockClient(CloudFormationClient);
  const client = new CloudFormationClient({ region: 'us-east-1' });
  afterEach(() => cfn.reset());
  afterAll(() => cfn.restore());

  it('lists changes inside nested stacks, flags IAM changes, deletes the change set and executes nothing', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: request.stackName, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }] });
    cfn.on(GetTemplateCommand).resolves({ TemplateBody: 'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n' });
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'root-cs' });
    cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'root-cs' }).resolves({
      Status: 'CREATE_COMPLETE',
      Changes: [
        {
          Type: 'Resource',
          ResourceChange: {
            Action: 'Modify',
            LogicalResourceId: 'BellflowerIAMRole',
            ResourceType: 'AWS::CloudFormation::Stack',
            Replacement: 'False',
            ChangeSetId: 'nested-cs',
            Details: [{ Target: { Attribute: 'Properties', Name: 'TemplateURL' } }],
          },
        },
      ],
    });
    cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'nested-cs' }).resolves({
      Changes: [
        {
          Type: 'Resource',
          ResourceChange: {
            Action: 'Modify',
            LogicalResourceId: 'BellflowerLambdaExecutionRole',
            ResourceType: 'AWS::IAM::Role',
            Replacement: 'False',
            Details: [{ Target: { Attribute: 'Properties', Name: 'Policies' } }],
          },
        },
      ],
    });

    const diff = await diffStack(client, request, { Resources: { Topic: { Type: 'AWS::SNS::Topic' }, Queue: { Type: 'AWS::SQS::Queue' } } }, { pollSeconds: 0.05 });

    expect(diff.status).toBe('changed');
    expect(diff.changes.map(formatChange)).toEqual([
      '[~] root/BellflowerIAMRole AWS::CloudFormation::Stack (Properties.TemplateURL)',
      '[~] root/BellflowerIAMRole/BellflowerLambdaExecutionRole AWS::IAM::Role (Properties.Policies)  <- IAM/security',
    ]);
    expect(diff.templateDiff).toContain('[+] AWS::SQS::Queue Queue');
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input).toMatchObject({ ChangeSetType: 'UPDATE', IncludeNestedStacks: true });
    expect(cfn.commandCalls(DeleteChangeSetCommand)[0]!.args[0].input).toEqual({ ChangeSetName: 'root-cs', StackName: request.stackName });
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('shows a missing stack as new without creating a change set', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id x does not exist'), { name: 'ValidationError' }));

    const diff = await diffStack(client, request, { Resources: { Queue: { Type: 'AWS::SQS::Queue' } } });

    expect(diff).toMatchObject({ status: 'new', changes: [] });
    expect(diff.templateDiff).toContain('[+] AWS::SQS::Queue Queue');
    expect(cfn.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
  });
});
