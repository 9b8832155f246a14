/**
 * Building the four Lambda handlers: one esbuild bundle each (ESM `index.mjs`, minified), zipped
 * deterministically into `<outDir>/code/<zip>`, plus `<outDir>/code/manifest.json` (zip name ->
 * sha256 and size) from which publishing derives content-addressed keys. Each source map is
 * written beside its zip (`code/<zip stem>.index.mjs.map`) unless a debug build puts it inside.
 *
 * A handler whose inputs are unchanged is not bundled again: its zip comes from the content-hashed
 * build cache (`node_modules/.cache/bellflower/handlers/`, see `build-cache.ts`), byte for byte
 * what the bundler would write.
 */
import type { BuildResult, Metafile } from 'esbuild';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CODE_DIR, CODE_MANIFEST_PATH, HANDLERS, codePath, sha256Hex, type HandlerName } from '../../../templates/layout';
import { LAMBDA_RUNTIME } from '../../../templates/names';
import {
  CACHE_ROOT,
  SHARED_INPUTS,
  changedInput,
  hashInputs,
  hashOptions,
  inputsUnchanged,
  projectInputs,
  readRecord,
  writeFileAtomic,
  writeRecord,
  type InputHashes,
} from './build-cache';
import { deterministicZip } from './zip';
import { PROJECT_ROOT } from '../core/paths';
import { BellflowerError } from '../core/errors';

/** Options of {@link buildHandlers}. */
export interface BuildOptions {
  readonly outDir: string;
  /** Bundle the AWS SDK or leave it to the Lambda runtime's copy. @default DEFAULT_AWS_SDK_MODE */
  readonly awsSdk?: AwsSdkMode;
  /** Where each source map goes. @default DEFAULT_SOURCE_MAPS */
  readonly sourceMaps?: SourceMapMode;
  /** Bundle every handler even when its inputs are unchanged (the cache is refreshed). @default false */
  readonly force?: boolean;
  /** The build cache. @default `node_modules/.cache/bellflower/handlers` of the project */
  readonly cacheDir?: string;
}

/** Zip name -> sha256 (hex) and size in bytes. */
export type CodeManifest = Record<string, { readonly sha256: string; readonly size: number }>;

/** Result of {@link buildHandlerZips}. */
export interface HandlerBuild {
  readonly manifest: CodeManifest;
  /** Handlers bundled by esbuild in this call. */
  readonly built: readonly HandlerName[];
  /** Handlers whose inputs were unchanged: zip taken from the build cache. */
  readonly reused: readonly HandlerName[];
}

/**
 * `bundled`: the SDK clients the handler uses are inside `index.mjs`; `external`: `@aws-sdk/*`
 * imports resolve at run time (the nodejs runtime ships SDK v3; outside Lambda, `node_modules`).
 */
export type AwsSdkMode = 'bundled' | 'external';

/** Chosen by measurement (`npm run bench:handlers`): see bench/handlers.ts. */
export const DEFAULT_AWS_SDK_MODE: AwsSdkMode = 'bundled';

/**
 * `beside`: the zip holds `index.mjs` only (no `sourceMappingURL`), the map is written next to the
 * zip as `code/<zip stem>.index.mjs.map`, to read positions of a deployed bundle's stack trace;
 * `inside`: the zip holds `index.mjs` and `index.mjs.map`, and Lambda's `--enable-source-maps`
 * (set by the templates) prints TypeScript positions, at the cost measured in bench/handlers.ts.
 */
export type SourceMapMode = 'beside' | 'inside';

/** Chosen by measurement (`npm run bench:handlers`): a smaller zip and a faster cold start. */
export const DEFAULT_SOURCE_MAPS: SourceMapMode = 'beside';

/** Handler by zip name (the keys of a {@link CodeManifest}). */
export const HANDLERS_BY_ZIP: Readonly<Record<string, HandlerName>> = Object.fromEntries(
  (Object.keys(HANDLERS) as HandlerName[]).map((name) => [HANDLERS[name].zip, name]),
);

