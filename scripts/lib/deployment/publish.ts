/**
 * Publish: uploads the built artifacts (templates, handler zips, state machine definition) to the
 * artifact bucket under the key prefix, creating a locked-down bucket when missing, skipping
 * objects whose content is already there, and writes `dist/manifests/<env>.json` for deploy.
 */
import type { StateMachineOptions } from '../../../asl/state-machine';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CreateBucketCommand,
  GetBucketLocationCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { Upload } from '@aws-sdk/lib-storage';
import {
  artifactKey,
  codePath,
  contentKey,
  HANDLERS,
  NESTED_TEMPLATES,
  sha256Hex,
  STATE_MACHINE_PATH,
  TEMPLATE_PATHS,
  type HandlerName,
} from '../../../templates/layout';
import { buildHandlerZips, type HandlerBuild } from '../build/build';
import { CACHE_ROOT, hashInputs, hashOptions, inputsUnchanged, readRecord, writeRecord, type InputHashes } from '../build/build-cache';
import { sourceFingerprint } from '../cli/cli-bundle';
import { displayPath } from '../cli/paths';
import { silentReporter, type Reporter } from '../cli/reporter';
import { messageOf } from '../cli/command';

/**
 * Path of an environment's publish manifest relative to `dist/`: one per environment, so that
 * publishing `prod` leaves what `devl` deploys alone.
 */
export function manifestPath(environment: string): string {
  return `manifests/${environment}.json`;
}

/** Uploads running at the same time. */
export const UPLOAD_CONCURRENCY = 4;

/** Files larger than this are sent with a multipart upload (S3's minimum part size is 5 MiB). */
export const MULTIPART_PART_SIZE = 8 * 1024 * 1024;

/** Object metadata key holding the sha256 (hex) of the published content. */
export const SHA256_METADATA = 'sha256';


/** One published object (a nested template is published twice: faithful and content-addressed key). */
export interface ManifestArtifact {
  /** Path relative to `dist/` (and to the key prefix, before content addressing). */
  readonly path: string;
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
}

/** `dist/manifests/<env>.json`: where every artifact of the current build lives in the artifact bucket. */
export interface PublishManifest {
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly artifacts: readonly ManifestArtifact[];
}

/** Publish failed (bucket refused or unusable, artifact missing, upload failed). */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** What {@link publish} needs. */
export interface PublishOptions {
  readonly s3: S3Client;
  readonly sts: STSClient;
  readonly region: string;
  readonly bucket: string;
  readonly prefix: string;
  /** Environment whose manifest publish writes (`dist/manifests/<env>.json`). */
  readonly environment: string;
  /** Folder holding the built artifacts; the manifest is written there. */
  readonly distDir: string;
  /**
   * Put the TLS-only bucket policy on a bucket publish creates. Turn it off only for an emulator
   * reached over plain http (see {@link usesPlainHttpEndpoint}): there the policy would deny every
   * request (moto also ignores the `Bool` condition and denies all object requests).
   * @default true
   */
  readonly tlsOnlyPolicy?: boolean;
  readonly reporter?: Reporter;
}

/** Result of {@link publish}. */
export interface PublishResult {
  readonly manifest: PublishManifest;
  readonly manifestFile: string;
  readonly bucketCreated: boolean;
  /** Paths (relative to `dist/`) whose bodies were sent, one per object (a nested template may appear twice). */
  readonly uploaded: readonly string[];
  /** Paths already present with the same sha256, one per object. */
  readonly unchanged: readonly string[];
}

/**
 * Every object of a build: templates under their faithful keys (the layout of the original),
 * nested templates also under content-addressed keys (the root stack's TemplateURLs point there,
 * so CloudFormation re-reads a changed nested template), handler zips and the definition under
 * content-addressed keys only. A nested template's faithful entry comes first.
 */
