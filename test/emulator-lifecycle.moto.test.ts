/**
 * The README's real-deployment flow on the local emulator (`bellflower emulator`: moto with
 * Bellflower's patches), through the real commands (`bin/bellflower.mjs <command>`, what
 * `npm run <command>` runs) with the settings the emulator prints: publish, deploy both stacks, a
 * success, a business failure, a processing failure and a timeout, a redeploy with no changes, an
 * update of a parameter, then destroy while executions wait and start, with nothing left. No AWS account, no Docker: everything is
 * on 127.0.0.1.
 *
 * The test's own copy of config/emulator/devl.json (BELLFLOWER_CONFIG_DIR) shortens the callback
 * timeout; the build goes to a temporary dist (BELLFLOWER_DIST_DIR), so the project's dist/ is
 * left alone.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeStackResourcesCommand, DescribeStacksCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetEventSourceMappingCommand, GetFunctionConfigurationCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListBucketsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../scripts/lib/core/aws';
import { EMULATOR_CREDENTIALS, EMULATOR_KNOWN_GAPS, type RunningEmulator } from '../scripts/lib/emulator/emulator';
import { bellflower, type Result } from './support/bellflower-cli';
import { startEmulatorSession, type EmulatorSession } from './support/emulator-session';
import { requireTool } from './support/tools';

const ROOT = resolve(import.meta.dirname, '..');
/** Short enough for the timeout execution, long enough for respond to answer the others under load. */
const CALLBACK_TIMEOUT_SECONDS = 15;
/**
 * Every SQS batch starts this long after it was received (emulator/patches/sqs_poller.py): a batch
 * is still in flight for that long after the mapping is disabled, as a slow one is in AWS.
 */
