/**
 * Publish's preflight against moto: what it refuses is refused before the build and before any
 * write (the example configuration before any request to S3 at all), and one manifest per
 * environment keeps a deploy of one environment working after another environment's publish.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { definitionText } from '../../../asl/state-machine';
import { sha256Hex, STATE_MACHINE_PATH } from '../../../templates/layout';
import type { MotoServer } from '../../../test/support/moto';
import { requireTool } from '../../../test/support/tools';
import type { AwsClients } from '../core/aws';
import { loadConfig, type BellflowerConfig } from '../core/config';
import { DEFAULT_CONFIG_DIR } from '../core/paths';
import { PreflightError } from '../core/errors';
import { recordingReporter } from '../../../test/support/reporter';
import { writeFakeBuild } from '../../../test/support/fake-build';
import { startMotoEnvironment } from '../../../test/support/moto-environment';
import { preflight } from './deploy';
import { publishEnvironment } from './publish-preflight';
import { LEGACY_MANIFEST_PATH, manifestPath, readManifest } from './manifest';
import { type ArtifactBuild, type ArtifactBuildOptions } from './publish';

/** Records, in order, every command the S3 client sends (`S3.<Operation>`) into `events`. */
function recordS3(s3: S3Client, events: string[]): void {
  const record: InitializeMiddleware<object, MetadataBearer> = (next, context) => (args) => {
    events.push(`S3.${(context.commandName ?? '').replace(/Command$/, '')}`);
    return next(args);
  };
  (s3.middlewareStack as unknown as MiddlewareStack<object, MetadataBearer>).add(record, { step: 'initialize', name: 'recordS3' });
}

/** A build stand-in: a fake build with the definition of the given options, recording 'build' in `events`. */
function fakeBuilder(events: string[]) {
  return vi.fn(async ({ distDir, ...definition }: ArtifactBuildOptions): Promise<ArtifactBuild> => {
    events.push('build');
    writeFakeBuild({ dir: distDir, definition });
    return { synthesized: true, code: { manifest: {}, built: [], reused: [] } };
  });
}

const problemsOf = (error: unknown): readonly string[] => {
  if (error instanceof PreflightError) return error.problems;
  throw error;
};

