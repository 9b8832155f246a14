/**
 * What `bellflower sync` put on an environment's stacks without CloudFormation,
 * `dist/sync/<env>.json`: for each artifact synced (a handler's zip, the state machine
 * definition), the sha256 of what runs now and the code key the stack was deployed with then.
 *
 * Deploy reads it so that a sync cannot make it lie: CloudFormation replaces a synced function's
 * code only when the published key differs from the stack's (the keys are content-addressed), so a
 * tree put back as it was published after a sync would deploy "no changes" and leave the synced
 * code running. Deploy refuses that case ({@link syncDriftProblems}) and removes the record once
 * both stacks are deployed. No AWS call here: deploy's import graph stays that of the deployer policy.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HANDLERS, codePath, STATE_MACHINE_PATH, type HandlerName } from '../../../templates/layout';
import { displayPath } from '../core/paths';
import type { PublishManifest } from './manifest';

/** Folder of the sync records relative to `dist/`. */
export const SYNC_RECORDS_DIR = 'sync';

/** One artifact `sync` changed in place. */
export interface SyncedArtifact {
  /** sha256 (hex) of the zip or the definition (before substitutions) that runs now. */
  readonly sha256: string;
  /** The code key the stack was deployed with when this was synced (its parameter's value). */
  readonly stackKey: string;
  /** When it was synced (ISO 8601). */
  readonly syncedAt: string;
}

/** `dist/sync/<env>.json`: artifact path (as in the publish manifest) -> what sync put there. */
export interface SyncRecord {
  readonly environment: string;
  readonly artifacts: Readonly<Record<string, SyncedArtifact>>;
}

/** Path of an environment's sync record relative to `dist/`. */
export function syncRecordPath(environment: string): string {
  return `${SYNC_RECORDS_DIR}/${environment}.json`;
}

/** The environment's sync record; an empty one when there is none (or it is unreadable: sync writes it whole). */
export function readSyncRecord(distDir: string, environment: string): SyncRecord {
  try {
    const record = JSON.parse(readFileSync(join(distDir, syncRecordPath(environment)), 'utf8')) as Partial<SyncRecord>;
    if (record.environment === environment && record.artifacts && typeof record.artifacts === 'object') return record as SyncRecord;
  } catch {
    // none yet
  }
  return { environment, artifacts: {} };
}

/** Adds `synced` to the environment's record; returns the file written. */
export function recordSynced(distDir: string, environment: string, synced: Readonly<Record<string, SyncedArtifact>>): string {
  const previous = readSyncRecord(distDir, environment);
  const record: SyncRecord = { environment, artifacts: { ...previous.artifacts, ...synced } };
  const file = join(distDir, syncRecordPath(environment));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

/** Removes the environment's record (deploy, once both stacks run the published artifacts); returns its path, or undefined when there was none. */
export function removeSyncRecord(distDir: string, environment: string): string | undefined {
  const file = join(distDir, syncRecordPath(environment));
  if (!existsSync(file)) return undefined;
  rmSync(file, { force: true });
  return file;
}

/** "the processing function's code", "the state machine definition". */
export function syncedArtifactName(path: string): string {
  const handler = (Object.keys(HANDLERS) as HandlerName[]).find((name) => codePath(name) === path);
  return handler ? `the ${handler} function's code` : path === STATE_MACHINE_PATH ? 'the state machine definition' : path;
}

/**
 * Why a deploy of `manifest` would leave synced code running: an artifact synced to other bytes
 * than the published ones, whose published key is the key the stack already has (CloudFormation
 * then sees no change and leaves the synced bytes). Empty when every synced artifact is replaced
 * by the deploy or already equals the published one.
 */
export function syncDriftProblems(record: SyncRecord, manifest: PublishManifest, distDir: string): string[] {
  const problems: string[] = [];
  for (const [path, synced] of Object.entries(record.artifacts)) {
    const published = manifest.artifacts.find((artifact) => artifact.path === path);
    if (!published || published.key !== synced.stackKey || published.sha256 === synced.sha256) continue;
    problems.push(
      `${syncedArtifactName(path)} is what \`bellflower sync\` put there at ${synced.syncedAt} (${displayPath(join(distDir, syncRecordPath(record.environment)))}), not the published one, and this deploy would leave it: its published key is unchanged, so CloudFormation sees no change. Run \`bellflower sync --env ${record.environment}\` to put the tree's (the published) version back, then deploy`,
    );
  }
  return problems;
}

/** The synced artifacts a deploy of `manifest` replaces with the published ones (for its report). */
export function replacedBySync(record: SyncRecord, manifest: PublishManifest): string[] {
  return Object.entries(record.artifacts)
    .filter(([path, synced]) => manifest.artifacts.find((artifact) => artifact.path === path)?.key !== synced.stackKey)
    .map(([path]) => syncedArtifactName(path));
}