/** The two files of a bundle (a zip built with `inside` maps holds both). */
export const BUNDLE_ENTRY = 'index.mjs';
export const BUNDLE_MAP = 'index.mjs.map';

/** Raised when esbuild fails; the message carries esbuild's first errors. */
export class BuildError extends BellflowerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BuildError';
  }
}

/** The project root (three levels above this file). */

/** Default {@link BuildOptions.cacheDir}. */
export const DEFAULT_BUILD_CACHE_DIR = join(CACHE_ROOT, 'handlers');

/**
 * The code that turns sources into zips: a change to it must rebuild, like a change to a source.
 * Bump {@link BUILD_RECORD_VERSION} when the record format changes.
 */
const BUILDER_INPUTS = ['scripts/lib/build/build.ts', 'scripts/lib/build/build-cache.ts', 'scripts/lib/build/zip.ts'];
const BUILD_RECORD_VERSION = 1;

/** esbuild target matching the runtime of the templates (`nodejs24.x` -> `node24`). */
const TARGET = LAMBDA_RUNTIME.replace(/^nodejs(\d+)\.x$/, 'node$1');

/**
 * Bundled CommonJS code that calls `require` (for Node built-ins) needs a real `require` in an ES
 * module; esbuild's shim otherwise throws "Dynamic require of ... is not supported".
 */
const REQUIRE_BANNER =
  "import{createRequire as __bellflowerCreateRequire}from'node:module';const require=__bellflowerCreateRequire(import.meta.url);";

/** A bundle in memory: `index.mjs` and its map, and the project files esbuild read. */
interface Bundle {
  readonly files: Record<typeof BUNDLE_ENTRY | typeof BUNDLE_MAP, Uint8Array>;
  readonly inputs: readonly string[];
}

/** Bundles one handler in memory: `index.mjs` (with a `sourceMappingURL` comment) and `index.mjs.map`. */
export async function bundleHandler(
  name: HandlerName,
  awsSdk: AwsSdkMode = DEFAULT_AWS_SDK_MODE,
): Promise<Record<typeof BUNDLE_ENTRY | typeof BUNDLE_MAP, Uint8Array>> {
  return (await bundle(name, awsSdk, 'inside')).files;
}

async function bundle(name: HandlerName, awsSdk: AwsSdkMode, sourceMaps: SourceMapMode): Promise<Bundle> {
  const first = await esbuildHandler(name, awsSdk, sourceMaps, false);
  const needsRequire = new TextDecoder().decode(first.files[BUNDLE_ENTRY]).includes('Dynamic require of');
  return needsRequire ? esbuildHandler(name, awsSdk, sourceMaps, true) : first;
}

async function esbuildHandler(name: HandlerName, awsSdk: AwsSdkMode, sourceMaps: SourceMapMode, requireBanner: boolean): Promise<Bundle> {
  const { dir } = HANDLERS[name];
  // Never written (write: false). A fixed path inside the project keeps the map's relative source
  // paths the same whatever outDir is; a map beside the zip is built for its place in dist/code/.
  const outfile =
    sourceMaps === 'inside' ? join(PROJECT_ROOT, 'dist', 'code', dir, BUNDLE_ENTRY) : join(PROJECT_ROOT, 'dist', sourceMapPath(name).replace(/\.map$/, ''));
  // Loaded on demand: a build whose inputs are unchanged (publish of an unchanged tree) never needs it.
  const { build } = await import('esbuild');
  let result: BuildResult<{ write: false; metafile: true }>;
  try {
    result = await build({
      absWorkingDir: PROJECT_ROOT,
      entryPoints: [join(PROJECT_ROOT, 'handlers', dir, 'index.ts')],
      outfile,
      write: false,
      metafile: true,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: TARGET,
      // ES module builds of dependencies first: smaller bundles, no CommonJS wrappers.
      mainFields: ['module', 'main'],
      minify: true,
      // `external`: the map without a sourceMappingURL comment in the code.
      sourcemap: sourceMaps === 'inside' ? 'linked' : 'external',
      // Positions only (--enable-source-maps, or reading a trace by hand); sources would triple the map.
      sourcesContent: false,
      legalComments: 'none',
      external: awsSdk === 'external' ? ['@aws-sdk/*'] : [],
      banner: requireBanner ? { js: REQUIRE_BANNER } : {},
      logLevel: 'silent',
    });
  } catch (error: unknown) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    const detail = errors
      ?.slice(0, 3)
      .map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text))
      .join('; ');
    throw new BuildError(`esbuild failed for handler ${name}: ${detail ?? String(error)}`, { cause: error });
  }
  const file = (path: string): Uint8Array => {
    const output = result.outputFiles.find((f) => f.path === path);
    if (!output) throw new BuildError(`esbuild produced no ${path} for handler ${name}`);
    return output.contents;
  };
  return {
    files: { [BUNDLE_ENTRY]: file(outfile), [BUNDLE_MAP]: file(`${outfile}.map`) },
    inputs: projectInputs(PROJECT_ROOT, Object.keys((result.metafile as Metafile).inputs)),
  };
}

