import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, exampleFields, loadConfig } from './config';
import { checkParameterOverrides } from './deploy';
import { errorLines } from './command';
import { PreflightError } from './command';

const dir = mkdtempSync(join(tmpdir(), 'bellflower-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const valid = {
  region: 'eu-west-1',
  artifactBucket: 'my-artifacts',
  kmsKeyAlias: 'alias/bellflower-devl',
  kmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
  subscriptionEmail: 'ops@bellflower.test',
};
function withFile(env: string, content: unknown): string {
  writeFileSync(join(dir, `${env}.json`), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

describe('loadConfig', () => {
  it('applies defaults and lets flags override the file', () => {
    const config = loadConfig({ env: 'test', configDir: withFile('test', { ...valid, parameters: { DelaySeconds: '5' } }), region: 'us-west-2', profile: 'ops', parameters: ['DelaySeconds=9', 'SNSTopicDisplayName=a=b'] });
    expect(config).toEqual({
      name: 'test',
      environment: 'test',
      region: 'us-west-2',
      profile: 'ops',
      artifactBucket: 'my-artifacts',
      keyPrefix: 'bellflower',
      crossStackName: 'bellflower-s3-custom-resource-stack-test',
      rootStackName: 'bellflower-root-stack-test',
      kmsKeyAlias: 'bellflower-devl',
      kmsKeyId: valid.kmsKeyId,
      subscriptionEmail: valid.subscriptionEmail,
      parameters: { DelaySeconds: '9', SNSTopicDisplayName: 'a=b' },
    });
  });

  it('rejects a bad field naming the field and the file', () => {
    const configDir = withFile('devl', { ...valid, kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/x' });
    expect(() => loadConfig({ env: 'devl', configDir })).toThrow(
      new ConfigError(`${join(dir, 'devl.json')}: field "kmsKeyId" must be a KMS key id (36 lowercase letters, digits and "-"), not an ARN or alias`),
    );
  });

  it('rejects an unknown field, invalid JSON, a missing file and an unknown environment', () => {
    expect(() => loadConfig({ env: 'devl', configDir: withFile('devl', { ...valid, bucket: 'x' }) })).toThrow(/unknown field "bucket" \(allowed: region, /);
    expect(() => loadConfig({ env: 'devl', configDir: withFile('devl', '{ nope') })).toThrow(/devl\.json is not valid JSON/);
    expect(() => loadConfig({ env: 'prod', configDir: join(dir, 'missing') })).toThrow(/cannot read .*prod\.json/);
    expect(() => loadConfig({ env: 'staging', configDir: dir })).toThrow('--env "staging" is not one of devl, test, prod');
  });

  it('rejects malformed and managed --parameter flags and a bad --region', () => {
    const configDir = withFile('devl', valid);
    expect(() => loadConfig({ env: 'devl', configDir, parameters: ['DelaySeconds'] })).toThrow('--parameter "DelaySeconds" must look like Key=Value');
    expect(() => loadConfig({ env: 'devl', configDir, parameters: ['KmsMasterKeyId=x'] })).toThrow(
      /parameter KmsMasterKeyId is managed by deploy \(set "kmsKeyId" in the config file\)/,
    );
    expect(() => loadConfig({ env: 'devl', configDir, region: 'Europe' })).toThrow('--region "Europe" is not an AWS region');
  });

  it('rejects a configuration without any region', () => {
    const { region: _omitted, ...noRegion } = valid;
    const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      expect(() => loadConfig({ env: 'devl', configDir: withFile('devl', noRegion) })).toThrow(/no region: set "region" in .*devl\.json, pass --region, or set AWS_REGION/);
    } finally {
      Object.assign(process.env, Object.fromEntries(Object.entries(saved).filter(([, v]) => v !== undefined)));
    }
  });

  it('loads the shipped files, whose example values deploy refuses', () => {
    for (const env of ['devl', 'test', 'prod']) {
      expect(exampleFields(loadConfig({ env }))).toEqual(['kmsKeyId', 'subscriptionEmail', 'artifactBucket']);
    }
  });

  it('loads the emulator configuration: devl stacks named after it, a local endpoint, nothing deploy refuses', () => {
    const config = loadConfig({ env: 'emulator' });
    expect(config).toMatchObject({
      name: 'emulator',
      environment: 'devl',
      endpoint: 'http://127.0.0.1:4599',
      crossStackName: 'bellflower-s3-custom-resource-stack-emulator',
      rootStackName: 'bellflower-root-stack-emulator',
    });
    expect(exampleFields(config)).toEqual([]);
  });

  it('rejects an emulator file without the stack environment, and an endpoint that is not local', () => {
    expect(() => loadConfig({ env: 'emulator', configDir: withFile('emulator', valid) })).toThrow(
      `${join(dir, 'emulator.json')}: field "environment" is required (the stacks' Environment: devl, test, prod)`,
    );
    expect(() => loadConfig({ env: 'devl', configDir: withFile('devl', { ...valid, endpoint: 'https://s3.amazonaws.com' }) })).toThrow(
      /field "endpoint" must be a local emulator such as "http:\/\/127\.0\.0\.1:4599" \(never AWS\)/,
    );
  });
});

describe('parameter overrides and error lines', () => {
  it('rejects an unknown parameter with the near matches', () => {
    expect(() => checkParameterOverrides({ DelaySecond: '1' }, ['DelaySeconds', 'VisibilityTimeout'])).toThrow(
      'parameter DelaySecond is not a parameter of the root or cross stack; did you mean DelaySeconds?',
    );
    expect(() => checkParameterOverrides({ Zzz: '1' }, ['DelaySeconds'])).toThrow(/stack$/);
  });

  it('prints one line per preflight problem and one line for any other error', () => {
    expect(errorLines('deploy', new PreflightError(['a', 'b']))).toEqual(['deploy: preflight: a', 'deploy: preflight: b']);
    expect(errorLines('publish', new Error('multi\n  line'))).toEqual(['publish: multi line']);
  });
});
