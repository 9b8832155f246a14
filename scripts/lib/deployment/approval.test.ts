/**
 * Deploy's approval step, kept change sets and rollback switch, on mocked CloudFormation (moto 5
 * has no nested change sets and cannot run the root stack).
 */
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type Change,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApprovalError, approvalGate, approvalLevel, changesNeedingApproval } from './approval';
import { diffKeptChangeSets, hasChanges, type ResourceChangeLine } from './diff';
import { recordingReporter } from '../../../test/support/reporter';
import { deployStack, type StackRequest } from './stacks';
import type { BellflowerConfig } from '../core/config';

const ROOT_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/bellflower-root-stack-devl/1';
const CHANGE_SET_ID = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/bellflower-20300101000000-abcdef/9';
const request: StackRequest = {
  stackName: 'bellflower-root-stack-devl',
  templateUrl: 'https://artifacts.s3.us-east-1.amazonaws.com/bellflower/cft/bellflower-root-stack.yaml',
  parameters: { Environment: 'devl' },
  tags: {},
  includeNestedStacks: true,
};

const resource = (action: 'Add' | 'Modify' | 'Remove', logicalId: string, type: string, property?: string, nested?: string): Change => ({
  Type: 'Resource',
  ResourceChange: {
    Action: action,
    LogicalResourceId: logicalId,
    ResourceType: type,
    ...(nested ? { ChangeSetId: nested } : {}),
    Details: property ? [{ Target: { Attribute: 'Properties', Name: property } }] : [],
  },
});

const line = (action: string, type: string, security: boolean): ResourceChangeLine => ({ stack: 'root', action, logicalId: 'X', type, properties: [], security });

describe('which changes need approval', () => {
  const changes = [line('Modify', 'AWS::Lambda::Function', false), line('Add', 'AWS::IAM::Role', true), line('Remove', 'AWS::IAM::Policy', true)];
  it('asks about additions and changes of IAM/security at broadening, every change at any-change, nothing at never', () => {
    expect(changesNeedingApproval('broadening', changes)).toEqual([changes[1]]);
    expect(changesNeedingApproval('any-change', changes)).toEqual(changes);
    expect(changesNeedingApproval('never', changes)).toEqual([]);
  });
});

describe('the approval level of an environment', () => {
  it('asks about every change of a production environment unless --require-approval is given; the name decides nothing', () => {
    expect(approvalLevel('broadening', true, { production: true })).toBe('any-change');
    expect(approvalLevel('broadening', true, {})).toBe('broadening');
    expect(approvalLevel('broadening', false, { production: true })).toBe('broadening');
    expect(approvalLevel('never', false, { production: true })).toBe('never');
  });
});