describe.runIf(requireTool('moto_server'))('publish preflight against moto', () => {
  let moto: MotoServer;
  let clients: AwsClients;
  let config: BellflowerConfig;
  let events: string[];
  const dirs: string[] = [];
  const tempDir = (name: string): string => {
    const dir = mkdtempSync(join(tmpdir(), `bellflower-${name}-`));
    dirs.push(dir);
    return dir;
  };
  const bucketNames = async (): Promise<string[]> =>
    ((await clients.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((bucket) => bucket.Name ?? '');

  beforeAll(async () => {
    ({ moto, clients, config } = await startMotoEnvironment({ artifactBucket: 'bellflower-artifacts-preflight' }));
    recordS3(clients.s3, (events = []));
  });
  afterAll(async () => {
    await moto?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    events.length = 0;
  });

  it('rejects the shipped example configuration before any request to S3 and before the build, listing every example value', async () => {
    const configDir = tempDir('config');
    copyFileSync(join(DEFAULT_CONFIG_DIR, 'devl.json'), join(configDir, 'devl.json'));
    const shipped = loadConfig({ env: 'devl', configDir, processEnv: {} });
    const distDir = tempDir('dist');
    const build = fakeBuilder(events);

    const problems = await publishEnvironment({ config: shipped, clients, distDir, build, tlsOnlyPolicy: false }).catch(problemsOf);

    expect(problems).toEqual([
      `${join(configDir, 'devl.json')}: "kmsKeyId" still holds the shipped example value; set your own (or run \`bellflower bootstrap --env devl\`)`,
      `${join(configDir, 'devl.json')}: "subscriptionEmail" still holds the shipped example value; set your own (or run \`bellflower bootstrap --env devl\`)`,
      `${join(configDir, 'devl.json')}: "artifactBucket" still holds the shipped example value; set your own (or run \`bellflower bootstrap --env devl\`)`,
    ]);
    expect(events).toEqual([]);
    expect(build).not.toHaveBeenCalled();
    expect(readdirSync(distDir)).toEqual([]);
    expect(await bucketNames()).toEqual([]);
  });

  it('rejects --parameter values outside the templates\' constraints, a definition setting and a bucket name S3 refuses, all at once, before the build', async () => {
    const configDir = tempDir('config');
    const { environment: _environment, parameters: _parameters, region: _region, regionSource: _source, crossStackName: _cross, rootStackName: _root, ...file } = config;
    writeFileSync(join(configDir, 'devl.json'), JSON.stringify({ ...file, artifactBucket: 'bellflower..artifacts' }));
    const flags = ['LambdaFunctionMemory=99999', 'LambdaLogLevel=TRACE', 'LogRetentionInDays=2', 'CallbackTimeoutSeconds=600'];
    const withFlags = loadConfig({ env: 'devl', configDir, parameters: flags, processEnv: { AWS_REGION: config.region } });
    const distDir = tempDir('dist');
    const build = fakeBuilder(events);

    const problems = await publishEnvironment({ config: withFlags, clients, distDir, build, tlsOnlyPolicy: false }).catch(problemsOf);

    expect(problems).toEqual([
      'artifactBucket "bellflower..artifacts" must not contain two adjacent dots (S3 bucket naming rules)',
      'parameter CallbackTimeoutSeconds is not a stack parameter: publish bakes "callbackTimeoutSeconds" into the state machine definition; set "callbackTimeoutSeconds" in config/devl.json, then run bellflower publish --env devl',
      'parameter LambdaFunctionMemory = "99999" is above the maximum 10240',
      'parameter LambdaLogLevel = "TRACE" is not one of DEBUG, INFO, WARN, ERROR',
      'parameter LogRetentionInDays = "2" is not one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
    ]);
    // Credentials are asked; the bucket, whose name S3 would refuse, is not.
    expect(events).toEqual([]);
    expect(build).not.toHaveBeenCalled();
    expect(readdirSync(distDir)).toEqual([]);
    expect(await bucketNames()).toEqual([]);
  });

  it('rejects exchange files expiring before the callback wait the definition would get, before the build', async () => {
    const longWait = { ...config, callbackTimeoutSeconds: 10 * 86_400, parameters: { S3ObjectExpirationInDays: '7' } };
    const build = fakeBuilder(events);

    const problems = await publishEnvironment({ config: longWait, clients, distDir: tempDir('dist'), build, tlsOnlyPolicy: false }).catch(problemsOf);

    expect(problems).toEqual([
      'S3ObjectExpirationInDays 7 would expire task tokens and answers before the callback wait of 864000 s ends: pass --parameter S3ObjectExpirationInDays=11 or more, or shorten callbackTimeoutSeconds',
    ]);
    expect(build).not.toHaveBeenCalled();
  });

  it('rejects an artifact bucket in another region with a read-only check, before the build', async () => {
    const west = new S3Client({ ...moto.clientConfig, region: 'eu-west-1' });
    await west.send(new CreateBucketCommand({ Bucket: 'bellflower-artifacts-west', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    const build = fakeBuilder(events);

    const problems = await publishEnvironment({
      config: { ...config, artifactBucket: 'bellflower-artifacts-west' },
      clients,
      distDir: tempDir('dist'),
      build,
      tlsOnlyPolicy: false,
    }).catch(problemsOf);

    expect(problems).toEqual([
      expect.stringMatching(/^artifact bucket bellflower-artifacts-west is in eu-west-1, not us-east-1: /),
    ]);
    expect(build).not.toHaveBeenCalled();
    expect(events.every((event) => ['S3.HeadBucket', 'S3.GetBucketLocation'].includes(event))).toBe(true);
  });

  it('checks the bucket, then builds, then creates the bucket and uploads; devl then prod leaves both manifests and devl still deploys', async () => {
    const distDir = tempDir('dist');
    const devl = { ...config, artifactBucket: 'bellflower-artifacts-devl', callbackTimeoutSeconds: 3600 };
    const prod: BellflowerConfig = {
      ...config,
      environment: 'prod',
      artifactBucket: 'bellflower-artifacts-prod',
      crossStackName: 'bellflower-s3-custom-resource-stack-prod',
      rootStackName: 'bellflower-root-stack-prod',
      callbackTimeoutSeconds: 7200,
    };
    const reporter = recordingReporter();

    const first = await publishEnvironment({ config: devl, clients, distDir, build: fakeBuilder(events), reporter, tlsOnlyPolicy: false });
    const order = events.filter((event) => ['S3.HeadBucket', 'build', 'S3.CreateBucket', 'S3.PutObject'].includes(event));
    expect(order.slice(0, 3)).toEqual(['S3.HeadBucket', 'build', 'S3.HeadBucket']);
    expect(order.indexOf('S3.CreateBucket')).toBeGreaterThan(order.indexOf('build'));
    expect(order.lastIndexOf('S3.PutObject')).toBeGreaterThan(order.indexOf('S3.CreateBucket'));
    expect(reporter.lines[0]).toBe(
      `preflight ok: account 123456789012, region us-east-1, artifact bucket s3://bellflower-artifacts-devl is created after the build`,
    );
    expect(first.manifestFile).toBe(join(distDir, manifestPath('devl')));
    await publishEnvironment({ config: prod, clients, distDir, build: fakeBuilder(events), tlsOnlyPolicy: false });

    expect(readManifest(distDir, 'devl')).toMatchObject({ environment: 'devl', bucket: 'bellflower-artifacts-devl' });
    expect(readManifest(distDir, 'prod')).toMatchObject({ environment: 'prod', bucket: 'bellflower-artifacts-prod' });
    // dist/ now holds prod's definition; devl's manifest keeps devl's, which devl's configuration gives.
    expect(readFileSync(join(distDir, STATE_MACHINE_PATH), 'utf8')).toBe(definitionText({ callbackTimeoutSeconds: 7200 }));
    const devlDefinition = readManifest(distDir, 'devl').artifacts.find((artifact) => artifact.path === STATE_MACHINE_PATH);
    expect(devlDefinition?.sha256).toBe(sha256Hex(definitionText({ callbackTimeoutSeconds: 3600 })));
    const checked = await preflight({ config: devl, clients, distDir });
    expect(checked.manifest.bucket).toBe('bellflower-artifacts-devl');
    expect(existsSync(join(distDir, LEGACY_MANIFEST_PATH))).toBe(false);

    // A changed callback timeout in devl's configuration needs a publish of devl before its deploy.
    const changed = await preflight({ config: { ...devl, callbackTimeoutSeconds: 1800 }, clients, distDir }).catch(problemsOf);
    expect(changed).toEqual([
      'the state machine definition published for devl is not the one config/devl.json gives (callbackTimeoutSeconds, callbackHeartbeatSeconds): run `bellflower publish --env devl`',
    ]);
  });

  it('rejects a deploy of an environment without its manifest, naming the publish command, and never uses dist/manifest.json', async () => {
    const distDir = writeFakeBuild();
    dirs.push(distDir);
    await publishEnvironment({ config, clients, distDir, build: fakeBuilder(events), tlsOnlyPolicy: false });
    // What an earlier version left behind: devl's manifest under the one shared name.
    copyFileSync(join(distDir, manifestPath('devl')), join(distDir, LEGACY_MANIFEST_PATH));
    const test: BellflowerConfig = { ...config, environment: 'test', crossStackName: 'bellflower-s3-custom-resource-stack-test', rootStackName: 'bellflower-root-stack-test' };

    const problems = await preflight({ config: test, clients, distDir }).catch(problemsOf);

    expect(problems).toEqual([
      expect.stringMatching(
        /^no publish manifest for test at .*manifests\/test\.json: run `bellflower publish --env test` first \(.*manifest\.json, written by an earlier version, is not used: it may be another environment's\)$/,
      ),
    ]);
  });

  it('rejects a manifest file that is another environment\'s', async () => {
    const distDir = writeFakeBuild();
    dirs.push(distDir);
    await publishEnvironment({ config, clients, distDir, build: fakeBuilder(events), tlsOnlyPolicy: false });
    mkdirSync(join(distDir, 'manifests'), { recursive: true });
    copyFileSync(join(distDir, manifestPath('devl')), join(distDir, manifestPath('test')));

    expect(() => readManifest(distDir, 'test')).toThrow(
      /manifests\/test\.json is not the publish manifest of test \(it names "devl"\): run `bellflower publish --env test` again$/,
    );
  });
});

