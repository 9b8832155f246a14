/**
 * A deployment whose folders custom resource fails after writing a marker, on the emulator
 * (`bellflower emulator`: moto with Bellflower's patches) through the real commands: CloudFormation
 * rolls the root stack back to nothing (emulator/patches/cloudformation_rollback.py), the folders
 * function receiving Delete with the physical id of its FAILED answer and emptying the versioned
 * bucket, so that the bucket and every nested stack are deleted; destroy then leaves nothing.
 *
 * The failure is a real one: a folder name whose key is over S3's 1,024 bytes (KeyTooLongError,
 * emulator/patches/s3.py) after the first folder's marker (`inbound/`) was written.
 * In the e2e tier (its file name): it keeps both cores busy for about a minute.
 */
import { DescribeStackEventsCommand, DescribeStacksCommand, ListStacksCommand, type StackEvent } from '@aws-sdk/client-cloudformation';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_FAILED_MARKER } from '../handlers/shared/custom-resource';
import type { AwsClients } from '../scripts/lib/core/aws';
import { EMULATOR_CREDENTIALS } from '../scripts/lib/emulator/emulator';
import { ROOT, S3 } from '../templates/logical-ids';
import { bellflower, type Result } from './support/bellflower-cli';
import { SHIPPED_EMULATOR_CONFIG as shipped, startEmulatorSession, type EmulatorSession } from './support/emulator-session';
import { requireTool } from './support/tools';

const ROOT_STACK = 'bellflower-root-stack-devl';
const CROSS_STACK = 'bellflower-s3-custom-resource-stack-devl';
/** A folder whose marker key (`<folder>/`) is over the 1,024 bytes S3 allows. */
const TOO_LONG_FOLDER = 'f'.repeat(1100);

describe.runIf(requireTool('moto_server'))('a failed folders Create on the emulator rolls the deployment back to nothing', () => {
  let session: EmulatorSession;
  let clients: AwsClients;
  const command = (name: string, args: readonly string[] = []): Promise<Result> => bellflower([name, ...args], session.env);

  beforeAll(async () => {
    session = await startEmulatorSession('bellflower-rollback-');
    ({ clients } = session);
  }, 60_000);

  afterAll(async () => {
    await session?.stop();
  });

  async function eventsOf(stackIdOrName: string): Promise<StackEvent[]> {
    const { StackEvents = [] } = await clients.cloudFormation.send(new DescribeStackEventsCommand({ StackName: stackIdOrName }));
    return [...StackEvents].reverse();
  }

  it('ends the root stack ROLLBACK_COMPLETE with no nested stack and no integration bucket left', async () => {
    const published = await command('publish');
    expect(published.code, published.stderr).toBe(0);
    const deployed = await command('deploy', ['--require-approval', 'never', '--parameter', `S3DataBucketFolder=inbound,${TOO_LONG_FOLDER}`]);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(1);
    expect(deployed.stderr).toMatch(new RegExp(`deploy of ${ROOT_STACK} failed \\(ROLLBACK_COMPLETE\\); root cause: .*KeyTooLongError`));

    const { Stacks } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: ROOT_STACK }));
    expect(Stacks?.[0]?.StackStatus).toBe('ROLLBACK_COMPLETE');
    const rootEvents = await eventsOf(ROOT_STACK);
    expect(rootEvents.find((e) => e.ResourceStatus === 'ROLLBACK_IN_PROGRESS')?.ResourceStatusReason).toBe(
      `The following resource(s) failed to create: [${ROOT.s3Stack}]. Rollback requested by user.`,
    );
    // Every nested stack the attempt created is deleted, the failed S3 stack included.
    const { StackSummaries = [] } = await clients.cloudFormation.send(new ListStacksCommand({}));
    const nested = StackSummaries.filter((s) => s.StackName?.startsWith(`${ROOT_STACK}-`));
    expect(nested.length).toBeGreaterThan(0);
    expect(nested.filter((s) => s.StackStatus !== 'DELETE_COMPLETE').map((s) => `${s.StackName} ${s.StackStatus}`)).toEqual([]);

    // In the S3 stack: the folders resource failed, its rollback Delete carried the id of the
    // FAILED answer, the function emptied the bucket (inbound/ was written), and the bucket went.
    const s3StackId = rootEvents.find((e) => e.LogicalResourceId === ROOT.s3Stack && e.ResourceStatus === 'CREATE_FAILED')?.PhysicalResourceId;
    expect(s3StackId).toBeDefined();
    const s3Events = await eventsOf(s3StackId!);
    const folders = s3Events.filter((e) => e.LogicalResourceId === S3.folders);
    expect(folders.find((e) => e.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason).toMatch(/KeyTooLongError/);
    expect(folders.find((e) => e.ResourceStatus === 'DELETE_COMPLETE')?.PhysicalResourceId).toBe(CREATE_FAILED_MARKER);
    const lines = s3Events.map((e) => `${e.LogicalResourceId} ${e.ResourceStatus}`);
    expect(lines.indexOf(`${S3.folders} DELETE_COMPLETE`)).toBeLessThan(lines.indexOf(`${S3.bucket} DELETE_COMPLETE`));
    expect(lines).not.toContain(`${S3.bucket} DELETE_FAILED`);
    expect(s3Events.at(-1)?.ResourceStatus).toBe('DELETE_COMPLETE');
    const buckets = ((await clients.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name);
    expect(buckets).toEqual([shipped.artifactBucket]);
  }, 180_000);

  it('destroys the rolled-back root and the cross stack, leaving no stack, bucket, function or queue', async () => {
    const result = await command('destroy', ['--yes', '--delete-artifacts']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^deleted stacks: ${ROOT_STACK}, ${CROSS_STACK}$`, 'm'));
    const { StackSummaries = [] } = await clients.cloudFormation.send(new ListStacksCommand({}));
    expect(StackSummaries.filter((s) => s.StackStatus !== 'DELETE_COMPLETE')).toEqual([]);
    expect((await clients.s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
    const config = { region: clients.region, endpoint: session.emulator.endpoint, credentials: EMULATOR_CREDENTIALS };
    expect((await new LambdaClient(config).send(new ListFunctionsCommand({}))).Functions ?? []).toEqual([]);
    expect((await new SQSClient(config).send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([]);
  }, 120_000);
});
