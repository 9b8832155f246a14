/**
 * Loads the real handler bundles (`dist/code/<handler>.zip`: `index.mjs` + map) into this process.
 * Each zip is extracted inside the project tree (so that `node_modules` resolves for a bundle that
 * leaves the AWS SDK external, as the Lambda runtime provides it) and imported with a
 * cache-busting query, so each load evaluates the module again and reads the environment again.
 */
import { unzipSync } from 'fflate';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { codePath, HASH_LENGTH, sha256Hex, type HandlerName } from '../../../templates/layout';
import type { LambdaHandler, WorkflowHandlers } from './lambda';
import { PROJECT_ROOT } from '../core/paths';

/** The project root (three levels above this file). */
export { PROJECT_ROOT };

/** Where bundles are extracted by default: `dist/local/` of the project. */
export const DEFAULT_EXTRACT_ROOT = join(PROJECT_ROOT, 'dist', 'local');

/** Raised when a bundle is missing or does not export a handler. */
export class BundleError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BundleError';
  }
}

const ENTRY = 'index.mjs';

/**
 * Extracts a handler zip to `<extractRoot>/<zip stem>-<16 hex of its sha256>/` (unchanged zips
 * reuse their folder) and returns that folder.
 */
export async function extractBundle(zipPath: string, extractRoot: string = DEFAULT_EXTRACT_ROOT): Promise<string> {
  let zip: Buffer;
  try {
    zip = await readFile(zipPath);
  } catch (error: unknown) {
    throw new BundleError(`handler bundle ${zipPath} not found: run \`npm run build\` first`, { cause: error });
  }
  const digest = sha256Hex(zip).slice(0, HASH_LENGTH);
  const stem = zipPath.replace(/^.*\//, '').replace(/\.zip$/, '');
  const dir = join(extractRoot, `${stem}-${digest}`);
  const entryExists = await stat(join(dir, ENTRY)).then(
    () => true,
    () => false,
  );
  if (entryExists) return dir;
  const files = unzipSync(new Uint8Array(zip));
  if (!files[ENTRY]) throw new BundleError(`${zipPath} has no ${ENTRY} (entries: ${Object.keys(files).join(', ')})`);
  await mkdir(dir, { recursive: true });
  // Written under a temporary name then renamed, so a concurrent reader never sees half a file.
  for (const [name, content] of Object.entries(files)) {
    if (name.endsWith('/')) continue;
    const target = join(dir, name);
    const partial = `${target}.${process.pid}.${Date.now()}.partial`;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(partial, content);
    await rename(partial, target);
  }
  return dir;
}

let importCounter = 0;

/** Imports `index.mjs` of an extracted bundle afresh and returns its `handler`. */
export async function importHandler(dir: string): Promise<LambdaHandler> {
  const url = `${pathToFileURL(join(dir, ENTRY)).href}?load=${process.pid}-${Date.now()}-${++importCounter}`;
  let module: { handler?: unknown };
  try {
    module = (await import(url)) as { handler?: unknown };
  } catch (error: unknown) {
    throw new BundleError(`could not import ${join(dir, ENTRY)}: ${String(error)}`, { cause: error });
  }
  if (typeof module.handler !== 'function') throw new BundleError(`${join(dir, ENTRY)} does not export a handler function`);
  return module.handler as LambdaHandler;
}

/** Extracts and imports one handler bundle of `distDir` (a folder holding `code/<zip>`). */
export async function loadBundledHandler(
  distDir: string,
  handler: HandlerName,
  extractRoot: string = DEFAULT_EXTRACT_ROOT,
): Promise<LambdaHandler> {
  const dir = await extractBundle(join(distDir, codePath(handler)), extractRoot);
  return importHandler(dir);
}

/** Loads the processing and integration bundles of `distDir` (one after the other: each reads the environment as it loads). */
export async function loadWorkflowBundles(distDir: string, extractRoot: string = DEFAULT_EXTRACT_ROOT): Promise<WorkflowHandlers> {
  const processing = await loadBundledHandler(distDir, 'processing', extractRoot);
  const integration = await loadBundledHandler(distDir, 'integration', extractRoot);
  return { processing, integration };
}