export function artifactPaths(): { readonly path: string; readonly contentAddressed: boolean }[] {
  return [
    ...Object.values(TEMPLATE_PATHS).map((path) => ({ path, contentAddressed: false })),
    ...NESTED_TEMPLATES.map((name) => ({ path: TEMPLATE_PATHS[name], contentAddressed: true })),
    ...(Object.keys(HANDLERS) as HandlerName[]).map((handler) => ({ path: codePath(handler), contentAddressed: true })),
    { path: STATE_MACHINE_PATH, contentAddressed: true },
  ];
}

/**
 * Hashes the build in `distDir` and computes every key; throws {@link PublishError} for a missing
 * file or a root template naming a nested template that is not in the build.
 */
export async function describeArtifacts(distDir: string, prefix: string): Promise<ManifestArtifact[]> {
  const artifacts = artifactPaths().map(({ path, contentAddressed }) => {
    let body: Buffer;
    try {
      body = readFileSync(join(distDir, path));
    } catch (error) {
      throw new PublishError(`${displayPath(join(distDir, path))} is missing: run \`npm run synth\` and \`npm run build\``, {
        cause: error,
      });
    }
    const sha256 = sha256Hex(body);
    const key = contentAddressed ? contentKey(prefix, path, sha256) : artifactKey(prefix, path);
    return { path, key, sha256, size: body.length };
  });
  await checkRootReferences(distDir, prefix, artifacts);
  return artifacts;
}

/** Every nested TemplateURL of the root template must name an object of this build. */
async function checkRootReferences(distDir: string, prefix: string, artifacts: readonly ManifestArtifact[]): Promise<void> {
  const rootFile = join(distDir, TEMPLATE_PATHS.root);
  let references: readonly string[];
  try {
    references = await rootReferences(readFileSync(rootFile, 'utf8'));
  } catch (error) {
    throw new PublishError(`cannot read the nested TemplateURLs of ${displayPath(rootFile)}: ${messageOf(error)}`, { cause: error });
  }
  const keys = new Set(artifacts.map((artifact) => artifact.key));
  const missing = references.map((path) => artifactKey(prefix, path)).filter((key) => !keys.has(key));
  if (missing.length > 0) {
    throw new PublishError(
      `${displayPath(rootFile)} references ${missing.join(', ')}, not in this build (a nested template changed after synth): run \`npm run synth\``,
    );
  }
}

/**
 * The nested template paths a root template names, remembered by the sha256 of its text: parsing
 * the YAML is most of the CPU an unchanged publish would otherwise spend.
 */
async function rootReferences(rootText: string): Promise<readonly string[]> {
  const memo = join(CACHE_ROOT, 'root-references', `${sha256Hex(rootText)}.json`);
  const remembered = readRecord<unknown>(memo);
  if (Array.isArray(remembered) && remembered.every((path) => typeof path === 'string')) return remembered as string[];
  const [{ referencedTemplatePaths }, { parseYaml }] = await Promise.all([import('../../../templates/root-stack'), import('../../../templates/yaml')]);
  const references = referencedTemplatePaths(parseYaml(rootText) as Record<string, unknown>);
  try {
    writeRecord(memo, references);
  } catch {
    // Not remembered: the next publish parses again.
  }
  return references;
}

/** What {@link buildArtifacts} did. */
export interface ArtifactBuild {
  /** False when the templates and definition in `distDir` were already those of these sources and options. */
  readonly synthesized: boolean;
  readonly code: HandlerBuild;
}

/** What a synthesis produced, remembered under the sources' fingerprint and the options. */
interface SynthRecord {
  readonly outputs: InputHashes;
}

/**
 * Builds everything publish uploads into `distDir`: templates and definition (synth) and handler
 * zips. Both are deterministic, so an unchanged source gives unchanged hashes and no upload. Each
 * is skipped when its inputs are unchanged (content hashes, see build-cache.ts): synthesis when the
 * sources' fingerprint (see cli-bundle.ts) and the options are those of the files already in
 * `distDir`, the handler zips per handler (see build.ts).
 */
