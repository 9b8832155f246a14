/**
 * The publish manifest of an environment, `dist/manifests/<env>.json`: what publish uploaded
 * (each artifact's key, sha256 and size) and where, read by deploy, diff and destroy.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BellflowerError } from '../core/errors';
import { displayPath } from '../core/paths';

/** Folder of the publish manifests relative to `dist/`: one `<env>.json` per environment. */
export const MANIFESTS_DIR = 'manifests';

/**
 * Where versions before per-environment manifests wrote the one manifest of whichever environment
 * published last. Never read: it may be another environment's; a missing manifest's message names it.
 */
export const LEGACY_MANIFEST_PATH = 'manifest.json';

/** Path of an environment's publish manifest relative to `dist/`. */
export function manifestPath(environment: string): string {
  return `${MANIFESTS_DIR}/${environment}.json`;
}

/** What to run when an environment's manifest is missing or stale. */
export function publishHint(environment: string): string {
  return `run \`bellflower publish --env ${environment}\``;
}

/** One published object (a nested template is published twice: faithful and content-addressed key). */
export interface ManifestArtifact {
  /** Path relative to `dist/` (and to the key prefix, before content addressing). */
  readonly path: string;
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
}

/** `dist/manifests/<env>.json`: where every artifact of an environment's last publish lives in its artifact bucket. */
export interface PublishManifest {
  readonly environment: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly artifacts: readonly ManifestArtifact[];
}

/** Publish failed (bucket refused or unusable, artifact missing, upload failed). */
export class PublishError extends BellflowerError {
  override readonly name = 'PublishError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Writes the manifest of `manifest.environment` under `distDir`; returns its path. */
export function writeManifest(distDir: string, manifest: PublishManifest): string {
  const file = join(distDir, manifestPath(manifest.environment));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  return file;
}

/**
 * Reads the manifest of `environment` from `distDir`, never another environment's; throws
 * {@link PublishError} naming `bellflower publish --env <environment>` when it is missing,
 * unreadable or not that environment's.
 */
export function readManifest(distDir: string, environment: string): PublishManifest {
  const file = join(distDir, manifestPath(environment));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const legacy = join(distDir, LEGACY_MANIFEST_PATH);
    const note = existsSync(legacy)
      ? ` (${displayPath(legacy)}, written by an earlier version, is not used: it may be another environment's)`
      : '';
    throw new PublishError(`no publish manifest for ${environment} at ${displayPath(file)}: ${publishHint(environment)} first${note}`, {
      cause: error,
    });
  }
  let manifest: Partial<PublishManifest>;
  try {
    manifest = (JSON.parse(text) as Partial<PublishManifest> | null) ?? {};
  } catch (error) {
    throw new PublishError(`${displayPath(file)} is not valid JSON: ${publishHint(environment)} again`, { cause: error });
  }
  // A manifest without the field was written for this file's environment by the first version of per-environment manifests.
  if ((manifest.environment !== undefined && manifest.environment !== environment) || !Array.isArray(manifest.artifacts)) {
    throw new PublishError(
      `${displayPath(file)} is not the publish manifest of ${environment} (it names ${JSON.stringify(manifest.environment)}): ${publishHint(environment)} again`,
    );
  }
  return { ...manifest, environment } as PublishManifest;
}

/**
 * Removes the manifest of `environment` (destroy, once the artifacts it names are deleted); returns
 * its path, or undefined when there was none. Other environments' manifests stay.
 */
export function removeManifest(distDir: string, environment: string): string | undefined {
  const file = join(distDir, manifestPath(environment));
  if (!existsSync(file)) return undefined;
  rmSync(file, { force: true });
  return file;
}

/**
 * Key of one artifact in a manifest (for a nested template, its faithful key); throws when the
 * manifest lacks it (stale manifest).
 */
export function manifestKey(manifest: PublishManifest, path: string): string {
  const artifact = manifest.artifacts.find((candidate) => candidate.path === path);
  if (!artifact) throw new PublishError(`the publish manifest of ${manifest.environment} has no ${path}: ${publishHint(manifest.environment)} again`);
  return artifact.key;
}
