/**
 * `bellflower publish` as a user runs it, against moto on 127.0.0.1: what it checks before it
 * builds or writes anything, and one manifest per environment.
 */
import { ListBucketsCommand, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
// The key policy bootstrap creates: deploy's preflight checks its root and CloudWatch statements.
import { keyPolicy } from '../templates/iam-contract';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bellflower, emulatorEnvironment } from '../test/support/bellflower-cli';
import { startMoto, type MotoServer } from '../test/support/moto';
import { requireTool } from '../test/support/tools';
import { createAwsClients, type AwsClients } from './lib/core/aws';
import { loadConfig } from './lib/core/config';
import { preflight } from './lib/deployment/deploy';
import { manifestPath } from './lib/deployment/manifest';

describe.runIf(requireTool('moto_server'))('bellflower publish against moto', () => {
  let moto: MotoServer;
  let clients: AwsClients;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let kmsKeyId: string;
  const configDir = (name: string) => join(work, name);
  const distDir = (name: string) => join(work, `dist-${name}`);

  /** A configuration folder holding `files` (environment -> fields over a valid base). */
  const writeConfig = (name: string, files: Record<string, Record<string, unknown>>): string => {
    const dir = configDir(name);
    mkdirSync(dir, { recursive: true });
    for (const [environment, fields] of Object.entries(files)) {
      const base = { kmsKeyAlias: `bellflower-${environment}`, kmsKeyId, subscriptionEmail: 'ops@bellflower.test' };
      writeFileSync(join(dir, `${environment}.json`), JSON.stringify({ ...base, ...fields }));
    }
    return dir;
  };
  const bucketNames = async () => ((await clients.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((bucket) => bucket.Name).sort();

  beforeAll(async () => {
    moto = await startMoto();
    clients = createAwsClients(moto.clientConfig);
    work = mkdtempSync(join(tmpdir(), 'bellflower-publish-cli-'));
    kmsKeyId = (await clients.kms.send(new CreateKeyCommand({ Policy: JSON.stringify(keyPolicy({ accountId: '123456789012', partition: 'aws' })) }))).KeyMetadata!.KeyId!;
    await clients.kms.send(new CreateAliasCommand({ AliasName: 'alias/bellflower-devl', TargetKeyId: kmsKeyId }));
    env = emulatorEnvironment(work, moto.endpoint);
  });
  afterAll(async () => {
    await moto?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses the shipped example configuration before building or calling S3, naming every field', async () => {
    // The project's own config/devl.json as shipped (a copy: a bootstrap's local file is left out).
    const dir = configDir('shipped');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'devl.json'), readFileSync(new URL('../config/devl.json', import.meta.url)));
    const result = await bellflower(['publish', '--env', 'devl', '--config-dir', dir, '--dist', distDir('example')], env);
    expect(result.code).toBe(1);
    for (const field of ['artifactBucket', 'kmsKeyId', 'subscriptionEmail']) {
      // The message names the file that holds the value (here the --config-dir copy).
      expect(result.stderr).toContain(`${join(dir, 'devl.json')}: "${field}" still holds the shipped example value`);
    }
    expect(result.stderr).not.toContain('building');
    expect(existsSync(distDir('example'))).toBe(false);
    expect(await bucketNames()).toEqual([]);
  });

  it('refuses parameter values the templates or S3 would refuse, all at once, before building', async () => {
    const dir = writeConfig('bad-parameters', { devl: { artifactBucket: 'a..b' } });
    const result = await bellflower(
      ['publish', '--env', 'devl', '--config-dir', dir, '--dist', distDir('bad'), '--parameter', 'LambdaFunctionMemory=99999', '--parameter', 'LambdaLogLevel=TRACE', '--parameter', 'NoSuchParameter=1'],
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/LambdaFunctionMemory/);
    expect(result.stderr).toMatch(/LambdaLogLevel/);
    expect(result.stderr).toMatch(/parameter NoSuchParameter is not a parameter of the root or cross stack/);
    expect(result.stderr).toMatch(/artifactBucket "a\.\.b"/);
    expect(existsSync(distDir('bad'))).toBe(false);
    expect(await bucketNames()).toEqual([]);
  });

  it('refuses an artifact bucket in another region before building', async () => {
    const other = new S3Client({ ...moto.clientConfig, region: 'eu-west-1' });
    await other.send(new CreateBucketCommand({ Bucket: 'bellflower-artifacts-elsewhere', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    const dir = writeConfig('other-region', { devl: { artifactBucket: 'bellflower-artifacts-elsewhere' } });
    const result = await bellflower(['publish', '--env', 'devl', '--config-dir', dir, '--dist', distDir('other-region')], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/artifact bucket bellflower-artifacts-elsewhere is in eu-west-1, not us-east-1/);
    expect(existsSync(distDir('other-region'))).toBe(false);
  });

  it('keeps one manifest per environment: publishing prod leaves the devl deploy ready', async () => {
    const dir = writeConfig('two', {
      devl: { artifactBucket: 'bellflower-artifacts-two-devl' },
      prod: { artifactBucket: 'bellflower-artifacts-two-prod', kmsKeyAlias: 'bellflower-devl' },
    });
    const dist = distDir('two');
    for (const environment of ['devl', 'prod']) {
      const result = await bellflower(['publish', '--env', environment, '--config-dir', dir, '--dist', dist], env);
      expect(result.stderr + result.stdout).toMatch(/published 17 artifacts/);
      expect(result.code).toBe(0);
    }
    const manifest = (environment: string) => JSON.parse(readFileSync(join(dist, manifestPath(environment)), 'utf8')) as { bucket: string };
    expect(manifest('devl').bucket).toBe('bellflower-artifacts-two-devl');
    expect(manifest('prod').bucket).toBe('bellflower-artifacts-two-prod');
    // The devl deploy's preflight still finds its own, matching manifest.
    const config = loadConfig({ env: 'devl', configDir: dir, region: 'us-east-1' });
    await expect(preflight({ config, clients, distDir: dist })).resolves.toMatchObject({ manifest: { bucket: 'bellflower-artifacts-two-devl' } });
    // An environment never published says which command to run.
    const test = loadConfig({ env: 'test', configDir: writeConfig('test-only', { test: { artifactBucket: 'bellflower-artifacts-two-test', kmsKeyAlias: 'bellflower-devl' } }), region: 'us-east-1' });
    await expect(preflight({ config: test, clients, distDir: dist })).rejects.toMatchObject({
      problems: expect.arrayContaining([expect.stringMatching(/^no publish manifest for test at .*manifests\/test\.json: run `bellflower publish --env test` first$/)]),
    });
  });
});
