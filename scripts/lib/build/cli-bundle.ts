/**
 * The command bundle: `scripts/program.ts` (the program and, loaded on demand, every command)
 * bundled by esbuild into `dist/cli/`, so that `bellflower` starts without compiling TypeScript.
 * Built by `npm run build:cli`, which `npm ci` runs (the `prepare` script).
 *
 * Layout of `dist/cli/` (flat; a source that reads `import.meta.url` keeps its own URL inside the
 * bundle, see `sourceUrlPlugin`, so paths relative to the sources stay right):
 * - `bellflower.mjs`: the program (`main`), what `bin/bellflower.mjs` imports and calls;
 * - `chunk-<hash>.mjs`: each command's code, loaded when the command runs;
 * - `build-record.json`: the sha256 of every file the bundle was built from.
 *
 * Freshness: `bin/bellflower.mjs` compares the modification times of the recorded files with the
 * record's (a few `stat`s, no hashing at start) and, when one is newer, calls
 * {@link rebuildIfStale}, which hashes them and rebuilds only when a content changed. The test
 * suite's global set-up does the same before the tests that run the binary.
 *
 * Dependencies stay in `node_modules` except {@link BUNDLED_PACKAGES}, which load faster bundled
 * and are known to read no file of their own at run time.
 */
import type { Plugin } from 'esbuild';
import { readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { SHARED_INPUTS, changedInput, hashInputs, hashOptions, projectInputs, writeFileAtomic, writeRecord, type InputHashes } from './build-cache';

import { PROJECT_ROOT } from '../core/paths';


/** Where the commands are bundled, relative to the project root. */
export const CLI_DIR = 'dist/cli';

/** The record of the last build, relative to {@link CLI_DIR}. */
export const CLI_RECORD = 'build-record.json';

/** Bumped when the layout of `dist/cli/` or of the record changes: an older bundle is rebuilt. */
export const CLI_RECORD_VERSION = 2;

/** The program's source, relative to the project root: the bundle's one entry. */
export const CLI_ENTRY = 'scripts/program.ts';

/** Oldest Node.js the project supports (`engines` in package.json). */
const NODE_TARGET = 'node20.19';

/**
 * The code that builds and starts the bundle: a change to it rebuilds, like a change to a source.
 */
const BUILDER_INPUTS = ['scripts/lib/build/cli-bundle.ts', 'scripts/build-cli.ts', 'bin/bellflower.mjs'];

/**
 * Packages bundled into `dist/cli/` (with everything they import): the AWS SDK and the small
 * libraries every command loads, which start faster as one file than as hundreds. Any other
 * package is imported from `node_modules` at run time, as under tsx: some read their own files
 * next to their code (`@aws-cdk/*` its service database), which a bundle would break.
 */
export const BUNDLED_PACKAGES: readonly string[] = ['@aws-sdk/', '@smithy/', '@aws-crypto/', '@aws/', 'commander', 'yaml', 'zod', 'fflate', 'tslib'];

/** `dist/cli/build-record.json`. */
export interface CliRecord {
  readonly version: number;
  /** Every project file the bundle was built from, and {@link SHARED_INPUTS}. */
  readonly inputs: InputHashes;
}

/**
 * Keeps `import.meta.url` meaning the source file's own URL inside the bundle (the sources find
 * the project root, `dist/` and `config/` from it): each occurrence becomes the source's path
 * relative to `dist/cli/`, resolved against the URL of the bundle file that holds it.
 */
function sourceUrlPlugin(outdir: string): Plugin {
  return {
    name: 'bellflower-source-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes('node_modules')) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const { transform } = await import('esbuild');
        // esbuild replaces only real uses (not strings or comments) of import.meta.url.
        const { code } = await transform(source, {
          loader: 'ts',
          format: 'esm',
          sourcefile: args.path,
          define: { 'import.meta.url': '__bellflowerSourceUrl' },
        });
        const url = `new URL(${JSON.stringify(relative(outdir, args.path).split('\\').join('/'))}, import.meta.url).href`;
        return { contents: `const __bellflowerSourceUrl = ${url};\n${code}`, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** Bundles a package only when a project file imports one of {@link BUNDLED_PACKAGES}, or a bundled package imports it. */
function packagesPlugin(): Plugin {
  const bundled = (path: string): boolean => BUNDLED_PACKAGES.some((name) => (name.endsWith('/') ? path.startsWith(name) : path === name || path.startsWith(`${name}/`)));
  return {
    name: 'bellflower-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:') || args.importer.includes('/node_modules/') || bundled(args.path)) return undefined;
        return { path: args.path, external: true };
      });
    },
  };
}

