/**
 * `bellflower drift` through the binary on moto. moto 5.2.1 implements no drift detection
 * (DetectStackDrift answers 500 with an HTML page), so this proves the error paths only: an
 * endpoint without drift detection, and an environment without stacks, each a clear failure, never
 * exit code 0 having checked nothing. The detection itself is tested in lib/deployment/drift.test.ts.
 */
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bellflower, emulatorEnvironment } from '../test/support/bellflower-cli';
import { startMoto, type MotoServer } from '../test/support/moto';
import { requireTool } from '../test/support/tools';
import { createAwsClients } from './lib/core/aws';

describe.runIf(requireTool('moto_server'))('bellflower drift on moto', () => {
  let moto: MotoServer;
  let home: string;
  beforeAll(async () => {
    moto = await startMoto();
    home = mkdtempSync(join(tmpdir(), 'bellflower-drift-'));
    const clients = createAwsClients({ region: 'us-east-1', endpoint: moto.endpoint, credentials: moto.clientConfig.credentials });
    await clients.cloudFormation.send(
      new CreateStackCommand({ StackName: 'bellflower-root-stack-devl', TemplateBody: JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }) }),
    );
  });
  afterAll(async () => {
    await moto?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('fails naming the endpoint that lacks drift detection, with exit code 1', async () => {
    const result = await bellflower(['drift', '--env', 'devl'], emulatorEnvironment(home, moto.endpoint));
    expect(result.stderr).toContain(
      `drift: the endpoint ${moto.endpoint} does not implement CloudFormation drift detection (DetectStackDrift answered 500): moto, and so \`bellflower emulator\`, has none; run drift against AWS`,
    );
    expect(result.stdout).toBe('');
    expect(result.code).toBe(1);
  });

  it('fails when the environment has no stack, rather than report it in sync', async () => {
    const result = await bellflower(['drift', '--env', 'test', '--fail'], emulatorEnvironment(home, moto.endpoint));
    expect(result.stderr).toContain('drift: no stack of this environment is deployed: nothing to check');
    expect(result.code).toBe(1);
  });
});
