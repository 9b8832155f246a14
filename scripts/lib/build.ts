/**
 * Building the four Lambda handlers: one esbuild bundle each (ESM `index.mjs`, minified, with its
 * source map), zipped deterministically into `<outDir>/code/<zip>`, plus `<outDir>/code/manifest.json`
 * (zip name -> sha256 and size) from which publishing derives content-addressed keys.
 */
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE_MANIFEST_PATH, HANDLERS, codePath, sha256Hex, type HandlerName } from '../../templates/layout';
import { LAMBDA_RUNTIME } from '../../templates/names';
import { deterministicZip } from './zip';

/** Options of {@link buildHandlers}. */
export interface BuildOptions {
  readonly outDir: string;
  /** Bundle the AWS SDK or leave it to the Lambda runtime's copy. @default DEFAULT_AWS_SDK_MODE */
  readonly awsSdk?: AwsSdkMode;
}

/** Zip name -> sha256 (hex) and size in bytes. */
export type CodeManifest = Record<string, { readonly sha256: string; readonly size: number }>;

/**
 * `bundled`: the SDK clients the handler uses are inside `index.mjs`; `external`: `@aws-sdk/*`
 * imports resolve at run time (the nodejs runtime ships SDK v3; outside Lambda, `node_modules`).
 */
export type AwsSdkMode = 'bundled' | 'external';

/** Chosen by measurement (`npm run bench:handlers`): see bench/handlers.ts. */
export const DEFAULT_AWS_SDK_MODE: AwsSdkMode = 'bundled';

/** The two files of every zip. */
export const BUNDLE_ENTRY = 'index.mjs';
export const BUNDLE_MAP = 'index.mjs.map';

/** Raised when esbuild fails; the message carries esbuild's first errors. */
export class BuildError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BuildError';
  }
}

/** The project root (two levels above this file). */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** esbuild target matching the runtime of the templates (`nodejs24.x` -> `node24`). */
const TARGET = LAMBDA_RUNTIME.replace(/^nodejs(\d+)\.x$/, 'node$1');

/**
 * Bundled CommonJS code that calls `require` (for Node built-ins) needs a real `require` in an ES
 * module; esbuild's shim otherwise throws "Dynamic require of ... is not supported".
 */
const REQUIRE_BANNER =
  "import{createRequire as __bellflowerCreateRequire}from'node:module';const require=__bellflowerCreateRequire(import.meta.url);";

/** Bundles one handler in memory: `index.mjs` and `index.mjs.map`. */
export async function bundleHandler(
  name: HandlerName,
  awsSdk: AwsSdkMode = DEFAULT_AWS_SDK_MODE,
): Promise<Record<typeof BUNDLE_ENTRY | typeof BUNDLE_MAP, Uint8Array>> {
  const first = await esbuildHandler(name, awsSdk, false);
  const needsRequire = new TextDecoder().decode(first[BUNDLE_ENTRY]).includes('Dynamic require of');
  return needsRequire ? esbuildHandler(name, awsSdk, true) : first;
}

async function esbuildHandler(
  name: HandlerName,
  awsSdk: AwsSdkMode,
  requireBanner: boolean,
): Promise<Record<typeof BUNDLE_ENTRY | typeof BUNDLE_MAP, Uint8Array>> {
  const { dir } = HANDLERS[name];
  let result;
  try {
    result = await build({
      absWorkingDir: PROJECT_ROOT,
      entryPoints: [join(PROJECT_ROOT, 'handlers', dir, 'index.ts')],
      // Never written (write: false); a fixed path inside the project keeps the map's relative
      // source paths the same whatever outDir is.
      outfile: join(PROJECT_ROOT, 'dist', 'code', dir, BUNDLE_ENTRY),
      write: false,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: TARGET,
      // ES module builds of dependencies first: smaller bundles, no CommonJS wrappers.
      mainFields: ['module', 'main'],
      minify: true,
      sourcemap: 'linked',
      // Lambda needs positions only (--enable-source-maps); sources would triple the map.
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
  const file = (suffix: string): Uint8Array => {
    const output = result.outputFiles?.find((f) => f.path.endsWith(suffix));
    if (!output) throw new BuildError(`esbuild produced no ${suffix} for handler ${name}`);
    return output.contents;
  };
  return { [BUNDLE_ENTRY]: file(`/${BUNDLE_ENTRY}`), [BUNDLE_MAP]: file(`/${BUNDLE_MAP}`) };
}


/**
 * Bundles and zips every handler into `<outDir>/code/` and writes the code manifest; returns it.
 * Same sources, same bytes.
 */
export async function buildHandlers(options: BuildOptions): Promise<CodeManifest> {
  const names = Object.keys(HANDLERS) as HandlerName[];
  const zips = await Promise.all(
    names.map(async (name) => ({ name, zip: deterministicZip(await bundleHandler(name, options.awsSdk)) })),
  );
  const manifest: CodeManifest = {};
  for (const { name, zip } of zips.sort((a, b) => HANDLERS[a.name].zip.localeCompare(HANDLERS[b.name].zip))) {
    const target = join(options.outDir, codePath(name));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, zip);
    manifest[HANDLERS[name].zip] = { sha256: sha256Hex(zip), size: zip.byteLength };
  }
  const manifestPath = join(options.outDir, CODE_MANIFEST_PATH);
  await mkdir(dirname(manifestPath), { recursive: true });
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
