import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetBucketEncryptionCommand, GetBucketVersioningCommand, GetObjectCommand, GetPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { artifactKey, codePath, contentKey, sha256Hex, STATE_MACHINE_PATH, TEMPLATE_PATHS } from '../../../templates/layout';
import { referencedTemplatePaths } from '../../../templates/root-stack';
import { parseYaml } from '../../../templates/yaml';
import { startMoto, type MotoServer } from '../../../test/support/moto';
import { requireTool } from '../../../test/support/tools';
import { createAwsClients, type AwsClients } from '../core/aws';
import { buildArtifacts, publish, uploadFile } from './publish';
import { manifestPath, readManifest, removeManifest } from './manifest';
import { writeFakeBuild } from '../../../test/support/fake-build';

/** 7 templates + 5 nested templates again under content-addressed keys + 4 zips + the definition. */
const OBJECTS = 17;

/** Keys (under `prefix`) of the nested templates the root template in `distDir` references. */
const referencedKeys = (distDir: string, prefix: string): string[] =>
  referencedTemplatePaths(parseYaml(readFileSync(join(distDir, TEMPLATE_PATHS.root), 'utf8')) as Record<string, unknown>).map((path) =>
    artifactKey(prefix, path),
  );

/** Counts the requests that carry an object body (PutObject, UploadPart) sent through `s3`. */
function countBodies(s3: S3Client): { readonly count: () => number; readonly names: string[] } {
  const names: string[] = [];
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutObjectCommand' || context.commandName === 'UploadPartCommand') {
        names.push(context.commandName);
      }
      return next(args);
    },
    { step: 'initialize', name: 'countBodies' },
  );
  return { count: () => names.length, names };
}