export async function buildArtifacts(options: ArtifactBuildOptions): Promise<ArtifactBuild> {
  const { distDir, force, fingerprint, ...synthOptions } = options;
  const [synthesized, code] = await Promise.all([
    synthesizeIfChanged(distDir, synthOptions, force ? undefined : (fingerprint ?? sourceFingerprint)()),
    buildHandlerZips({ outDir: distDir, ...(force ? { force } : {}) }),
  ]);
  return { synthesized, code };
}

/** Options of {@link buildArtifacts}. */
export interface ArtifactBuildOptions extends StateMachineOptions {
  readonly distDir: string;
  /** Synthesize and bundle even when the inputs are unchanged. @default false */
  readonly force?: boolean;
  /**
   * Identifies the sources synthesis runs from; undefined when unknown (then it always runs).
   * @default sourceFingerprint (cli-bundle.ts)
   */
  readonly fingerprint?: () => string | undefined;
}

async function synthesizeIfChanged(distDir: string, options: StateMachineOptions, fingerprint: string | undefined): Promise<boolean> {
  const memo = fingerprint && join(CACHE_ROOT, 'synth', `${hashOptions({ fingerprint, options })}.json`);
  const remembered = memo ? readRecord<SynthRecord>(memo) : undefined;
  if (remembered?.outputs && inputsUnchanged(distDir, remembered.outputs)) return false;
  // Loaded only when needed: the templates are most of the modules an unchanged publish would load.
  const { synthesize } = await import('../build/synth');
  const { files } = await synthesize({ outDir: distDir, ...options });
  if (memo) {
    try {
      writeRecord(memo, { outputs: hashInputs(distDir, files) } satisfies SynthRecord);
    } catch {
      // Not remembered: the next publish synthesizes again.
    }
  }
  return true;
}

/** Uploads the build and writes the manifest. */
export async function publish(options: PublishOptions): Promise<PublishResult> {
  const reporter = options.reporter ?? silentReporter;
  const artifacts = await describeArtifacts(options.distDir, options.prefix);
  const account = await callerAccount(options.sts);
  const bucketCreated = await ensureArtifactBucket({ ...options, account, reporter });
  const uploaded: string[] = [];
  const unchanged: string[] = [];
  let bytes = 0;
  const total = artifacts.reduce((sum, artifact) => sum + artifact.size, 0);
  const show = (): void =>
    reporter.progress(
      `publish: ${uploaded.length + unchanged.length}/${artifacts.length} files (${uploaded.length} uploaded, ${unchanged.length} unchanged), ${formatBytes(bytes)} of ${formatBytes(total)}`,
    );
  show();
  await forEachLimited(artifacts, UPLOAD_CONCURRENCY, async (artifact) => {
    if (await isPublished(options.s3, options.bucket, account, artifact)) {
      unchanged.push(artifact.path);
      bytes += artifact.size;
    } else {
      await uploadFile({
        s3: options.s3,
        bucket: options.bucket,
        account,
        key: artifact.key,
        body: readFileSync(join(options.distDir, artifact.path)),
        sha256: artifact.sha256,
        onProgress: (loaded) => {
          bytes += loaded;
          show();
        },
      });
      uploaded.push(artifact.path);
    }
    show();
  });
  reporter.progressDone();
  const manifest: PublishManifest = { bucket: options.bucket, prefix: options.prefix, region: options.region, artifacts };
  const manifestFile = writeManifest(options.distDir, options.environment, manifest);
  return { manifest, manifestFile, bucketCreated, uploaded: uploaded.sort(), unchanged: unchanged.sort() };
}

/** Writes the environment's manifest into `distDir`; returns its path. */
export function writeManifest(distDir: string, environment: string, manifest: PublishManifest): string {
  const file = join(distDir, manifestPath(environment));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  return file;
}

