/**
 * The one module that knows where the project is: its root, its version, the default `config/`
 * and `dist/` folders and the variables that point a command at other ones (the emulator's), and
 * how a path is shown in a message.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root (three levels above this file). Inside the command bundle `import.meta.url`
 * still names this source file (see `scripts/lib/build/cli-bundle.ts`, `sourceUrlPlugin`).
 */
export const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url)).replace(/[\\/]$/, '');

/** The project's `config/`: `<env>.json` and the git-ignored `<env>.local.json`. */
export const DEFAULT_CONFIG_DIR = join(PROJECT_ROOT, 'config');

/** The project's `dist/`: the build, the manifests and the outputs. */
export const DEFAULT_DIST_DIR = join(PROJECT_ROOT, 'dist');

/** The project's version (`package.json`), read when asked so that it is never stale. */
export function projectVersion(root: string = PROJECT_ROOT): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Variable naming another configuration folder (the emulator's, see `bellflower emulator`). */
export const CONFIG_DIR_VARIABLE = 'BELLFLOWER_CONFIG_DIR';

/** Variable naming another folder of the build, the manifests and the outputs (the emulator's). */
export const DIST_DIR_VARIABLE = 'BELLFLOWER_DIST_DIR';

/** The configuration folder: `--config-dir`, else {@link CONFIG_DIR_VARIABLE}; undefined means the project's `config/`. */
export function configDirOf(flags: { readonly configDir?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flags.configDir ?? (env[CONFIG_DIR_VARIABLE] || undefined);
}

/** The build folder: `--dist`, else {@link DIST_DIR_VARIABLE}; undefined means the project's `dist/`. */
export function distDirOf(flags: { readonly dist?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flags.dist ?? (env[DIST_DIR_VARIABLE] || undefined);
}

/** `file` relative to the working directory when it lies below it, else absolute (for messages). */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
