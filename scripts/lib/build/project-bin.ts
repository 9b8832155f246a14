/**
 * The project's own binaries in `node_modules/.bin`, so that `bellflower …` (with
 * `node_modules/.bin` on the PATH) and `npx bellflower …` find them there. npm links the `bin` of
 * every dependency, never the project's own (npm docs, package.json "bin": "npm will symlink that
 * file into prefix/bin for global installs, or ./node_modules/.bin/ for local installs" of the
 * package as a dependency); without the link, `npx bellflower` resolves the project as a package in
 * npm's cache on every call (about 1 s). `npm ci` links them (the `prepare` script, through
 * `npm run build:cli`). A link of that name that points elsewhere (a dependency's) is left alone.
 */
import { lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { PROJECT_ROOT } from '../core/paths';

/** What {@link linkProjectBins} did with one binary. */
export interface ProjectBinLink {
  readonly name: string;
  /** Path of the link (`node_modules/.bin/<name>`). */
  readonly path: string;
  /**
   * `linked`: created now; `present`: already there; `taken`: the name points elsewhere, left
   * alone; `failed`: the file system refused the link (e.g. Windows without the right to make
   * symbolic links), which must not fail `npm ci`.
   */
  readonly status: 'linked' | 'present' | 'taken' | 'failed';
  /** Why it failed. */
  readonly reason?: string;
}

/** Links each binary of `<root>/package.json`'s `bin` into `<root>/node_modules/.bin` (relative symlinks). */
export function linkProjectBins(root: string = PROJECT_ROOT, link: (target: string, path: string) => void = symlinkSync): ProjectBinLink[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: string; bin?: string | Record<string, string> };
  const bins = typeof manifest.bin === 'string' ? { [manifest.name ?? '']: manifest.bin } : (manifest.bin ?? {});
  const binDir = join(root, 'node_modules', '.bin');
  mkdirSync(binDir, { recursive: true });
  return Object.entries(bins).map(([name, target]) => {
    const path = join(binDir, name);
    const wanted = relative(binDir, join(root, target));
    let existing: string | undefined;
    try {
      existing = lstatSync(path).isSymbolicLink() ? readlinkSync(path) : '(a file)';
    } catch {
      existing = undefined;
    }
    if (existing === wanted) return { name, path, status: 'present' };
    if (existing !== undefined) return { name, path, status: 'taken' };
    try {
      link(wanted, path);
    } catch (error) {
      return { name, path, status: 'failed', reason: error instanceof Error ? error.message : String(error) };
    }
    return { name, path, status: 'linked' };
  });
}

/** The line `build:cli` prints for a link (nothing for one already there). */
export function describeLink(link: ProjectBinLink): string | undefined {
  const where = relative(dirname(dirname(dirname(link.path))), link.path);
  if (link.status === 'linked') return `${where}: linked (bellflower … with node_modules/.bin on the PATH, or npx bellflower …)`;
  if (link.status === 'taken') return `${where}: another package's ${link.name} is there, left alone (run node bin/${link.name}.mjs)`;
  if (link.status === 'failed') return `${where}: not linked (${link.reason}); run node bin/${link.name}.mjs`;
  return undefined;
}
