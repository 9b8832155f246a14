/**
 * Watching the sources a build reads (`bellflower sync --watch`): node's own recursive `fs.watch`
 * over a few folders, with the events of one save gathered into one call.
 *
 * Why not chokidar: Node >= 20.19 (package.json "engines") watches recursively on Linux, macOS and
 * Windows (`fs.watch(dir, { recursive: true })`, Linux since Node 20), which is all a few source
 * folders need; chokidar 4 is itself a layer over `fs.watch` whose extras (globs, polling for
 * network drives, atomic-write detection) the debounce below covers for this use. No dependency.
 */
import { watch, type FSWatcher } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { PROJECT_ROOT } from '../core/paths';

/** The folders whose files go into the handler zips and the definition. */
export const SOURCE_FOLDERS = ['handlers', 'asl', 'templates'] as const;

/** Quiet time after the last event before a change is reported: an editor's save is several events. */
export const DEFAULT_DEBOUNCE_MS = 300;

/** Options of {@link watchSources}. */
export interface WatchSourcesOptions {
  /** Called once per burst of changes, with the changed paths relative to `root` (sorted). */
  readonly onChange: (paths: readonly string[]) => void;
  /** @default the project root */
  readonly root?: string;
  /** @default {@link SOURCE_FOLDERS} */
  readonly folders?: readonly string[];
  /** @default {@link DEFAULT_DEBOUNCE_MS} */
  readonly debounceMs?: number;
}

/** A running watch; `close` stops it (no call after that). */
export interface SourceWatch {
  close(): void;
}

/** Tests, snapshots and editors' temporary files change no build. */
const IGNORED = /(\.test\.ts|__snapshots__\/.*|~|\.swp|\.swx|\.tmp|4913)$/;

/** Watches `folders` under `root` recursively; reports each burst of changes once, after `debounceMs` of quiet. */
export function watchSources(options: WatchSourcesOptions): SourceWatch {
  const root = options.root ?? PROJECT_ROOT;
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const watchers: FSWatcher[] = (options.folders ?? SOURCE_FOLDERS).map((folder) =>
    watch(join(root, folder), { recursive: true }, (_event, file) => {
      if (closed || !file) return;
      const path = relative(root, join(root, folder, file.toString())).split(sep).join('/');
      if (IGNORED.test(path)) return;
      pending.add(path);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const paths = [...pending].sort();
        pending.clear();
        if (!closed) options.onChange(paths);
      }, debounceMs);
    }),
  );
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
