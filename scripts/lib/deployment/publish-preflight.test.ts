/**
 * The checks publish's preflight shares with deploy's, without a server (the preflight against
 * moto is in publish-preflight.moto.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { type BellflowerConfig } from '../core/config';
import { checkConfiguration } from './preflight';
import { declaredStackParameters } from './publish-preflight';

describe('checkConfiguration (shared by the publish and deploy preflights)', () => {
  const config: BellflowerConfig = {
    environment: 'devl',
    region: 'us-east-1',
    artifactBucket: 'bellflower-artifacts-devl',
    keyPrefix: 'bellflower',
    crossStackName: 'bellflower-s3-custom-resource-stack-devl',
    rootStackName: 'bellflower-root-stack-devl',
    kmsKeyAlias: 'bellflower-devl',
    kmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
    subscriptionEmail: 'ops@bellflower.test',
    parameters: {},
  };

  it('rejects a heartbeat not shorter than the callback timeout, which synth would only refuse in the build', async () => {
    const declared = await declaredStackParameters(() => undefined);
    expect(checkConfiguration(config, declared)).toEqual([]);

    const problems = checkConfiguration({ ...config, callbackTimeoutSeconds: 600, callbackHeartbeatSeconds: 600 }, declared);

    expect(problems).toEqual([
      'callbackHeartbeatSeconds 600 in config/devl.json is not a whole number of seconds shorter than the callback timeout of 600 s: lower it, or remove it (no heartbeat)',
    ]);
  });

  it('checks a value only the cross stack declares, as CloudFormation would at deploy', () => {
    const declared = { root: { Environment: { Type: 'String' } }, cross: { LambdaLogLevel: { Type: 'String', AllowedValues: ['INFO', 'DEBUG'] } } };

    expect(checkConfiguration({ ...config, parameters: { LambdaLogLevel: 'TRACE' } }, declared)).toEqual([
      'parameter LambdaLogLevel = "TRACE" is not one of INFO, DEBUG',
    ]);
  });
});

describe('declaredStackParameters', () => {
  it('reads the constraints the root and cross templates declare, the same remembered or not', async () => {
    const fingerprint = `test-${process.pid}-${Date.now()}`;
    const fresh = await declaredStackParameters(() => undefined);
    const remembered = await declaredStackParameters(() => fingerprint);
    const again = await declaredStackParameters(() => fingerprint);

    expect(fresh.root.LambdaFunctionMemory).toMatchObject({ Type: 'Number', MinValue: 128, MaxValue: 10_240 });
    expect(fresh.cross.LambdaLogLevel).toMatchObject({ AllowedValues: ['DEBUG', 'INFO', 'WARN', 'ERROR'] });
    expect(remembered).toEqual(fresh);
    expect(again).toEqual(fresh);
  });
});