/** Path of a handler's source map beside its zip, relative to `dist/` (`beside` maps). */
export function sourceMapPath(name: HandlerName): string {
  return `${CODE_DIR}/${HANDLERS[name].zip.replace(/\.zip$/, '')}.${BUNDLE_MAP}`;
}

/** One handler's entry in the build cache: what it read and what it produced (blobs by sha256). */
interface HandlerRecord {
  readonly version: number;
  readonly inputs: InputHashes;
  readonly zip: { readonly sha256: string; readonly size: number };
  /** sha256 of the map written beside the zip (`beside` maps only). */
  readonly map?: string;
}

/** The bytes of one handler's build. */
interface HandlerOutput {
  readonly zip: Uint8Array;
  readonly map?: Uint8Array;
}

/** Reads a blob of the cache, only if it still has the hash it is stored under. */
function readBlob(cacheDir: string, sha256: string): Uint8Array | undefined {
  try {
    const body = readFileSync(join(cacheDir, 'blobs', sha256));
    return sha256Hex(body) === sha256 ? body : undefined;
  } catch {
    return undefined;
  }
}

/** The cached output of a handler whose inputs are unchanged, or undefined. */
function cachedOutput(cacheDir: string, recordFile: string, sourceMaps: SourceMapMode): HandlerOutput | undefined {
  const record = readRecord<HandlerRecord>(recordFile);
  if (record?.version !== BUILD_RECORD_VERSION || !inputsUnchanged(PROJECT_ROOT, record.inputs)) return undefined;
  const zip = readBlob(cacheDir, record.zip.sha256);
  const map = sourceMaps === 'beside' && record.map ? readBlob(cacheDir, record.map) : undefined;
  if (!zip || (sourceMaps === 'beside' && !map)) return undefined;
  return map ? { zip, map } : { zip };
}

/** Bundles and zips one handler, then stores the result in the cache. */
async function freshOutput(
  name: HandlerName,
  awsSdk: AwsSdkMode,
  sourceMaps: SourceMapMode,
  cacheDir: string,
  recordFile: string,
): Promise<HandlerOutput> {
  const { files, inputs } = await bundle(name, awsSdk, sourceMaps);
  const output: HandlerOutput =
    sourceMaps === 'inside' ? { zip: deterministicZip(files) } : { zip: deterministicZip({ [BUNDLE_ENTRY]: files[BUNDLE_ENTRY] }), map: files[BUNDLE_MAP] };
  // Hashed after bundling: an edit made while esbuild ran leaves a record that no longer matches.
  const record: HandlerRecord = {
    version: BUILD_RECORD_VERSION,
    inputs: hashInputs(PROJECT_ROOT, [...SHARED_INPUTS, ...BUILDER_INPUTS, ...inputs]),
    zip: { sha256: sha256Hex(output.zip), size: output.zip.byteLength },
    ...(output.map ? { map: sha256Hex(output.map) } : {}),
  };
  try {
    for (const blob of [output.zip, output.map]) {
      if (blob) writeFileAtomic(join(cacheDir, 'blobs', sha256Hex(blob)), blob);
    }
    writeRecord(recordFile, record);
  } catch {
    // A cache that cannot be written (read-only node_modules) only costs the next build its speed.
  }
  return output;
}

