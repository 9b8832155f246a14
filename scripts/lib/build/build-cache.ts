/**
 * Content-hashed build records, shared by the handler build (`build.ts`) and the command bundle
 * (`cli-bundle.ts`). A build records the sha256 of its options and of every file it read: the
 * project sources esbuild reports in its metafile, plus {@link SHARED_INPUTS} (the lockfile stands
 * for `node_modules`, which is never hashed file by file). A later build with the same options
 * whose recorded files all hash the same would produce the same bytes, so it is skipped.
 *
 * Only content counts, never a timestamp: a checkout, `touch` or a clock change rebuilds nothing,
 * and a reverted edit is recognised as unchanged. A file that a changed source starts to import is
 * found because the importing file's hash changes with the import.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { sha256Hex } from '../../../templates/layout';
import { PROJECT_ROOT } from '../core/paths';

/**
 * The project's cache folder, `node_modules/.cache/bellflower/` (the usual place: git-ignored,
 * gone with a fresh `npm ci`). Everything in it is keyed by content hashes, so it is never stale.
 */
export const CACHE_ROOT = join(PROJECT_ROOT, 'node_modules', '.cache', 'bellflower');

/**
 * Files every build depends on beside the sources esbuild reports: the lockfile (dependency
 * versions), `package.json` (`type`, `sideEffects`) and `tsconfig.json` (read by esbuild).
 */
export const SHARED_INPUTS: readonly string[] = ['package-lock.json', 'package.json', 'tsconfig.json'];

/** Hash recorded for an input that does not exist (a missing lockfile is a state too). */
export const MISSING = 'missing';

/** What a build read: project-relative path (forward slashes) -> sha256 of the content, or {@link MISSING}. */
export type InputHashes = Readonly<Record<string, string>>;

/** sha256 of any JSON value, independent of the order of object keys. */
export function hashOptions(options: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
      );
    }
    return value;
  };
  return sha256Hex(JSON.stringify(canonical(options)));
}

/** Hashes each file (path relative to `root`); a file that cannot be read hashes to {@link MISSING}. */
export function hashInputs(root: string, paths: Iterable<string>): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const path of [...new Set(paths)].sort()) {
    try {
      hashes[path] = sha256Hex(readFileSync(join(root, path)));
    } catch {
      hashes[path] = MISSING;
    }
  }
  return hashes;
}

/** The first recorded file whose content no longer has the recorded hash, or undefined. */
export function changedInput(root: string, recorded: InputHashes): string | undefined {
  for (const [path, hash] of Object.entries(recorded)) {
    let current: string;
    try {
      current = sha256Hex(readFileSync(join(root, path)));
    } catch {
      current = MISSING;
    }
    if (current !== hash) return path;
  }
  return undefined;
}

/** True when every recorded file still has the recorded hash. */
export function inputsUnchanged(root: string, recorded: InputHashes): boolean {
  return changedInput(root, recorded) === undefined;
}

/**
 * The project files among esbuild's metafile inputs (paths relative to the build's working
 * directory `root`), with forward slashes; `node_modules` is represented by the lockfile instead.
 */
export function projectInputs(root: string, metafileInputs: Iterable<string>): string[] {
  const paths: string[] = [];
  for (const input of metafileInputs) {
    // Virtual modules of plugins ("ns:path") and esbuild's own runtime are not files.
    if (input.includes(':') && !isAbsolute(input)) continue;
    const path = relative(root, join(root, input)).split(sep).join('/');
    if (path.startsWith('..') || path.split('/').includes('node_modules')) continue;
    paths.push(path);
  }
  return paths.sort();
}

/** Reads a JSON record written by {@link writeRecord}; undefined when absent or unreadable. */
export function readRecord<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * Writes a file atomically (a temporary name, then a rename), so that a concurrent reader sees the
 * old or the new content, never half of it.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
  writeFileSync(partial, content);
  renameSync(partial, file);
}

/** Writes a JSON record atomically. */
export function writeRecord(file: string, record: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * The record in `file` when `valid` accepts it; else what `compute` gives, recorded in `file` for
 * the next call (a record that cannot be written is computed again then). Without a file (the
 * inputs are unknown), always computed.
 */
export async function rememberedRecord<T>(
  file: string | undefined,
  valid: (record: unknown) => boolean,
  compute: () => Promise<T>,
): Promise<T> {
  const remembered = file === undefined ? undefined : readRecord<unknown>(file);
  if (remembered !== undefined && valid(remembered)) return remembered as T;
  const record = await compute();
  if (file !== undefined) {
    try {
      writeRecord(file, record);
    } catch {
      // Not remembered: computed again next time.
    }
  }
  return record;
}
