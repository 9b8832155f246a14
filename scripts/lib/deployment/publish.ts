/**
 * Publish: uploads the built artifacts (templates, handler zips, state machine definition) to the
 * artifact bucket under the key prefix, creating a locked-down bucket when missing, skipping
 * objects whose content is already there, and writes the environment's manifest,
 * `dist/manifests/<env>.json`, for deploy. (`publish-preflight.ts` checks everything first.)
 */
import type { StateMachineOptions } from '../../../asl/state-machine';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
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
import { CACHE_ROOT, hashInputs, hashOptions, inputsUnchanged, readRecord, rememberedRecord, writeRecord, type InputHashes } from '../build/build-cache';
import { sourceFingerprint } from '../build/cli-bundle';
import { displayPath } from '../core/paths';
import { silentReporter, type Reporter } from '../core/reporter';
import { messageOf } from '../core/errors';
import type { AwsClients } from '../core/aws';
import type { BellflowerConfig } from '../core/config';
import { callerAccount, ensureArtifactBucket, httpStatus } from './artifact-bucket';
import { PublishError, writeManifest, type ManifestArtifact, type PublishManifest } from './manifest';

/** Uploads running at the same time. */
export const UPLOAD_CONCURRENCY = 4;

/** Files larger than this are sent with a multipart upload (S3's minimum part size is 5 MiB). */
export const MULTIPART_PART_SIZE = 8 * 1024 * 1024;

/** Object metadata key holding the sha256 (hex) of the published content. */
export const SHA256_METADATA = 'sha256';


/** What {@link publish} needs. */
export interface PublishOptions {
  readonly s3: S3Client;
  readonly sts: STSClient;
  /** The environment published: names the manifest, `dist/manifests/<environment>.json`. */
  readonly environment: string;
  readonly region: string;
  readonly bucket: string;
  readonly prefix: string;
  /** Folder holding the built artifacts; the manifest is written under it. */
  readonly distDir: string;
  /** The caller's account when already known (the preflight asked STS). @default asked of STS */
  readonly account?: string;
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
  return rememberedRecord(
    join(CACHE_ROOT, 'root-references', `${sha256Hex(rootText)}.json`),
    (record) => Array.isArray(record) && record.every((path) => typeof path === 'string'),
    async () => {
      const [{ referencedTemplatePaths }, { parseYaml }] = await Promise.all([import('../../../templates/root-stack'), import('../../../templates/yaml')]);
      return referencedTemplatePaths(parseYaml(rootText) as Record<string, unknown>);
    },
  );
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

/** The build of an environment: its definition takes the callback settings of its configuration. */
export function environmentBuildOptions(config: BellflowerConfig, distDir: string): ArtifactBuildOptions {
  return {
    distDir,
    ...(config.callbackTimeoutSeconds !== undefined ? { callbackTimeoutSeconds: config.callbackTimeoutSeconds } : {}),
    ...(config.callbackHeartbeatSeconds !== undefined ? { callbackHeartbeatSeconds: config.callbackHeartbeatSeconds } : {}),
  };
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
  const account = options.account ?? (await callerAccount(options.sts));
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
  const manifest: PublishManifest = {
    environment: options.environment,
    bucket: options.bucket,
    prefix: options.prefix,
    region: options.region,
    artifacts,
  };
  const manifestFile = writeManifest(options.distDir, manifest);
  return { manifest, manifestFile, bucketCreated, uploaded: uploaded.sort(), unchanged: unchanged.sort() };
}

/** The publish request of an environment: its bucket, prefix and region, with the given clients. */
export function publishOptions(options: {
  readonly config: BellflowerConfig;
  readonly clients: Pick<AwsClients, 's3' | 'sts'>;
  readonly distDir: string;
  readonly reporter?: Reporter;
  /** @default true */
  readonly tlsOnlyPolicy?: boolean;
  /** The caller's account when already known. */
  readonly account?: string;
}): PublishOptions {
  const { config, clients } = options;
  return {
    s3: clients.s3,
    sts: clients.sts,
    environment: config.environment,
    region: config.region,
    bucket: config.artifactBucket,
    prefix: config.keyPrefix,
    distDir: options.distDir,
    ...(options.tlsOnlyPolicy !== undefined ? { tlsOnlyPolicy: options.tlsOnlyPolicy } : {}),
    ...(options.reporter !== undefined ? { reporter: options.reporter } : {}),
    ...(options.account !== undefined ? { account: options.account } : {}),
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

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