/** Reads the environment's manifest from `distDir`; throws {@link PublishError} naming the publish command. */
export function readManifest(distDir: string, environment: string): PublishManifest {
  const file = join(distDir, manifestPath(environment));
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PublishManifest;
  } catch (error) {
    throw new PublishError(`no publish manifest for ${environment} at ${displayPath(file)}: run \`bellflower publish --env ${environment}\` first`, { cause: error });
  }
}

/**
 * Key of one artifact in a manifest (for a nested template, its faithful key); throws when the
 * manifest lacks it (stale manifest).
 */
export function manifestKey(manifest: PublishManifest, path: string): string {
  const artifact = manifest.artifacts.find((candidate) => candidate.path === path);
  if (!artifact) throw new PublishError(`the publish manifest has no ${path}: run \`npm run publish\` again`);
  return artifact.key;
}

/** Account id of the caller (STS). */
export async function callerAccount(sts: STSClient): Promise<string> {
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (!identity.Account) throw new Error('GetCallerIdentity returned no account');
    return identity.Account;
  } catch (error) {
    throw new PublishError(`no usable AWS credentials: ${messageOf(error)}`, { cause: error });
  }
}

/**
 * Whether the artifact bucket can be used, read only: `present` (ours, in `region`) or `missing`
 * (publish creates it). Throws {@link PublishError} for a bucket of another account or in another
 * region, or one that cannot be checked.
 */
export async function checkArtifactBucket(options: {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly region: string;
  readonly account: string;
}): Promise<'present' | 'missing'> {
  const { s3, bucket, region, account } = options;
  let bucketRegion: string | undefined;
  try {
    const head = await s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: account }));
    bucketRegion = head.BucketRegion;
  } catch (error) {
    const status = httpStatus(error);
    if (status === 404) return 'missing';
    if (status === 403) {
      throw new PublishError(
        `artifact bucket ${bucket} exists but is not owned by account ${account} (or access is denied): choose another "artifactBucket"`,
        { cause: error },
      );
    }
    if (status === 301) {
      const other = headerOf(error, 'x-amz-bucket-region') ?? 'another region';
      throw new PublishError(`artifact bucket ${bucket} is in ${other}, not ${region}: use a bucket in ${region}`, { cause: error });
    }
    throw new PublishError(`cannot check artifact bucket ${bucket}: ${messageOf(error)}`, { cause: error });
  }
  bucketRegion ??= await locationOf(s3, bucket, account);
  if (bucketRegion !== region) {
    throw new PublishError(
      `artifact bucket ${bucket} is in ${bucketRegion}, not ${region}: CloudFormation needs templates in the stack's region; use another "artifactBucket"`,
    );
  }
  return 'present';
}

/**
 * {@link checkArtifactBucket}, then creates a missing bucket (private, encrypted, versioned,
 * TLS only unless `tlsOnlyPolicy` is false). Returns true when it created the bucket.
 */
export async function ensureArtifactBucket(options: {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly region: string;
  readonly account: string;
  readonly tlsOnlyPolicy?: boolean;
  readonly reporter?: Reporter;
}): Promise<boolean> {
  const { s3, bucket, region, account } = options;
  const tlsOnly = options.tlsOnlyPolicy ?? true;
  if ((await checkArtifactBucket(options)) === 'present') return false;
  await createArtifactBucket(s3, bucket, region, account, tlsOnly);
  options.reporter?.info(
    `created artifact bucket s3://${bucket} (${region}): private, encrypted, versioned${tlsOnly ? ', TLS only' : ' (no TLS-only policy: plain http endpoint)'}`,
  );
  return true;
}

async function locationOf(s3: S3Client, bucket: string, account: string): Promise<string> {
  const location = await s3.send(new GetBucketLocationCommand({ Bucket: bucket, ExpectedBucketOwner: account }));
  const constraint: BucketLocationConstraint | undefined = location.LocationConstraint;
  if (!constraint) return 'us-east-1';
  return constraint === 'EU' ? 'eu-west-1' : constraint;
}

