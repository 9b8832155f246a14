/**
 * The emulator's CloudFormation stack life cycle on small templates (emulator/patches/
 * cloudformation_rollback.py and cloudformation_delete.py): a failed create rolls back, a failed
 * update rolls back, a delete goes in reverse dependency order with independent resources in
 * parallel, and a failed delete ends DELETE_FAILED while the others finish. A probe custom
 * resource (a function run by the emulator) logs every event it receives and answers as its
 * properties say.
 */
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../../test/support/tools';
import { EMULATOR_CREDENTIALS, startEmulator, type RunningEmulator } from './emulator';

/** Logs each event, waits DelayMs, answers FAILED for the request types in FailOn. */
const PROBE = `export const handler = async (event) => {
  const p = event.ResourceProperties;
  console.log('PROBE ' + JSON.stringify({ type: event.RequestType, id: event.LogicalResourceId, physical: event.PhysicalResourceId ?? null, value: p.Value, old: event.OldResourceProperties?.Value ?? null }));
  if (p.DelayMs) await new Promise((r) => setTimeout(r, Number(p.DelayMs)));
  const fail = String(p.FailOn ?? '').split(',').includes(event.RequestType);
  const physical = event.RequestType === 'Create' ? (fail ? 'failed-' + event.LogicalResourceId : event.LogicalResourceId + '-' + p.Value) : event.PhysicalResourceId;
  const body = JSON.stringify({ Status: fail ? 'FAILED' : 'SUCCESS', Reason: fail ? 'probe told to fail ' + event.RequestType : 'ok', PhysicalResourceId: physical, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId, Data: {} });
  await fetch(event.ResponseURL, { method: 'PUT', headers: { 'content-type': '' }, body });
};
`;

interface ProbeEvent {
  readonly type: string;
  readonly id: string;
  readonly physical: string | null;
  readonly value: string;
  readonly old: string | null;
}