describe.runIf(requireTool('moto_server'))('publish against moto', () => {
  let moto: MotoServer;
  let clients: AwsClients;
  const dirs: string[] = [];
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await moto.reset();
    clients = createAwsClients({ ...moto.clientConfig });
  });
  const fakeBuild = (codeSeed?: string): string => {
    const dir = writeFakeBuild(codeSeed === undefined ? {} : { codeSeed });
    dirs.push(dir);
    return dir;
  };
  const run = (distDir: string, bucket = 'artifacts') =>
    // Plain http endpoint: no TLS-only policy (moto would deny every object request under it).
    publish({ s3: clients.s3, sts: clients.sts, environment: 'devl', region: 'us-east-1', bucket, prefix: 'bellflower', distDir, tlsOnlyPolicy: false });

  it('creates a locked-down bucket, uploads every artifact under its key and writes the manifest', async () => {
    const distDir = fakeBuild();
    const result = await run(distDir);

    expect(result.bucketCreated).toBe(true);
    expect(result.uploaded).toHaveLength(OBJECTS);
    const manifest = JSON.parse(readFileSync(join(distDir, manifestPath('devl')), 'utf8'));
    expect(result.manifestFile).toBe(join(distDir, 'manifests', 'devl.json'));
    expect(manifest).toMatchObject({ environment: 'devl', bucket: 'artifacts', prefix: 'bellflower', region: 'us-east-1' });
    const byPath = Object.fromEntries(manifest.artifacts.map((a: { path: string }) => [a.path, a]));
    expect(byPath[TEMPLATE_PATHS.root].key).toBe('bellflower/cft/bellflower-root-stack.yaml');
    const iamKeys = manifest.artifacts.filter((a: { path: string }) => a.path === TEMPLATE_PATHS.iam).map((a: { key: string }) => a.key);
    expect(iamKeys).toEqual([
      'bellflower/cft/nested-stacks/iam-role-stack.yaml',
      contentKey('bellflower', TEMPLATE_PATHS.iam, sha256Hex(readFileSync(join(distDir, TEMPLATE_PATHS.iam)))),
    ]);
    const zip = readFileSync(join(distDir, codePath('processing')));
    expect(byPath[codePath('processing')]).toEqual({
      path: 'code/processing_lambda.zip',
      key: contentKey('bellflower', 'code/processing_lambda.zip', sha256Hex(zip)),
      sha256: sha256Hex(zip),
      size: zip.length,
    });
    expect(byPath[STATE_MACHINE_PATH].key).toMatch(/^bellflower\/state-machine\/state-machine-[0-9a-f]{16}\.json$/);
    const stored = await clients.s3.send(new GetObjectCommand({ Bucket: 'artifacts', Key: byPath[codePath('processing')].key }));
    expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(zip)).toBe(true);

    const bucket = { Bucket: 'artifacts' };
    const block = await clients.s3.send(new GetPublicAccessBlockCommand(bucket));
    expect(Object.values(block.PublicAccessBlockConfiguration ?? {})).toEqual([true, true, true, true]);
    const encryption = await clients.s3.send(new GetBucketEncryptionCommand(bucket));
    expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
    expect((await clients.s3.send(new GetBucketVersioningCommand(bucket))).Status).toBe('Enabled');
  });

  it('sends no object body when the same build is published again, and only the changed files after a change', async () => {
    const distDir = fakeBuild();
    await run(distDir);
    const bodies = countBodies(clients.s3);

    const again = await run(distDir);
    expect(bodies.count()).toBe(0);
    expect(again.unchanged).toHaveLength(OBJECTS);
    expect(again.bucketCreated).toBe(false);

    writeFakeBuild({ dir: distDir, codeSeed: 'v2' });
    const changed = await run(distDir);
    expect(changed.uploaded).toEqual([
      'code/integration_lambda.zip',
      'code/processing_lambda.zip',
      'code/s3_folders_lambda.zip',
      'code/s3_notification_lambda.zip',
    ]);
    expect(bodies.count()).toBe(4);
  });

  it('publishes the real build (synth + handler zips); rebuilding the same sources sends no body', async () => {
    const distDir = mkdtempSync(join(tmpdir(), 'bellflower-real-'));
    dirs.push(distDir);
    await buildArtifacts({ distDir });
    const first = await run(distDir);
    expect(first.uploaded).toHaveLength(OBJECTS);
    const keys = referencedKeys(distDir, 'bellflower');
    expect(keys).toHaveLength(6);
    for (const key of keys) {
      const artifact = first.manifest.artifacts.find((candidate) => candidate.key === key)!;
      expect(artifact, key).toBeDefined();
      const stored = await clients.s3.send(new GetObjectCommand({ Bucket: 'artifacts', Key: key }));
      expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(readFileSync(join(distDir, artifact.path))), key).toBe(true);
    }
    const bodies = countBodies(clients.s3);

    const unchanged = await buildArtifacts({ distDir });
    expect(unchanged.code.built).toEqual([]);
    const second = await run(distDir);
    // A rebuild from scratch (no cache) gives the same bytes: nothing to send either.
    await buildArtifacts({ distDir, force: true });
    const third = await run(distDir);

    expect(second.unchanged).toHaveLength(OBJECTS);
    expect(third.unchanged).toHaveLength(OBJECTS);
    expect(bodies.count()).toBe(0);
  });

  it('keeps one manifest per environment; removing one leaves the others', async () => {
    const distDir = fakeBuild();
    await run(distDir);
    await publish({ s3: clients.s3, sts: clients.sts, environment: 'prod', region: 'us-east-1', bucket: 'prod-artifacts', prefix: 'bellflower', distDir, tlsOnlyPolicy: false });

    expect(removeManifest(distDir, 'prod')).toBe(join(distDir, manifestPath('prod')));
    expect(removeManifest(distDir, 'prod')).toBeUndefined();
    expect(readManifest(distDir, 'devl')).toMatchObject({ environment: 'devl', bucket: 'artifacts' });
    expect(() => readManifest(distDir, 'prod')).toThrow(/no publish manifest for prod at .*manifests\/prod\.json: run `bellflower publish --env prod` first$/);
  });

  it('uploads a file larger than the part size in parts', async () => {
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'artifacts' }));
    const bodies = countBodies(clients.s3);
    const body = Buffer.alloc(11 * 1024 * 1024, 7);
    await uploadFile({
      s3: clients.s3,
      bucket: 'artifacts',
      account: '123456789012',
      key: 'bellflower/big.zip',
      body,
      sha256: sha256Hex(body),
      partSize: 5 * 1024 * 1024,
    });
    expect(bodies.names).toEqual(['UploadPartCommand', 'UploadPartCommand', 'UploadPartCommand']);
  });

  it('rejects a bucket in another region', async () => {
    const west = new S3Client({ ...moto.clientConfig, region: 'eu-west-1' });
    await west.send(new CreateBucketCommand({ Bucket: 'elsewhere', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    await expect(run(fakeBuild(), 'elsewhere')).rejects.toThrow(/artifact bucket elsewhere is in eu-west-1, not us-east-1/);
  });

  it('rejects a missing build file with the command that makes it', async () => {
    const distDir = fakeBuild();
    rmSync(join(distDir, codePath('integration')));
    await expect(run(distDir)).rejects.toThrow(/code\/integration_lambda\.zip is missing: run `npm run synth` and `npm run build`/);
  });
});

// Moto ignores ExpectedBucketOwner, so the "other account" answer (403) is mocked.