async function createArtifactBucket(
  s3: S3Client,
  bucket: string,
  region: string,
  account: string,
  tlsOnly: boolean,
): Promise<void> {
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ObjectOwnership: 'BucketOwnerEnforced',
        ...(region === 'us-east-1'
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'BucketAlreadyExists') {
      throw new PublishError(`artifact bucket name ${bucket} is taken by another account: choose another "artifactBucket"`, {
        cause: error,
      });
    }
    if (name !== 'BucketAlreadyOwnedByYou') {
      throw new PublishError(`cannot create artifact bucket ${bucket}: ${messageOf(error)}`, { cause: error });
    }
  }
  const owner = { Bucket: bucket, ExpectedBucketOwner: account };
  await s3.send(
    new PutPublicAccessBlockCommand({
      ...owner,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
  await s3.send(
    new PutBucketEncryptionCommand({
      ...owner,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    }),
  );
  await s3.send(new PutBucketVersioningCommand({ ...owner, VersioningConfiguration: { Status: 'Enabled' } }));
  if (tlsOnly) await s3.send(new PutBucketPolicyCommand({ ...owner, Policy: JSON.stringify(tlsOnlyPolicy(bucket)) }));
}

/** Bucket policy denying every request not made over TLS. */
export function tlsOnlyPolicy(bucket: string): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}

async function isPublished(s3: S3Client, bucket: string, account: string, artifact: ManifestArtifact): Promise<boolean> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: artifact.key, ExpectedBucketOwner: account }));
    return head.Metadata?.[SHA256_METADATA] === artifact.sha256 && head.ContentLength === artifact.size;
  } catch (error) {
    if (httpStatus(error) === 404) return false;
    throw new PublishError(`cannot check s3://${bucket}/${artifact.key}: ${messageOf(error)}`, { cause: error });
  }
}

/** Uploads one object (multipart above {@link MULTIPART_PART_SIZE}) with its sha256 in the metadata. */
export async function uploadFile(options: {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly account: string;
  readonly key: string;
  readonly body: Uint8Array;
  readonly sha256: string;
  readonly partSize?: number;
  /** Called with the bytes sent since the previous call. */
  readonly onProgress?: (bytes: number) => void;
}): Promise<void> {
  const upload = new Upload({
    client: options.s3,
    partSize: options.partSize ?? MULTIPART_PART_SIZE,
    queueSize: 2,
    params: {
      Bucket: options.bucket,
      Key: options.key,
      Body: options.body,
      ExpectedBucketOwner: options.account,
      ContentType: contentType(options.key),
      Metadata: { [SHA256_METADATA]: options.sha256 },
    },
  });
  let sent = 0;
  upload.on('httpUploadProgress', (progress) => {
    const loaded = progress.loaded ?? 0;
    if (loaded > sent) {
      options.onProgress?.(loaded - sent);
      sent = loaded;
    }
  });
  try {
    await upload.done();
  } catch (error) {
    throw new PublishError(`upload of s3://${options.bucket}/${options.key} failed: ${messageOf(error)}`, { cause: error });
  }
  if (sent < options.body.length) options.onProgress?.(options.body.length - sent);
}

function contentType(key: string): string {
  if (key.endsWith('.yaml')) return 'application/yaml';
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.zip')) return 'application/zip';
  return 'application/octet-stream';
}

/**
 * Runs `task` over `items` with at most `limit` at once. Hand-written (8 lines) rather than a
 * dependency: p-limit is not installed and this is the only place that needs it.
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** HTTP status of an SDK error, if any. */
export function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function headerOf(error: unknown, name: string): string | undefined {
  return (error as { $response?: { headers?: Record<string, string> } } | undefined)?.$response?.headers?.[name];
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