describe.runIf(requireTool('moto_server'))('CloudFormation stack life cycle on the emulator (rollback, parallel delete)', () => {
  let emulator: RunningEmulator;
  let cfn: CloudFormationClient;
  let sqs: SQSClient;
  let logs: CloudWatchLogsClient;
  let probeArn: string;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    const config = { region: 'us-east-1', endpoint: emulator.endpoint, credentials: EMULATOR_CREDENTIALS };
    cfn = new CloudFormationClient(config);
    sqs = new SQSClient(config);
    logs = new CloudWatchLogsClient(config);
    const role = await new IAMClient(config).send(
      new CreateRoleCommand({
        RoleName: 'probe',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    const created = await new LambdaClient(config).send(
      new CreateFunctionCommand({
        FunctionName: 'probe',
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: role.Role!.Arn!,
        Timeout: 30,
        Code: { ZipFile: zipSync({ 'index.mjs': strToU8(PROBE) }) },
      }),
    );
    probeArn = created.FunctionArn!;
  }, 60_000);

  afterAll(async () => {
    await emulator?.stop();
  });

  const probe = (value: string, extra: Record<string, unknown> = {}, dependsOn?: string[]) => ({
    Type: 'Custom::Probe',
    ...(dependsOn ? { DependsOn: dependsOn } : {}),
    Properties: { ServiceToken: probeArn, Value: value, ...extra },
  });
  const queue = (name: string) => ({ Type: 'AWS::SQS::Queue', Properties: { QueueName: name } });
  const body = (resources: Record<string, unknown>) => JSON.stringify({ Resources: resources });

  async function status(stackName: string): Promise<string | undefined> {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return Stacks?.[0]?.StackStatus;
  }

  /** The stack's events, oldest first. */
  async function events(stackName: string): Promise<StackEvent[]> {
    const { StackEvents = [] } = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }));
    return [...StackEvents].reverse();
  }

  const line = (e: StackEvent) => `${e.LogicalResourceId} ${e.ResourceStatus}`;

  /**
   * What the probe received for one logical id, sorted: an invocation's logs are stored when it
   * ends, after its answer let CloudFormation go on (hence also expect.poll).
   */
  async function received(logicalId: string): Promise<string[]> {
    const { events: found = [] } = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/probe' }));
    return found
      .flatMap((e) => /PROBE (\{.*\})/.exec(e.message ?? '')?.[1] ?? [])
      .map((text) => JSON.parse(text) as ProbeEvent)
      .filter((e) => e.id === logicalId)
      .map((e) => `${e.type} ${e.value} (old ${e.old}) ${e.physical}`)
      .sort();
  }

  const queueNames = async () => ((await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).map((url) => url.split('/').pop());

  it('rolls back a failed create: what it created is deleted, the failed custom resource receives Delete with the id it answered', async () => {
    await cfn.send(
      new CreateStackCommand({
        StackName: 'create-fails',
        TemplateBody: body({ Queue: queue('rollback-queue'), Made: probe('a', {}, ['Queue']), Broken: probe('b', { FailOn: 'Create' }, ['Made']) }),
      }),
    );
    expect(await status('create-fails')).toBe('ROLLBACK_COMPLETE');
    const lines = (await events('create-fails')).map(line);
    expect(lines).toContain('Broken CREATE_FAILED');
    const rollback = lines.indexOf('create-fails ROLLBACK_IN_PROGRESS');
    expect(rollback).toBeGreaterThan(lines.indexOf('Broken CREATE_FAILED'));
    // Reverse dependency order: Broken, then Made, then the queue, then the stack's ROLLBACK_COMPLETE.
    const deleted = lines.slice(rollback).filter((l) => l.endsWith('DELETE_COMPLETE'));
    expect(deleted).toEqual(['Broken DELETE_COMPLETE', 'Made DELETE_COMPLETE', 'Queue DELETE_COMPLETE']);
    expect(lines.at(-1)).toBe('create-fails ROLLBACK_COMPLETE');
    const reason = (await events('create-fails')).find((e) => e.ResourceStatus === 'ROLLBACK_IN_PROGRESS')?.ResourceStatusReason;
    expect(reason).toBe('The following resource(s) failed to create: [Broken]. Rollback requested by user.');
    expect((await events('create-fails')).find((e) => line(e) === 'Broken CREATE_FAILED')?.ResourceStatusReason).toMatch(
      /^Received response status \[FAILED\] from custom resource\. Message returned: probe told to fail Create/,
    );
    await expect.poll(() => received('Broken')).toEqual(['Create b (old null) null', 'Delete b (old null) failed-Broken']);
    await expect.poll(() => received('Made')).toEqual(['Create a (old null) null', 'Delete a (old null) Made-a']);
    expect(await queueNames()).not.toContain('rollback-queue');
  });

  it('rolls back a failed update: the changed resource gets its old properties back (Update), the new one is deleted', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'update-fails', TemplateBody: body({ Kept: probe('v1') }) }));
    expect(await status('update-fails')).toBe('CREATE_COMPLETE');
    await cfn.send(
      new UpdateStackCommand({
        StackName: 'update-fails',
        TemplateBody: body({ Kept: probe('v2'), Added: queue('update-added'), Failing: probe('x', { FailOn: 'Create' }, ['Kept', 'Added']) }),
      }),
    );
    expect(await status('update-fails')).toBe('UPDATE_ROLLBACK_COMPLETE');
    // The update (v2, old v1), then its rollback (v1, old v2); the order is in the events below.
    await expect.poll(() => received('Kept')).toEqual(['Create v1 (old null) null', 'Update v1 (old v2) Kept-v1', 'Update v2 (old v1) Kept-v1']);
    await expect.poll(() => received('Failing')).toEqual(['Create x (old null) null', 'Delete x (old null) failed-Failing']);
    expect(await queueNames()).not.toContain('update-added');
    const lines = (await events('update-fails')).map(line);
    expect(lines.slice(lines.indexOf('update-fails UPDATE_ROLLBACK_IN_PROGRESS'))).toEqual([
      'update-fails UPDATE_ROLLBACK_IN_PROGRESS',
      'Kept UPDATE_IN_PROGRESS',
      'Kept UPDATE_COMPLETE',
      'update-fails UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      ...['Failing', 'Added'].flatMap((id) => [`${id} DELETE_IN_PROGRESS`, `${id} DELETE_COMPLETE`]),
      'update-fails UPDATE_ROLLBACK_COMPLETE',
    ]);
    // The stack is usable again: the same update without the failing resource succeeds.
    await cfn.send(new UpdateStackCommand({ StackName: 'update-fails', TemplateBody: body({ Kept: probe('v2') }) }));
    expect(await status('update-fails')).toBe('UPDATE_COMPLETE');
  });

  it('fails a rollback whose delete fails (ROLLBACK_FAILED, naming the resource)', async () => {
    await cfn.send(
      new CreateStackCommand({
        StackName: 'rollback-fails',
        TemplateBody: body({ Sticky: probe('s', { FailOn: 'Delete' }), Trigger: probe('t', { FailOn: 'Create' }, ['Sticky']) }),
      }),
    );
    expect(await status('rollback-fails')).toBe('ROLLBACK_FAILED');
    const all = await events('rollback-fails');
    expect(all.at(-1)?.ResourceStatusReason).toBe('The following resource(s) failed to delete: [Sticky]. ');
    expect(all.map(line)).toEqual(expect.arrayContaining(['Trigger DELETE_COMPLETE', 'Sticky DELETE_FAILED']));
  });

  it('fails an update rollback whose previous properties are refused (UPDATE_ROLLBACK_FAILED)', async () => {
    // The rollback sends Update with the old properties, which tell the probe to fail an Update.
    await cfn.send(new CreateStackCommand({ StackName: 'update-rollback-fails', TemplateBody: body({ Stubborn: probe('o', { FailOn: 'Update' }) }) }));
    await cfn.send(
      new UpdateStackCommand({
        StackName: 'update-rollback-fails',
        TemplateBody: body({ Stubborn: probe('n'), Breaker: probe('b', { FailOn: 'Create' }, ['Stubborn']) }),
      }),
    );
    expect(await status('update-rollback-fails')).toBe('UPDATE_ROLLBACK_FAILED');
    expect((await events('update-rollback-fails')).at(-1)?.ResourceStatusReason).toBe('The following resource(s) failed to roll back: [Stubborn]. ');
    await expect.poll(() => received('Breaker')).toEqual(['Create b (old null) null', 'Delete b (old null) failed-Breaker']);
  });

  it('keeps what a failed create made when rollback is disabled (CREATE_FAILED), and a delete then removes it', async () => {
    const { StackId: kept } = await cfn.send(
      new CreateStackCommand({
        StackName: 'kept',
        DisableRollback: true,
        TemplateBody: body({ KeptQueue: queue('kept-queue'), KeptBroken: probe('k', { FailOn: 'Create' }, ['KeptQueue']) }),
      }),
    );
    expect(await status('kept')).toBe('CREATE_FAILED');
    expect((await events('kept')).at(-1)?.ResourceStatusReason).toBe('The following resource(s) failed to create: [KeptBroken]. ');
    expect(await queueNames()).toContain('kept-queue');
    await expect.poll(() => received('KeptBroken')).toEqual(['Create k (old null) null']);
    await cfn.send(new DeleteStackCommand({ StackName: 'kept' }));
    expect(await status(kept!)).toBe('DELETE_COMPLETE');
    expect(await queueNames()).not.toContain('kept-queue');
    await expect.poll(() => received('KeptBroken')).toEqual(['Create k (old null) null', 'Delete k (old null) failed-KeptBroken']);
  });

  it('deletes independent resources in parallel, each after what depends on it', async () => {
    const { StackId: parallel } = await cfn.send(
      new CreateStackCommand({
        StackName: 'parallel',
        TemplateBody: body({
          Base: queue('parallel-base'),
          Left: probe('l', { DelayMs: 1500 }, ['Base']),
          Right: probe('r', { DelayMs: 1500 }, ['Base']),
        }),
      }),
    );
    expect(await status('parallel')).toBe('CREATE_COMPLETE');
    const started = Date.now();
    await cfn.send(new DeleteStackCommand({ StackName: 'parallel' }));
    // Both 1.5 s deletes ran at once (one after the other would take 3 s).
    expect(Date.now() - started).toBeLessThan(2900);
    // A deleted stack is described by its id only.
    const lines = (await events(parallel!)).map(line);
    const at = (l: string) => lines.indexOf(l);
    expect(Math.max(at('Left DELETE_IN_PROGRESS'), at('Right DELETE_IN_PROGRESS'))).toBeLessThan(Math.min(at('Left DELETE_COMPLETE'), at('Right DELETE_COMPLETE')));
    expect(at('Base DELETE_IN_PROGRESS')).toBeGreaterThan(Math.max(at('Left DELETE_COMPLETE'), at('Right DELETE_COMPLETE')));
    expect(lines.at(-1)).toBe('parallel DELETE_COMPLETE');
    expect(await status(parallel!)).toBe('DELETE_COMPLETE');
    expect(await queueNames()).not.toContain('parallel-base');
  });

  it('fails a delete whose resource fails (DELETE_FAILED, naming it) after the others finished, and keeps what it depends on', async () => {
    await cfn.send(
      new CreateStackCommand({
        StackName: 'delete-fails',
        TemplateBody: body({
          Held: queue('delete-held'),
          Stuck: probe('s', { FailOn: 'Delete' }, ['Held']),
          Free: queue('delete-free'),
          Sibling: probe('f', {}, ['Free']),
        }),
      }),
    );
    await cfn.send(new DeleteStackCommand({ StackName: 'delete-fails' }));
    expect(await status('delete-fails')).toBe('DELETE_FAILED');
    const all = await events('delete-fails');
    expect(all.at(-1)?.ResourceStatusReason).toBe('The following resource(s) failed to delete: [Stuck]. ');
    expect(all.map(line)).toEqual(expect.arrayContaining(['Stuck DELETE_FAILED', 'Sibling DELETE_COMPLETE', 'Free DELETE_COMPLETE']));
    expect(all.map(line)).not.toContain('Held DELETE_IN_PROGRESS');
    expect(await queueNames()).toContain('delete-held');
    expect(await queueNames()).not.toContain('delete-free');
  });
});
