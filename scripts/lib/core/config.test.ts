import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, configuredEnvironments, exampleFields, IAM_ROLE_ARN, loadConfig, localConfigPath, withCfnRole } from './config';
import { DEFAULT_CONFIG_DIR } from './paths';
import { DEVL_CONFIG } from '../../../test/support/config';
import { checkParameterOverrides } from '../deployment/preflight';
import { errorLines } from '../../cli/command';
import { PreflightError } from './errors';

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

describe('withCfnRole (--role-arn)', () => {
  const recorded = { ...DEVL_CONFIG, cfnExecutionRoleArn: 'arn:aws:iam::111122223333:role/bellflower-devl-eu-west-1-cfn-exec' };

  it('keeps the recorded execution role, replaces it with an ARN, removes it with none', () => {
    expect(withCfnRole(recorded, undefined)).toBe(recorded);
    expect(withCfnRole(recorded, 'arn:aws:iam::111122223333:role/other').cfnExecutionRoleArn).toBe('arn:aws:iam::111122223333:role/other');
    expect(withCfnRole(recorded, 'none')).not.toHaveProperty('cfnExecutionRoleArn');
  });

  it('rejects what is not a role ARN', () => {
    for (const value of ['arn:aws:iam::111122223333:user/someone', 'bellflower-devl-eu-west-1-cfn-exec', 'arn:aws:iam::1:role/x']) expect(IAM_ROLE_ARN.test(value), value).toBe(false);
    expect(IAM_ROLE_ARN.test('arn:aws-cn:iam::111122223333:role/path/name')).toBe(true);
  });
});