/** The cache record of one handler built with these options (the options are in its name). */
export function cacheRecordPath(
  cacheDir: string,
  name: HandlerName,
  awsSdk: AwsSdkMode = DEFAULT_AWS_SDK_MODE,
  sourceMaps: SourceMapMode = DEFAULT_SOURCE_MAPS,
): string {
  const key = hashOptions({ handler: HANDLERS[name], awsSdk, sourceMaps, target: TARGET });
  return join(cacheDir, `${name}-${key.slice(0, 16)}.json`);
}

/** Why one handler's zip under `outDir` is not the build of its current sources, or undefined when it is. */
export function handlerZipStaleness(outDir: string, name: HandlerName, cacheDir: string = DEFAULT_BUILD_CACHE_DIR): string | undefined {
  const record = readRecord<HandlerRecord>(cacheRecordPath(cacheDir, name));
  if (record?.version !== BUILD_RECORD_VERSION) return 'never built on this machine';
  const changed = changedInput(PROJECT_ROOT, record.inputs);
  if (changed !== undefined) return `${changed} changed since the last build`;
  let zip: Uint8Array;
  try {
    zip = readFileSync(join(outDir, codePath(name)));
  } catch {
    return `${codePath(name)} is missing`;
  }
  return sha256Hex(zip) === record.zip.sha256 ? undefined : `${codePath(name)} is not the build of the current sources`;
}

/**
 * Bundles and zips every handler into `<outDir>/code/` (taking unchanged ones from the build
 * cache), writes the maps beside the zips (`beside`) and the code manifest. Same sources, same bytes.
 */
export async function buildHandlerZips(options: BuildOptions): Promise<HandlerBuild> {
  const awsSdk = options.awsSdk ?? DEFAULT_AWS_SDK_MODE;
  const sourceMaps = options.sourceMaps ?? DEFAULT_SOURCE_MAPS;
  const cacheDir = options.cacheDir ?? DEFAULT_BUILD_CACHE_DIR;
  const names = (Object.keys(HANDLERS) as HandlerName[]).sort((a, b) => HANDLERS[a].zip.localeCompare(HANDLERS[b].zip));
  const built: HandlerName[] = [];
  const reused: HandlerName[] = [];
  const outputs = await Promise.all(
    names.map(async (name) => {
      const recordFile = cacheRecordPath(cacheDir, name, awsSdk, sourceMaps);
      const cached = options.force ? undefined : cachedOutput(cacheDir, recordFile, sourceMaps);
      (cached ? reused : built).push(name);
      return { name, output: cached ?? (await freshOutput(name, awsSdk, sourceMaps, cacheDir, recordFile)) };
    }),
  );
  const manifest: CodeManifest = {};
  for (const { name, output } of outputs) {
    await writeIfChanged(join(options.outDir, codePath(name)), output.zip);
    if (output.map) await writeIfChanged(join(options.outDir, sourceMapPath(name)), output.map);
    manifest[HANDLERS[name].zip] = { sha256: sha256Hex(output.zip), size: output.zip.byteLength };
  }
  await writeIfChanged(join(options.outDir, CODE_MANIFEST_PATH), new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
  return { manifest, built: built.sort(), reused: reused.sort() };
}

/** {@link buildHandlerZips}, returning the code manifest. */
export async function buildHandlers(options: BuildOptions): Promise<CodeManifest> {
  return (await buildHandlerZips(options)).manifest;
}

/** Writes a file unless it already holds these bytes (an unchanged build leaves `dist/` untouched). */
async function writeIfChanged(file: string, body: Uint8Array): Promise<void> {
  try {
    if (Buffer.from(body).equals(readFileSync(file))) return;
  } catch {
    // absent: written below
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, body);
}
