/**
 * The real cross stack (`cft/cross-stacks/custom-resource-lambda-stack.yaml` as synthesized, with
 * the real handler zips) published to moto and deployed through change sets. Moto creates the
 * roles, log groups, dead-letter queue and functions from the template; it runs no code.
 */
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_HANDLER, LAMBDA_RUNTIME } from '../../../templates/names';
import type { MotoServer } from '../../../test/support/moto';
import { requireTool } from '../../../test/support/tools';
import type { AwsClients } from '../core/aws';
import type { BellflowerConfig } from '../core/config';
import { deploy } from './deploy';
import { destroy } from './destroy';
import { buildArtifacts, publish, publishOptions } from './publish';
import { recordingReporter } from '../../../test/support/reporter';
import { describeStack } from './stacks';
import { startMotoEnvironment } from '../../../test/support/moto-environment';

describe.runIf(requireTool('moto_server'))('deploy of the real cross stack against moto', () => {
  let moto: MotoServer;
  let clients: AwsClients;
  let config: BellflowerConfig;
  let distDir: string;
  beforeAll(async () => {
    distDir = mkdtempSync(join(tmpdir(), 'bellflower-real-cross-'));
    [{ moto, clients, config }] = await Promise.all([startMotoEnvironment(), buildArtifacts({ distDir })]);
    await publish(publishOptions({ config, clients, distDir, tlsOnlyPolicy: false }));
  });
  afterAll(async () => {
    await moto?.stop();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });

  it('creates it with its functions, reports "no changes" on a redeploy, then destroys it', async () => {
    const reporter = recordingReporter();
    const first = await deploy({ config, clients, distDir, reporter, crossOnly: true, pollSeconds: 0.2 });
    expect(first.cross.action).toBe('created');
    const stack = await describeStack(clients.cloudFormation, config.crossStackName);
    expect(stack?.StackStatus).toBe('CREATE_COMPLETE');
    // No exports to check here: moto 5.2 creates a change-set stack with an empty template and never
    // rebuilds its outputs when the change set executes, so DescribeStacks shows none (see the report).

    const resources = await clients.cloudFormation.send(new ListStackResourcesCommand({ StackName: config.crossStackName }));
    const functions = (resources.StackResourceSummaries ?? []).filter((r) => r.ResourceType === 'AWS::Lambda::Function');
    expect(functions.map((f) => [f.LogicalResourceId, f.ResourceStatus])).toEqual([
      ['S3CreateFolderCustomResourceLambdaFunction', 'CREATE_COMPLETE'],
      ['S3NotificationCustomResourceLambdaFunction', 'CREATE_COMPLETE'],
    ]);
    const lambda = new LambdaClient({ ...moto.clientConfig });
    for (const fn of functions) {
      const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: fn.PhysicalResourceId }));
      expect(Configuration).toMatchObject({
        FunctionName: expect.stringMatching(/-devl-us-east-1$/),
        Runtime: LAMBDA_RUNTIME,
        Handler: LAMBDA_HANDLER,
        Role: expect.stringMatching(/^arn:aws:iam::\d{12}:role\/bellflower-s3-(folders|notify)-cr-devl-us-east-1$/),
      });
    }

    const again = await deploy({ config, clients, distDir, reporter, crossOnly: true, pollSeconds: 0.2 });
    expect(again.cross.action).toBe('no-changes');

    await destroy({ config, clients, pollSeconds: 0.2 });
    expect(await describeStack(clients.cloudFormation, config.crossStackName)).toBeUndefined();
  });
});
