import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactKey, TEMPLATE_PATHS } from '../../../templates/layout';
import { referencedTemplatePaths } from '../../../templates/root-stack';
import { parseYaml } from '../../../templates/yaml';
import { artifactPaths, buildArtifacts, describeArtifacts, publish } from './publish';
import { ensureArtifactBucket } from './artifact-bucket';
import { PublishError } from './manifest';
import { synthesize } from '../build/synth';
import { recordingReporter } from '../../../test/support/reporter';
import { writeFakeBuild } from '../../../test/support/fake-build';

/** Keys (under `prefix`) of the nested templates the root template in `distDir` references. */
const referencedKeys = (distDir: string, prefix: string): string[] =>
  referencedTemplatePaths(parseYaml(readFileSync(join(distDir, TEMPLATE_PATHS.root), 'utf8')) as Record<string, unknown>).map((path) =>
    artifactKey(prefix, path),
  );

describe('buildArtifacts', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const distDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'bellflower-artifacts-'));
    dirs.push(dir);
    return dir;
  };

  it('synthesizes only when the sources, the options or the written files differ from the last synthesis', async () => {
    const dir = distDir();
    const sources = `test-${process.pid}-${Date.now()}`;
    const build = (fingerprint: string | undefined, callbackTimeoutSeconds?: number) =>
      buildArtifacts({ distDir: dir, fingerprint: () => fingerprint, ...(callbackTimeoutSeconds ? { callbackTimeoutSeconds } : {}) });

    expect((await build(sources)).synthesized).toBe(true);
    const root = readFileSync(join(dir, TEMPLATE_PATHS.root));
    expect(await build(sources)).toMatchObject({ synthesized: false, code: { built: [] } });
    expect((await build(`${sources}-edited`)).synthesized).toBe(true);
    expect((await build(sources, 900)).synthesized).toBe(true);
    expect((await build(sources)).synthesized).toBe(true);
    appendFileSync(join(dir, TEMPLATE_PATHS.sns), '# edited\n');
    expect((await build(sources)).synthesized).toBe(true);
    expect(readFileSync(join(dir, TEMPLATE_PATHS.root)).equals(root)).toBe(true);
    // Unknown sources (commands not built, or built from other sources): always synthesized.
    expect((await build(undefined)).synthesized).toBe(true);
    expect((await build(undefined)).synthesized).toBe(true);
  });
});

describe('publish artifacts of the real templates', () => {
  let distDir: string;
  beforeAll(async () => {
    // Fake zips, real templates: the TemplateURLs of the synthesized root are what matters here.
    distDir = writeFakeBuild();
    await synthesize({ outDir: distDir });
  });
  afterAll(() => rmSync(distDir, { recursive: true, force: true }));

  it('lists every key a root TemplateURL references, and each nested template under its faithful key too', async () => {
    const artifacts = await describeArtifacts(distDir, 'bellflower');
    expect(artifacts).toHaveLength(artifactPaths().length);
    const keys = artifacts.map((artifact) => artifact.key);
    expect(keys).toEqual(expect.arrayContaining(referencedKeys(distDir, 'bellflower')));
    expect(keys).toEqual(expect.arrayContaining(Object.values(TEMPLATE_PATHS).map((path) => artifactKey('bellflower', path))));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('rejects a nested template edited after synth, naming the key the root still references', async () => {
    const copy = writeFakeBuild();
    try {
      await synthesize({ outDir: copy });
      appendFileSync(join(copy, TEMPLATE_PATHS.sns), '# edited\n');
      await expect(describeArtifacts(copy, 'bellflower')).rejects.toThrow(
        /references bellflower\/cft\/nested-stacks\/sns-stack-[0-9a-f]{16}\.yaml, not in this build .*run `npm run synth`/,
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

// Moto ignores ExpectedBucketOwner, so the "other account" answer (403) is mocked.
describe('publish bucket ownership (aws-sdk-client-mock: moto does not check ExpectedBucketOwner)', () => {
  it('rejects a bucket owned by another account', async () => {
    const s3 = mockClient(S3Client);
    s3.on(HeadBucketCommand).rejects(Object.assign(new Error('Forbidden'), { name: '403', $metadata: { httpStatusCode: 403 } }));
    const sts = mockClient(STSClient);
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111122223333' });
    const distDir = writeFakeBuild();
    try {
      const promise = publish({
        s3: new S3Client({ region: 'us-east-1' }),
        sts: new STSClient({ region: 'us-east-1' }),
        environment: 'devl',
        region: 'us-east-1',
        bucket: 'theirs',
        prefix: 'bellflower',
        distDir,
        reporter: recordingReporter(),
      });
      await expect(promise).rejects.toThrow(PublishError);
      await expect(promise).rejects.toThrow('artifact bucket theirs exists but is not owned by account 111122223333');
      expect(s3.commandCalls(HeadBucketCommand)[0]!.args[0].input).toEqual({ Bucket: 'theirs', ExpectedBucketOwner: '111122223333' });
    } finally {
      s3.restore();
      sts.restore();
      rmSync(distDir, { recursive: true, force: true });
    }
  });

  it('creates the bucket with the location constraint outside us-east-1 and a TLS-only policy', async () => {
    const s3 = mockClient(S3Client);
    s3.resolves({});
    s3.on(HeadBucketCommand).rejects(Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }));
    try {
      const created = await ensureArtifactBucket({ s3: new S3Client({ region: 'eu-west-1' }), bucket: 'mine', region: 'eu-west-1', account: '1' });
      expect(created).toBe(true);
      expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({
        Bucket: 'mine',
        ObjectOwnership: 'BucketOwnerEnforced',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      });
      const policy = JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[0]!.args[0].input.Policy!);
      expect(policy.Statement).toEqual([
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]);
    } finally {
      s3.restore();
    }
  });
});

