/**
 * A copy of this project's tree in a temporary folder, to edit a handler or the state machine as a
 * user would (`bellflower sync` builds the tree it runs from) without touching the project's own
 * sources, which other tests read at the same time. `node_modules` is linked entry by entry, except
 * its build cache (`.cache`), which the copy keeps to itself; there is no `dist/cli`, so the
 * copy's binary runs the sources through tsx.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../scripts/lib/core/paths';

/** What the binary needs to build and run: the sources, the configuration and the package files. */
const COPIED = ['bin', 'scripts', 'handlers', 'asl', 'templates', 'emulator', 'config', 'package.json', 'package-lock.json', 'tsconfig.json'];

/** A copied tree; `edit` replaces one text in one file (throws when the text is not there). */
export interface ProjectCopy {
  readonly root: string;
  edit(path: string, from: string, to: string): void;
  remove(): void;
}

/** Copies the project (tests and snapshots left out) into a fresh temporary folder. */
export function copyProject(): ProjectCopy {
  const root = mkdtempSync(join(tmpdir(), 'bellflower-tree-'));
  for (const entry of COPIED) {
    cpSync(join(PROJECT_ROOT, entry), join(root, entry), { recursive: true, filter: (source) => !/(\.test\.ts|__snapshots__)$/.test(source) });
  }
  mkdirSync(join(root, 'node_modules'));
  for (const entry of readdirSync(join(PROJECT_ROOT, 'node_modules'))) {
    if (entry !== '.cache') symlinkSync(join(PROJECT_ROOT, 'node_modules', entry), join(root, 'node_modules', entry));
  }
  return {
    root,
    edit(path, from, to) {
      const file = join(root, path);
      const text = readFileSync(file, 'utf8');
      if (!text.includes(from)) throw new Error(`${path} has no "${from}"`);
      writeFileSync(file, text.replace(from, to));
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
