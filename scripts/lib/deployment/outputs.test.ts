/** Finding a deployment's outputs when the stack cannot be described (aws-sdk-client-mock: moto does not enforce IAM here). */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deployedOutputs, OutputsError, removeOutputs, writeOutputs } from './outputs';
import { recordingReporter } from '../../../test/support/reporter';

describe('deployedOutputs when DescribeStacks is refused', () => {
  const cfn = mockClient(CloudFormationClient);
  const cloudFormation = new CloudFormationClient({ region: 'us-east-1' });
  const distDir = mkdtempSync(join(tmpdir(), 'bellflower-outputs-'));
  const options = { cloudFormation, env: 'devl', stackName: 'bellflower-root-stack-devl', region: 'us-east-1', distDir };
  afterEach(() => cfn.reset());
  afterAll(() => cfn.restore());
  afterAll(() => rmSync(distDir, { recursive: true, force: true }));
  const denied = Object.assign(new Error('User is not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });

  it('falls back to the outputs file, saying so', async () => {
    cfn.on(DescribeStacksCommand).rejects(denied);
    writeOutputs('devl', { BellflowerS3BucketName: 'b' }, distDir);
    const reporter = recordingReporter();

    const found = await deployedOutputs({ ...options, reporter });

    expect(found).toEqual({ outputs: { BellflowerS3BucketName: 'b' }, source: 'file' });
    expect(reporter.lines).toEqual([expect.stringMatching(/^cannot describe stack bellflower-root-stack-devl \(access denied\): using .*devl\.json$/)]);
  });

  it('fails naming the deploy command when there is no file either, and other errors as they are', async () => {
    cfn.on(DescribeStacksCommand).rejects(denied);
    expect(removeOutputs('devl', distDir)).toBe(true);
    expect(removeOutputs('devl', distDir)).toBe(false);
    await expect(deployedOutputs(options)).rejects.toThrow(OutputsError);
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await expect(deployedOutputs(options)).rejects.toThrow(/Rate exceeded/);
  });
});