const SQS_BATCH_DELAY_MS = 4000;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe.runIf(requireTool('moto_server'))('the README deployment flow on the emulator (bellflower emulator, its exported settings)', () => {
  let session: EmulatorSession;
  let emulator: RunningEmulator;
  let clients: AwsClients;
  let workDir: string;
  let env: NodeJS.ProcessEnv;

  /** Runs `bellflower <command> <args>` (what `npm run <command> -- <args>` runs, without npm's start-up). */
  const command = (name: string, args: readonly string[] = []): Promise<Result> => bellflower([name, ...args], env);

  /** Like {@link command}, failing with the command's own output when it does not exit 0. */
  async function succeed(name: string, args: readonly string[] = []): Promise<string> {
    const result = await command(name, args);
    if (result.code !== 0) throw new Error(`${name} exited ${result.code}: ${result.stderr.trim()}\n${result.stdout.trim()}`);
    return result.stdout;
  }

  /** start-execution: the execution ARN (always printed first) and, once the outbound files exist, its id. */
  async function startExecution(input: unknown): Promise<{ arn: string; id?: string; result: Result }> {
    const result = await command('start-execution', ['--input', JSON.stringify(input), '--wait', '60']);
    const arn = /^execution: (\S+)$/m.exec(result.stdout)?.[1];
    if (!arn) throw new Error(`start-execution printed no execution ARN: ${result.stderr.trim()}`);
    const id = /^execution id: (\S+)$/m.exec(result.stdout)?.[1];
    return { arn, ...(id !== undefined ? { id } : {}), result };
  }

  beforeAll(async () => {
    session = await startEmulatorSession('bellflower-emulator-', { callbackTimeoutSeconds: CALLBACK_TIMEOUT_SECONDS }, { sqsBatchDelayMs: SQS_BATCH_DELAY_MS });
    ({ emulator, clients, workDir, env } = session);
  }, 60_000);

  afterAll(async () => {
    await session?.stop();
  });

  it('publishes the artifacts and deploys the cross stack and the root stack', async () => {
    expect(await succeed('publish')).toMatch(/^published 17 artifacts to s3:\/\/bellflower-artifacts-emulator\/bellflower\/ \(17 uploaded, 0 unchanged\)/m);
    // The IAM table of the new cross stack is drawn to the output's width: no action, principal or
    // condition is cut (the lines are wrapped inside the table instead).
    const diff = await succeed('diff');
    const iamTable = /IAM Statement Changes\n([\s\S]*?)\n\n/.exec(diff)?.[1] ?? '';
    expect(iamTable).toMatch(/^┌/);
    expect(iamTable).not.toMatch(/characters\)/);
    expect(iamTable).toMatch(/│ Allow  │ xray:PutTelemetryRecords +│/);
    expect(iamTable).toMatch(/│ +│ +│ xray:PutTraceSegments +│/);
    const deployed = await succeed('deploy', ['--require-approval', 'never']);
    expect(deployed).toMatch(/^BellflowerStepFunctionArn = arn:aws:states:us-east-1:\d{12}:stateMachine:bellflower-state-machine-devl-us-east-1$/m);
    expect(deployed).toMatch(/^BellflowerS3BucketName = bellflower-integration-bucket-devl-us-east-1$/m);
    for (const name of ['bellflower-s3-custom-resource-stack-devl', 'bellflower-root-stack-devl']) {
      const { Stacks } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: name }));
      expect(Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
    }
    // The cross stack's exports reached the root stack (imports), and the folders custom resource ran.
    const { Stacks } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: 'bellflower-s3-custom-resource-stack-devl' }));
    expect((Stacks?.[0]?.Outputs ?? []).map((o) => o.ExportName).sort()).toEqual([
      'bellflower-s3-custom-resource-stack-devl-S3CreateFolderCustomResourceLambdaFunctionArn',
      'bellflower-s3-custom-resource-stack-devl-S3CustomResourceLambdaFunctionExecutionRoleArn',
      'bellflower-s3-custom-resource-stack-devl-S3NoticationCustomResourceLambdaFunctionArn',
      'bellflower-s3-custom-resource-stack-devl-S3NotificationCustomResourceLambdaFunctionExecutionRoleArn',
    ]);
  }, 90_000);

  it('runs a success, a business failure, a processing failure and a timeout end to end', async () => {
    const watch = (arn: string) => command('watch', [arn, '--poll', '0.5']);
    // The four flows run side by side, each as a user would run it: start, answer (or not), watch.
    const [success, businessFailure, processingFailure, timeout] = await Promise.all([
      (async () => {
        const started = await startExecution({ order: 1 });
        expect(started.id).toMatch(UUID);
        // The execution's name (the last part of its ARN) is a UUID too: respond takes it as well.
        const name = started.arn.split(':').pop()!;
        expect(name).toMatch(UUID);
        expect(name).not.toBe(started.id);
        const answered = await succeed('respond', [name, '--body', '{"approved":true,"reference":"PO-1"}']);
        expect(answered).toMatch(/^wrote s3:\/\/bellflower-integration-bucket-devl-us-east-1\/inbound\/[0-9a-f-]{36}\/success\.json$/m);
        return { ...(await watch(started.arn)), arn: started.arn };
      })(),
      (async () => {
        const started = await startExecution({ order: 2 });
        expect(await succeed('respond', [started.id!, '--failure', 'order rejected'])).toMatch(/\/failure\.json$/m);
        // watch takes the execution_id (the outbound folder's name) as well as the ARN and the name.
        return watch(started.id!);
      })(),
      (async () => {
        // No outbound files are ever written: start-execution says so and fails.
        const started = await startExecution({ order: 3, simulateFailure: true });
        expect(started.result.code).toBe(1);
        expect(started.result.stderr).toMatch(/ended \(ExecutionFailed: SimulatedProcessingError\) before its outbound files appeared/);
        return watch(started.arn);
      })(),
      (async () => {
        const started = await startExecution({ order: 4 });
        expect(started.id).toMatch(UUID);
        // A heartbeat is an answer that keeps the execution waiting: it still times out.
        expect(await succeed('respond', [started.id!, '--heartbeat'])).toMatch(/\/inbound\/[0-9a-f-]{36}\/heartbeat\.json$/m);
        return watch(started.arn);
      })(),
    ]);
    expect(success.code, success.stdout + success.stderr).toBe(0);
    expect(success.stdout).toMatch(/SNS notification "Bellflower execution succeeded": \{"ExecutionId":"arn:aws:states:[^"]+","execution_id":/);
    expect(success.stdout).toMatch(/== SUCCEEDED in/);
    // The answer is kept in the execution's output ($.response), as the README says.
    const { output } = await clients.sfn.send(new DescribeExecutionCommand({ executionArn: success.arn }));
    expect(JSON.parse(output ?? '{}')).toMatchObject({ order: 1, status_code: 200, response: { approved: true, reference: 'PO-1' } });
    // The publish result is bounded to its MessageId (the answer budget reserves room for it alone).
    expect(Object.keys((JSON.parse(output ?? '{}') as { notification: object }).notification)).toEqual(['MessageId']);

    expect(businessFailure.code).toBe(1);
    expect(businessFailure.stdout).toMatch(/SNS notification "Bellflower execution failed"/);
    expect(businessFailure.stdout).toMatch(/== FAILED in [\d.]+ s: BusinessApplicationFailure/);

    expect(processingFailure.code).toBe(1);
    // Three attempts (5 s, then 10 s apart), then the failure notification.
    expect(processingFailure.stdout.match(/Processing Lambda failed: SimulatedProcessingError/g)).toHaveLength(3);
    expect(processingFailure.stdout).toMatch(/Processing Lambda: retry 2/);
    expect(processingFailure.stdout).toMatch(/SNS notification "Bellflower execution failed"/);
    expect(processingFailure.stdout).toMatch(/== FAILED in [\d.]+ s: SimulatedProcessingError/);

    expect(timeout.code).toBe(1);
    expect(timeout.stdout).toMatch(/SNS notification "Bellflower execution failed"/);
    expect(timeout.stdout).toMatch(/Wait For Response failed: States\.Timeout$/m);
    // Known gap (EMULATOR_KNOWN_GAPS): moto's engine refuses the Fail state's States.* error name
    // taken from $.Error, so the execution ends States.Runtime there, naming States.Timeout.
    expect(timeout.stdout).toMatch(/== FAILED in [\d.]+ s: States\.Runtime \(.*'States\.Timeout'/);
  }, 120_000);

  it("refuses a role session the S3 calls its policies do not grant (the functions' roles are enforced)", async () => {
    const outputs = JSON.parse(readFileSync(join(workDir, 'dist', 'outputs', 'devl.json'), 'utf8')) as Record<string, string>;
    const session = await clients.sts.send(
      new AssumeRoleCommand({ RoleArn: outputs.BellflowerProcessingLambdaFunctionExecutionRoleArn, RoleSessionName: 'processing' }),
    );
    const asProcessing = createAwsClients({
      region: clients.region,
      endpoint: emulator.endpoint,
      credentials: {
        accessKeyId: session.Credentials!.AccessKeyId!,
        secretAccessKey: session.Credentials!.SecretAccessKey!,
        sessionToken: session.Credentials!.SessionToken!,
      },
    });
    // The processing function's role grants no S3 action at all.
    await expect(asProcessing.s3.send(new ListObjectsV2Command({ Bucket: outputs.BellflowerS3BucketName }))).rejects.toThrow(/Access Denied/);
  }, 30_000);

  it('reports "no changes" when deploying the same build again', async () => {
    const again = await command('deploy', ['--require-approval', 'never']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/^bellflower-s3-custom-resource-stack-devl: no changes$/m);
    expect(again.stderr).toMatch(/^bellflower-root-stack-devl: no changes$/m);
  }, 60_000);

  it('updates a parameter (LambdaFunctionMemory) and the updated deployment still answers', async () => {
    const updated = await command('deploy', ['--require-approval', 'never', '--parameter', 'LambdaFunctionMemory=512']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stderr).toMatch(/bellflower-root-stack-devl: UPDATE_COMPLETE/);
    const lambda = new LambdaClient({ region: clients.region, endpoint: emulator.endpoint, credentials: EMULATOR_CREDENTIALS });
    for (const name of ['bellflower-processing-lambda-devl-us-east-1', 'bellflower-integration-lambda-devl-us-east-1']) {
      expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).MemorySize).toBe(512);
    }
    const started = await startExecution({ order: 5 });
    expect(started.id).toMatch(UUID);
    await succeed('respond', [started.id!]);
    expect((await command('watch', [started.arn, '--poll', '0.5'])).code).toBe(0);
  }, 90_000);

  it('keeps a parameter given once on the next plain deploy (UsePreviousValue, said), and --reset-parameter puts it back', async () => {
    const lambda = new LambdaClient({ region: clients.region, endpoint: emulator.endpoint, credentials: EMULATOR_CREDENTIALS });
    const memory = async () => (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'bellflower-processing-lambda-devl-us-east-1' }))).MemorySize;
    const plain = await command('deploy', ['--require-approval', 'never']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(
      /^bellflower-root-stack-devl: LambdaFunctionMemory keeps its value 512 from the last deploy \(template default 256; --reset-parameter LambdaFunctionMemory goes back to it\)$/m,
    );
    expect(plain.stderr).toMatch(/^bellflower-root-stack-devl: no changes$/m);
    expect(await memory()).toBe(512);

    const reset = await command('deploy', ['--require-approval', 'never', '--reset-parameter', 'LambdaFunctionMemory']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stderr).not.toMatch(/LambdaFunctionMemory keeps its value/);
    expect(await memory()).toBe(256);
  }, 120_000);

  it('refuses a deploy of a tree that differs from the last publish, naming it; deploy --publish publishes (nothing new) and deploys', async () => {
    // The state after a publish from an older tree: the processing function's published code (and
    // the build in dist/) is other bytes than the sources give now.
    const dist = join(workDir, 'dist');
    const manifestFile = join(dist, 'manifests', 'devl.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { artifacts: { path: string; key: string; sha256: string; size: number }[] };
    const older = manifest.artifacts.find((artifact) => artifact.path === 'code/integration_lambda.zip')!;
    const processing = manifest.artifacts.find((artifact) => artifact.path === 'code/processing_lambda.zip')!;
    writeFileSync(join(dist, processing.path), readFileSync(join(dist, older.path)));
    Object.assign(processing, { key: older.key, sha256: older.sha256, size: older.size });
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));

    const refused = await command('deploy', ['--require-approval', 'never']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^deploy: preflight: the processing function's code \(.*code\/processing_lambda\.zip\) differs from the last publish of devl: run `bellflower publish --env devl`, or `bellflower deploy --env devl --publish` to publish and deploy in one step$/m,
    );
    expect(refused.stderr).not.toMatch(/creating change set/);

    const both = await command('deploy', ['--require-approval', 'never', '--publish']);
    expect(both.code, both.stderr).toBe(0);
    // Content-addressed: the code the sources give was uploaded before, so nothing is uploaded again.
    expect(both.stderr).toMatch(/^published 17 artifacts \(0 uploaded, 17 unchanged\)$/m);
    expect(both.stderr).toMatch(/^bellflower-root-stack-devl: no changes$/m);
  }, 120_000);

  it('destroys both stacks and the artifacts while executions wait and SQS batches are in flight, leaving no stack, bucket, function or queue', async () => {
    // Waiting for its answer: outbound/<id>/ is written, the task token is out.
    const waiting = await startExecution({ order: 6 });
    expect(waiting.id).toMatch(UUID);
    // Executions keep starting until destroy ends: each sends its callback message, which the
    // event source mapping polls in batches, each handed to the integration function (which writes
    // outbound/<id>/) SQS_BATCH_DELAY_MS after it was received. So when destroy disables the
    // mapping, batches are in flight and write for up to that long: the mapping reports Disabling
    // until they ended, as in AWS. A write landing in the bucket after the folders custom resource
    // emptied it fails DeleteBucket (DELETE_FAILED): destroy must wait for them before it deletes.
    // The emulator does not show that failure itself: the IAM stack (whose policies name the bucket)
    // is deleted before the bucket, and its IAM is consistent at once, so a late write is refused
    // there, where AWS's eventually consistent IAM may still let it through. What is checked is
    // what destroy promises: no callback message in flight when the root stack begins deleting
    // (5 of them are, with quiesce's wait left out).
    const outputs = JSON.parse(readFileSync(join(workDir, 'dist', 'outputs', 'devl.json'), 'utf8')) as Record<string, string>;
    const { BellflowerStepFunctionArn: stateMachineArn, BellflowerSQSQueueURL: queueUrl } = outputs;
    const sqs = new SQSClient({ region: clients.region, endpoint: emulator.endpoint, credentials: EMULATOR_CREDENTIALS });
    let destroying = true;
    let started = 0;
    const stream = (async () => {
      while (destroying) {
        try {
          await clients.sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ order: 100 + started }) }));
          started += 1;
        } catch {
          // the state machine is being deleted, or is gone
        }
        await sleep(100);
      }
    })();
    // What is in flight on the callback queue when CloudFormation starts deleting the root stack
    // (its first step deletes the mapping, the queue goes soon after): destroy must have let every
    // batch finish by then. The last count read while the mapping and the queue still stood.
    const lambda = new LambdaClient({ region: clients.region, endpoint: emulator.endpoint, credentials: EMULATOR_CREDENTIALS });
    const { StackResources = [] } = await clients.cloudFormation.send(new DescribeStackResourcesCommand({ StackName: 'bellflower-root-stack-devl' }));
    const mapping = StackResources.find((r) => r.ResourceType === 'AWS::Lambda::EventSourceMapping')!.PhysicalResourceId!;
    let inFlightAtDelete: number | undefined;
    let lastInFlight: number | undefined;
    const watchDelete = (async () => {
      while (destroying) {
        const inFlight = await sqs
          .send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }))
          .then(({ Attributes }) => Number(Attributes?.ApproximateNumberOfMessagesNotVisible), () => undefined);
        const state = await lambda.send(new GetEventSourceMappingCommand({ UUID: mapping })).then(
          ({ State }) => State,
          (error: { name?: string }) => error.name,
        );
        if (inFlight === undefined || state === 'Deleting' || state === 'ResourceNotFoundException') {
          inFlightAtDelete = lastInFlight;
          return;
        }
        lastInFlight = inFlight;
        await sleep(50);
      }
    })();
    await sleep(1000);
    const result = await command('destroy', ['--yes', '--delete-artifacts']);
    destroying = false;
    await Promise.all([stream, watchDelete]);
    const said = `${result.stdout}${result.stderr}`;
    expect(result.code, said).toBe(0);
    expect(started).toBeGreaterThan(5);
    // Read at most one sample (about 50 ms) before the delete began: no callback message was in flight.
    expect(inFlightAtDelete, 'callback messages in flight when the root stack began deleting').toBe(0);
    // Quiesced first: the mapping disabled, its batches in flight waited for (there were some),
    // then the running executions stopped.
    expect(said).toMatch(/event source mapping \S+: disabled/);
    expect(said).toMatch(/event source mapping \S+: waiting for the batches in flight until it reports Disabled and \S+ has no message in flight/);
    const settled = /event source mapping \S+: Disabled, no message in flight after ([\d.]+) s \(at first: (\w+), (\d+) in flight\)/.exec(said);
    expect(settled, said).not.toBeNull();
    expect(Number(settled![3])).toBeGreaterThan(0);
    expect(said.indexOf(settled![0])).toBeLessThan(said.search(/stopped \d+ running execution/));
    expect(Number(/stopped (\d+) running executions?\b/.exec(said)?.[1])).toBeGreaterThan(1);
    expect(said.search(/stopped \d+ running execution/)).toBeLessThan(said.indexOf('bellflower-root-stack-devl: deleted'));
    expect(result.stdout).toMatch(/^deleted stacks: bellflower-root-stack-devl, bellflower-s3-custom-resource-stack-devl$/m);
    const stacks = await clients.cloudFormation.send(new ListStacksCommand({}));
    expect((stacks.StackSummaries ?? []).filter((s) => s.StackStatus !== 'DELETE_COMPLETE')).toEqual([]);
    // The integration bucket held the executions' files: it is gone because the folders custom
    // resource received the Delete event and emptied it.
    expect((await clients.s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions ?? []).toEqual([]);
    expect((await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([]);
  }, 90_000);

  describe('not modelled by the emulator (known gaps)', () => {
    it('prints each gap, and docs/emulator.md lists the same ones', () => {
      console.info(`not modelled by the emulator:\n${EMULATOR_KNOWN_GAPS.map((gap) => `  - ${gap}`).join('\n')}`);
      const readme = readFileSync(join(ROOT, 'docs', 'emulator.md'), 'utf8');
      for (const gap of EMULATOR_KNOWN_GAPS) expect(readme.includes(`- ${gap}`), `docs/emulator.md lists "${gap}"`).toBe(true);
    });
  });
});