describe('loadConfig', () => {
  it('applies defaults and lets flags override the file', () => {
    const config = loadConfig({ env: 'test', configDir: withFile('test', { ...valid, parameters: { DelaySeconds: '5' } }), region: 'us-west-2', profile: 'ops', parameters: ['DelaySeconds=9', 'SNSTopicDisplayName=a=b'] });
    expect(config).toEqual({
      environment: 'test',
      region: 'us-west-2',
      regionSource: '--region',
      configDir: dir,
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
    expect(() => loadConfig({ env: 'prod', configDir: join(dir, 'missing') })).toThrow(/^--env prod: no .*missing\/prod\.json; configured: none\./);
    expect(() => loadConfig({ env: 'nosuch', configDir: withFile('devl', valid) })).toThrow(
      new RegExp(`^--env nosuch: no .*nosuch\\.json; configured: devl(, [a-z-]+)*\\. To add nosuch, copy one \\(cp .*devl\\.json .*nosuch\\.json\\) and edit it, then run bellflower bootstrap --env nosuch$`),
    );
  });

  it('takes any environment name with a configuration file, not only devl, test and prod', () => {
    const configDir = mkdtempSync(join(dir, 'free-'));
    writeFileSync(join(configDir, 'staging.json'), JSON.stringify(valid));
    writeFileSync(join(configDir, 'prod-eu1.json'), JSON.stringify({ ...valid, production: true }));
    // A machine's own additions to one are not an environment of their own.
    writeFileSync(join(configDir, 'staging.local.json'), JSON.stringify({ kmsKeyId: 'aaaabbbb-cccc-dddd-eeee-ffff00001111' }));
    expect(configuredEnvironments(configDir)).toEqual(['prod-eu1', 'staging']);
    const staging = loadConfig({ env: 'staging', configDir });
    expect(staging).toMatchObject({ environment: 'staging', rootStackName: 'bellflower-root-stack-staging', crossStackName: 'bellflower-s3-custom-resource-stack-staging' });
    expect(staging.production).toBeUndefined();
    expect(loadConfig({ env: 'prod-eu1', configDir }).production).toBe(true);
  });

  it('rejects an environment name the stacks cannot carry, with the rule', () => {
    const configDir = mkdtempSync(join(dir, 'bad-names-'));
    for (const name of ['Staging', 'prod_eu', 'staging-eu', '9prod', 'dev-', 'a--b', '']) {
      writeFileSync(join(configDir, `${name || 'empty'}.json`), JSON.stringify(valid));
      expect(() => loadConfig({ env: name, configDir }), name).toThrow(
        `--env "${name}" is not an environment name: 1 to 8 lowercase letters, digits and single hyphens, starting with a letter (e.g. dev, staging, prod-eu)`,
      );
    }
    expect(configuredEnvironments(configDir)).toEqual(['empty']);
  });

  it('merges --tags over the file\'s tags and rejects tags CloudFormation refuses', () => {
    const configDir = withFile('devl', { ...valid, tags: { CostCenter: '42', Team: 'payments' } });
    expect(loadConfig({ env: 'devl', configDir, tags: ['Team=billing', 'Owner=a=b'] }).tags).toEqual({ CostCenter: '42', Team: 'billing', Owner: 'a=b' });
    expect(loadConfig({ env: 'devl', configDir: withFile('devl', valid) }).tags).toBeUndefined();
    const rejects = (tags: string[], message: string | RegExp) => expect(() => loadConfig({ env: 'devl', configDir: withFile('devl', valid), tags }), tags.join(' ')).toThrow(message);
    rejects(['Team'], '--tags "Team" must look like Key=Value');
    rejects(['aws:team=x'], 'tag key "aws:team" must not start with "aws:" (reserved for AWS)');
    rejects(['Environment=x'], 'tag Environment is set by deploy');
    rejects([`${'k'.repeat(129)}=x`], /must be 1-128 characters/);
    rejects([`Team=${'v'.repeat(257)}`], 'tag Team: the value must be 1-256 characters (it has 257)');
    rejects(['Team='], 'tag Team: the value must be 1-256 characters (it has 0)');
    rejects(['Team=a;b'], 'tag Team=a;b: only letters, digits, spaces and _ . : / = + - @');
    rejects(Array.from({ length: 49 }, (_, i) => `Tag${i}=x`), /^51 tags with ProjectName and Environment: CloudFormation takes at most 50 \(--tags \/ "tags" in .*devl\.json\)$/);
    expect(loadConfig({ env: 'devl', configDir: withFile('devl', valid), tags: Array.from({ length: 48 }, (_, i) => `Tag${i}=x`) }).tags).toHaveProperty('Tag47', 'x');
  });

  it('rejects malformed and managed --parameter flags and a bad --region', () => {
    const configDir = withFile('devl', valid);
    expect(() => loadConfig({ env: 'devl', configDir, parameters: ['DelaySeconds'] })).toThrow('--parameter "DelaySeconds" must look like Key=Value');
    expect(() => loadConfig({ env: 'devl', configDir, parameters: ['KmsMasterKeyId=x'] })).toThrow(
      /parameter KmsMasterKeyId is managed by deploy \(set "kmsKeyId" in the config file\)/,
    );
    expect(() => loadConfig({ env: 'devl', configDir, region: 'Europe' })).toThrow('region "Europe" from --region is not an AWS region');
  });

  it('takes the region from --region, then AWS_REGION, AWS_DEFAULT_REGION, the file, then the profile, as the AWS CLI does', () => {
    const configDir = withFile('devl', valid);
    const { region: _omitted, ...noRegion } = valid;
    const bare = withFile('test', noRegion);
    const profileRegions = { default: 'ap-south-1', ops: 'sa-east-1' };
    const load = (env: string, processEnv: NodeJS.ProcessEnv, flags: { region?: string; profile?: string } = {}) => {
      const config = loadConfig({ env, configDir: env === 'devl' ? configDir : bare, processEnv, profileRegions, ...flags });
      return [config.region, config.regionSource, config.profile];
    };
    expect(load('devl', { AWS_REGION: 'eu-central-1' }, { region: 'us-west-2' })).toEqual(['us-west-2', '--region', undefined]);
    expect(load('devl', { AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'eu-north-1' })).toEqual(['eu-central-1', 'AWS_REGION', undefined]);
    expect(load('devl', { AWS_DEFAULT_REGION: 'eu-north-1' })).toEqual(['eu-north-1', 'AWS_DEFAULT_REGION', undefined]);
    expect(load('devl', {})).toEqual(['eu-west-1', join(dir, 'devl.json'), undefined]);
    expect(load('test', {})).toEqual(['ap-south-1', 'profile "default" in ~/.aws/config', undefined]);
    expect(load('test', { AWS_PROFILE: 'ops' })).toEqual(['sa-east-1', 'profile "ops" in ~/.aws/config', 'ops']);
    // --profile wins over AWS_PROFILE; a profile without a region gets the hint to give it one.
    expect(() => load('test', { AWS_PROFILE: 'ops' }, { profile: 'other' })).toThrow(/give profile "other" one \(aws configure set region <region> --profile other\)/);
  });

  it('rejects a configuration without any region, naming every place a region can come from', () => {
    const { region: _omitted, ...noRegion } = valid;
    expect(() => loadConfig({ env: 'devl', configDir: withFile('devl', noRegion), processEnv: {}, profileRegions: {} })).toThrow(
      /no region: pass --region, set AWS_REGION, set "region" in .*devl\.json, or give profile "default" one \(aws configure set region <region>\)/,
    );
    expect(() => loadConfig({ env: 'devl', configDir: withFile('devl', noRegion), processEnv: { AWS_REGION: 'Europe' }, profileRegions: {} })).toThrow(
      'region "Europe" from AWS_REGION is not an AWS region such as "eu-west-1"',
    );
  });

  it('loads the shipped files, whose example values deploy refuses', () => {
    // Copies: a developer's own config/<env>.local.json (bootstrap's record) would hide the examples.
    const shipped = mkdtempSync(join(dir, 'shipped-'));
    for (const env of ['devl', 'test', 'prod']) {
      copyFileSync(join(DEFAULT_CONFIG_DIR, `${env}.json`), join(shipped, `${env}.json`));
      expect(exampleFields(loadConfig({ env, configDir: shipped }))).toEqual(['kmsKeyId', 'subscriptionEmail', 'artifactBucket']);
    }
    // Production is the file's field, not the name: only prod.json sets it.
    expect(['devl', 'test', 'prod'].map((env) => loadConfig({ env, configDir: shipped }).production === true)).toEqual([false, false, true]);
    // prod is rehearsed on the emulator: a production environment on the key the emulator creates (devl's).
    const emulatorDir = join(DEFAULT_CONFIG_DIR, 'emulator');
    const [devl, prod] = ['devl', 'prod'].map((env) => loadConfig({ env, configDir: emulatorDir, processEnv: {} }));
    expect(prod).toMatchObject({ production: true, kmsKeyId: devl!.kmsKeyId, kmsKeyAlias: devl!.kmsKeyAlias, rootStackName: 'bellflower-root-stack-prod' });
    expect(prod!.artifactBucket).not.toBe(devl!.artifactBucket);
  });

  it('merges config/<env>.local.json over config/<env>.json, parameters key by key, and names the file a bad field comes from', () => {
    const configDir = mkdtempSync(join(dir, 'local-'));
    writeFileSync(join(configDir, 'devl.json'), JSON.stringify({ ...valid, parameters: { DelaySeconds: '5', LambdaLogLevel: 'INFO' } }));
    writeFileSync(
      localConfigPath('devl', configDir),
      JSON.stringify({ kmsKeyId: 'aaaabbbb-cccc-dddd-eeee-ffff00001111', businessApplicationPrincipal: '444455556666', parameters: { LambdaLogLevel: 'DEBUG' } }),
    );
    expect(loadConfig({ env: 'devl', configDir })).toMatchObject({
      kmsKeyId: 'aaaabbbb-cccc-dddd-eeee-ffff00001111',
      artifactBucket: valid.artifactBucket,
      businessApplicationPrincipal: '444455556666',
      parameters: { DelaySeconds: '5', LambdaLogLevel: 'DEBUG' },
    });

    writeFileSync(localConfigPath('devl', configDir), JSON.stringify({ businessApplicationPrincipal: 'arn:aws:s3:::nope' }));
    expect(() => loadConfig({ env: 'devl', configDir })).toThrow(
      `${join(configDir, 'devl.local.json')}: field "businessApplicationPrincipal" must be a 12-digit account id or an IAM role, user or root ARN`,
    );
    writeFileSync(localConfigPath('devl', configDir), '[]');
    expect(() => loadConfig({ env: 'devl', configDir })).toThrow(`${join(configDir, 'devl.local.json')}: must be a JSON object`);
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