/** Result of {@link buildCli}. */
export interface CliBuild {
  /** Files written into `dist/cli/`, relative to it. */
  readonly files: readonly string[];
  readonly record: CliRecord;
}

/** Bundles the program into `dist/cli/` and writes the record (last). */
export async function buildCli(root: string = PROJECT_ROOT): Promise<CliBuild> {
  const { build } = await import('esbuild');
  const outdir = join(root, CLI_DIR);
  const entryPoints: Record<string, string> = { bellflower: join(root, CLI_ENTRY) };
  const result = await build({
    absWorkingDir: root,
    entryPoints,
    outdir,
    // Flat: chunks beside the entry (see sourceUrlPlugin).
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: NODE_TARGET,
    mainFields: ['module', 'main'],
    // A real `require` for bundled CommonJS that loads Node built-ins (the AWS SDK does).
    banner: { js: "import{createRequire as __bellflowerCreateRequire}from'node:module';const require=__bellflowerCreateRequire(import.meta.url);" },
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    metafile: true,
    write: false,
    logLevel: 'silent',
    plugins: [sourceUrlPlugin(outdir), packagesPlugin()],
  });
  const files: string[] = [];
  for (const output of result.outputFiles) {
    writeFileAtomic(output.path, output.contents);
    files.push(relative(outdir, output.path));
  }
  const record: CliRecord = {
    version: CLI_RECORD_VERSION,
    inputs: hashInputs(root, [...SHARED_INPUTS, ...BUILDER_INPUTS, ...projectInputs(root, Object.keys(result.metafile.inputs))]),
  };
  writeRecord(join(outdir, CLI_RECORD), record);
  files.push(CLI_RECORD);
  // Chunks of older builds (content-hashed names) would pile up. Removed only after the new files
  // are in place: a command already running loads every chunk it needs when it starts.
  const current = new Set(files);
  for (const file of readdirSync(outdir)) {
    if (!current.has(file) && !file.endsWith('.partial')) rmSync(join(outdir, file), { force: true });
  }
  return { files: files.sort(), record };
}

/** Reads `dist/cli/build-record.json`; undefined when there is none. */
export function readCliRecord(root: string = PROJECT_ROOT): CliRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(root, CLI_DIR, CLI_RECORD), 'utf8')) as CliRecord;
  } catch {
    return undefined;
  }
}

/**
 * Why `dist/cli/` does not match the sources (`"scripts/lib/build/synth.ts changed"`), or undefined
 * when it does: every recorded file is hashed again (a few milliseconds).
 */
export function cliStaleness(root: string = PROJECT_ROOT): string | undefined {
  const record = readCliRecord(root);
  if (!record) return `${CLI_DIR} is not built`;
  if (record.version !== CLI_RECORD_VERSION) return `${CLI_DIR} was built by an older builder`;
  const changed = changedInput(root, record.inputs);
  return changed === undefined ? undefined : `${changed} changed`;
}

/**
 * One sha256 over every file the commands are built from (the sources, the lockfile), when
 * `dist/cli/` matches them; undefined when it does not or is not built. Anything generated from
 * the sources alone (the templates) is a function of this fingerprint and its options.
 */
export function sourceFingerprint(root: string = PROJECT_ROOT): string | undefined {
  if (cliStaleness(root) !== undefined) return undefined;
  const record = readCliRecord(root);
  return record ? hashOptions(record.inputs) : undefined;
}

/**
 * What `bin/bellflower.mjs` calls when a recorded file is newer than the record: rebuilds
 * `dist/cli/` when a content changed (and says why on stderr), else marks the record as checked
 * now so that the next start does not hash again. A checkout or a `touch` changes times, not
 * contents.
 */
export async function rebuildIfStale(root: string = PROJECT_ROOT): Promise<void> {
  const stale = cliStaleness(root);
  if (stale === undefined) {
    // Never older than a recorded file, even one dated in the future (clock skew, an archive),
    // so that the binary's time check passes from now on.
    const newest = Math.max(Date.now(), ...Object.keys(readCliRecord(root)?.inputs ?? {}).map((file) => statSync(join(root, file), { throwIfNoEntry: false })?.mtimeMs ?? 0));
    utimesSync(join(root, CLI_DIR, CLI_RECORD), new Date(), new Date(Math.ceil(newest) + 1));
    return;
  }
  process.stderr.write(`${stale}: rebuilding ${CLI_DIR} (npm run build:cli)\n`);
  await buildCli(root);
}
