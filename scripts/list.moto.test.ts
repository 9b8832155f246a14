/**
 * `bellflower list` on moto through the binary: every environment of the config folder with its
 * cross, root and nested stacks and their status, and the recent executions of the state machine
 * the root stack names; `--json`; an environment without stacks.
 */
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bellflower, emulatorEnvironment } from '../test/support/bellflower-cli';
import { startMoto, type MotoServer } from '../test/support/moto';
import { requireTool } from '../test/support/tools';
import { createAwsClients } from './lib/core/aws';
import type { EnvironmentInventory } from './lib/workflow/inventory';

const ROLE = 'arn:aws:iam::123456789012:role/bellflower-state-machine';

describe.runIf(requireTool('moto_server'))('bellflower list on moto', () => {
  let moto: MotoServer;
  let home: string;
  let configDir: string;
  const executionNames = ['0b5c2a1e-8f3d-4c6b-9a7e-1d2f3e4a5b6c', '7e6d5c4b-3a29-4810-8f7e-6d5c4b3a2918'];
  beforeAll(async () => {
    moto = await startMoto();
    home = mkdtempSync(join(tmpdir(), 'bellflower-list-'));
    configDir = join(home, 'config');
    mkdirSync(configDir);
    const config = { region: 'us-east-1', artifactBucket: 'bellflower-artifacts-list', kmsKeyAlias: 'bellflower-devl', kmsKeyId: '0b7f3c1e-8d2a-4c5b-9e6f-1a2b3c4d5e6f', subscriptionEmail: 'ops@bellflower.test' };
    for (const env of ['devl', 'test']) writeFileSync(join(configDir, `${env}.json`), JSON.stringify(config));
    // Only the base file names an environment: a local override is not one.
    writeFileSync(join(configDir, 'devl.local.json'), '{}');
    const clients = createAwsClients({ region: 'us-east-1', endpoint: moto.endpoint, credentials: moto.clientConfig.credentials });
    const definition = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });
    const stateMachineArn = (await clients.sfn.send(new CreateStateMachineCommand({ name: 'bellflower-state-machine-devl-us-east-1', definition, roleArn: ROLE }))).stateMachineArn!;
    for (const name of executionNames) await clients.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: '{}' }));
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'templates' }));
    await clients.s3.send(new PutObjectCommand({ Bucket: 'templates', Key: 'sns.json', Body: JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }) }));
    await clients.cloudFormation.send(new CreateStackCommand({ StackName: 'bellflower-s3-custom-resource-stack-devl', TemplateBody: JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }) }));
    await clients.cloudFormation.send(
      new CreateStackCommand({
        StackName: 'bellflower-root-stack-devl',
        TemplateBody: JSON.stringify({
          Resources: { BellflowerSNS: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: "https://templates.s3.amazonaws.com/sns.json" } } },
          Outputs: { BellflowerStepFunctionArn: { Value: stateMachineArn } },
        }),
      }),
    );
  });
  afterAll(async () => {
    await moto?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });
  const env = () => ({ ...emulatorEnvironment(home, moto.endpoint), BELLFLOWER_CONFIG_DIR: configDir });

  it('lists every environment: its stacks with their status (nested ones too) and its recent executions', async () => {
    const result = await bellflower(['list'], env());
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('devl (us-east-1)');
    expect(lines[1]).toMatch(/^ {2}cross {2}bellflower-s3-custom-resource-stack-devl +CREATE_COMPLETE {2}\d{4}-/);
    expect(lines[2]).toMatch(/^ {2}root {3}bellflower-root-stack-devl +CREATE_COMPLETE/);
    expect(lines[3]).toMatch(/^ {2}nested bellflower-root-stack-devl-BellflowerSNS-\S+ +CREATE_COMPLETE/);
    expect(lines[4]).toBe('  recent executions (name, execution_id, status, start):');
    for (const name of executionNames) expect(result.stdout).toMatch(new RegExp(`^ {4}${name} .* (RUNNING|SUCCEEDED) +\\d{4}-`, 'm'));
    expect(result.stdout).toContain('test (us-east-1)\n  cross  bellflower-s3-custom-resource-stack-test  NOT_DEPLOYED\n  root   bellflower-root-stack-test                NOT_DEPLOYED\n');
    // The AWS line on stderr, once: both environments are in one account, region and endpoint.
    expect(result.stderr.match(/^AWS account /gm)).toHaveLength(1);
  });

  it('prints one JSON document with --json, and only the environment --env names', async () => {
    const result = await bellflower(['list', '--json', '--env', 'devl', '--executions', '1'], env());
    expect(result.code).toBe(0);
    const { environments } = JSON.parse(result.stdout) as { environments: EnvironmentInventory[] };
    expect(environments.map((inventory) => inventory.environment)).toEqual(['devl']);
    expect(environments[0]!.stacks.map((stack) => [stack.role, stack.status])).toEqual([
      ['cross', 'CREATE_COMPLETE'],
      ['root', 'CREATE_COMPLETE'],
      ['nested', 'CREATE_COMPLETE'],
    ]);
    expect(environments[0]!.executions).toHaveLength(1);
    expect(executionNames).toContain(environments[0]!.executions[0]!.name);
  });

  it('rejects an --executions that is not a whole number, with exit code 2', async () => {
    const result = await bellflower(['list', '--executions', 'many'], env());
    expect(result.stderr).toContain('--executions must be a whole number >= 0, got "many"');
    expect(result.code).toBe(2);
  });
});