describe('deployStack with approval, kept change sets and no rollback (aws-sdk-client-mock)', () => {
  const cfn = mockClient(CloudFormationClient);
  const client = new CloudFormationClient({ region: 'us-east-1' });
  const existing = { StackName: request.stackName, StackId: ROOT_ID, StackStatus: 'UPDATE_COMPLETE' as const, CreationTime: new Date() };
  beforeEach(() => {
    cfn.reset();
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [existing] });
    cfn.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID, StackId: ROOT_ID });
    cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', ChangeSetId: CHANGE_SET_ID });
    // The root change set changes the IAM nested stack, whose change set adds a policy.
    cfn.on(DescribeChangeSetCommand, { ChangeSetName: CHANGE_SET_ID, StackName: request.stackName }).resolves({
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      ChangeSetId: CHANGE_SET_ID,
      Changes: [resource('Modify', 'BellflowerIAMRole', 'AWS::CloudFormation::Stack', 'TemplateURL', 'nested-cs'), resource('Modify', 'Fn', 'AWS::Lambda::Function', 'MemorySize')],
    });
    cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'nested-cs' }).resolves({ Changes: [resource('Modify', 'ProcessingRole', 'AWS::IAM::Role', 'Policies')] });
    cfn.on(ExecuteChangeSetCommand).resolves({});
    cfn.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
  });
  afterEach(() => cfn.reset());
  afterAll(() => cfn.restore());

  const gate = (answer: boolean | 'no terminal', level: 'never' | 'broadening' | 'any-change' = 'broadening') => {
    const reporter = recordingReporter();
    const questions: string[] = [];
    const approve = approvalGate({
      level,
      cloudFormation: client,
      reporter,
      interactive: answer !== 'no terminal',
      ask: async (question) => {
        questions.push(question);
        return answer === true;
      },
    });
    return { reporter, questions, approve };
  };

  it('shows the changes, nested ones included, and executes once a person approves the IAM change', async () => {
    const { reporter, questions, approve } = gate(true);

    const result = await deployStack(client, request, { approve, pollSeconds: 0.05 });

    expect(result).toMatchObject({ action: 'updated', changeSetName: 'bellflower-20300101000000-abcdef' });
    expect(questions).toEqual(['bellflower-root-stack-devl: deploy 1 IAM/security change(s) (ProcessingRole)?']);
    expect(reporter.lines).toEqual(
      expect.arrayContaining([
        'bellflower-root-stack-devl: 3 change(s) (update):',
        '  [~] root/BellflowerIAMRole/ProcessingRole AWS::IAM::Role (Properties.Policies)  <- IAM/security',
      ]),
    );
    expect(cfn.commandCalls(ExecuteChangeSetCommand)[0]!.args[0].input).toEqual({ ChangeSetName: CHANGE_SET_ID, StackName: request.stackName });
  });

  it('rejects an IAM change without a terminal, deleting the change set and executing nothing', async () => {
    const { approve } = gate('no terminal');

    await expect(deployStack(client, request, { approve, pollSeconds: 0.05 })).rejects.toThrow(
      /^bellflower-root-stack-devl: 1 IAM\/security change\(s\) \(ProcessingRole\) need approval and there is no terminal to ask; .* pass --require-approval never/,
    );
    expect(cfn.commandCalls(DeleteChangeSetCommand)[0]!.args[0].input).toEqual({ ChangeSetName: CHANGE_SET_ID, StackName: request.stackName });
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('rejects a change set the person declines, and executes without asking at never', async () => {
    const declined = gate(false);
    await expect(deployStack(client, request, { approve: declined.approve, pollSeconds: 0.05 })).rejects.toThrow(ApprovalError);
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);

    const never = gate('no terminal', 'never');
    await deployStack(client, request, { approve: never.approve, pollSeconds: 0.05 });
    expect(never.questions).toEqual([]);
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(1);
  });

  it('keeps the change set under the given name without asking or executing (--no-execute)', async () => {
    const { approve, questions } = gate(true);
    const reporter = recordingReporter();

    const result = await deployStack(client, request, { approve, reporter, execute: false, changeSetName: 'bellflower-20300101000000-abcdef', pollSeconds: 0.05 });

    expect(result).toMatchObject({ action: 'change-set-kept', changeSetName: 'bellflower-20300101000000-abcdef' });
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.ChangeSetName).toBe('bellflower-20300101000000-abcdef');
    expect(questions).toEqual([]);
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(cfn.commandCalls(DeleteChangeSetCommand)).toHaveLength(0);
    expect(reporter.lines).toEqual(['bellflower-root-stack-devl: change set bellflower-20300101000000-abcdef created and kept (not executed)']);
  });

  it('executes a kept change set without creating one, with rollback disabled (--change-set, --no-rollback)', async () => {
    const { approve } = gate(true);

    await deployStack(client, request, { approve, existingChangeSet: 'bellflower-20300101000000-abcdef', disableRollback: true, pollSeconds: 0.05 });

    expect(cfn.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
    expect(cfn.commandCalls(ExecuteChangeSetCommand)[0]!.args[0].input).toEqual({ ChangeSetName: CHANGE_SET_ID, StackName: request.stackName, DisableRollback: true });
  });

  it('rejects a kept change set that cannot run, and leaves a stack without one as it is', async () => {
    cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'stale', StackName: request.stackName }).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'OBSOLETE' });
    await expect(deployStack(client, request, { existingChangeSet: 'stale' })).rejects.toThrow(
      'change set stale of bellflower-root-stack-devl cannot be executed (CREATE_COMPLETE, OBSOLETE); create a new one with deploy --no-execute',
    );
    cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'gone', StackName: request.stackName }).rejects(Object.assign(new Error('ChangeSet [gone] does not exist'), { name: 'ChangeSetNotFoundException' }));
    expect(await deployStack(client, request, { existingChangeSet: 'gone' })).toMatchObject({ action: 'no-change-set' });
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('shows a kept change set with diff and says when there are changes (diff --change-set, --fail)', async () => {
    const config = { crossStackName: 'bellflower-s3-custom-resource-stack-devl', rootStackName: request.stackName } as BellflowerConfig;
    cfn.on(DescribeStacksCommand, { StackName: config.crossStackName }).resolves({ Stacks: [{ ...existing, StackName: config.crossStackName }] });
    cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'kept', StackName: config.crossStackName }).rejects(Object.assign(new Error('ChangeSet [kept] does not exist'), { name: 'ChangeSetNotFoundException' }));
    cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'kept', StackName: request.stackName }).resolves({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', ChangeSetId: CHANGE_SET_ID });

    const diffs = await diffKeptChangeSets({ config, clients: { cloudFormation: client }, changeSetName: 'kept' });

    expect(diffs.map((diff) => [diff.stackName, diff.status, diff.changes.length])).toEqual([
      ['bellflower-s3-custom-resource-stack-devl', 'no-change-set', 0],
      ['bellflower-root-stack-devl', 'changed', 3],
    ]);
    expect(hasChanges(diffs)).toBe(true);
    expect(hasChanges([diffs[0]!])).toBe(false);
    expect(cfn.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
    expect(cfn.commandCalls(DeleteChangeSetCommand)).toHaveLength(0);
  });
});
