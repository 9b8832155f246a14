/**
 * Loads the real handler bundles (`dist/code/<handler>.zip`: `index.mjs` + map). Each zip is
 * extracted inside the project tree (so that `node_modules` resolves for a bundle that leaves the
 * AWS SDK external, as the Lambda runtime provides it). Loaded by the engine (its `loadHandlers`),
 * a workflow bundle runs in a worker thread of its own with its function's environment
 * (worker-runtime.ts); loaded anywhere else, it is imported into this process with a cache-busting
 * query, so each load evaluates the module again and reads `process.env` again.
 */
import { unzipSync } from 'fflate';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { codePath, HASH_LENGTH, sha256Hex, type HandlerName } from '../../../templates/layout';
import { startFunctionRuntime } from './functions';
import type { LambdaHandler, WorkflowHandlers } from './lambda';
import { RuntimeInitError, startWorkerRuntime } from './worker-runtime';
import { PROJECT_ROOT } from '../core/paths';

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

/** The cold start of a bundle in its worker, failing as {@link importHandler} does. */
function workerLoadError(dir: string, error: unknown): unknown {
  if (!(error instanceof RuntimeInitError)) return error;
  const entry = join(dir, ENTRY);
  if (error.payload.errorType === 'Runtime.HandlerNotFound') return new BundleError(`${entry} does not export a handler function`, { cause: error });
  return new BundleError(`could not import ${entry}: ${error.payload.errorType}: ${error.payload.errorMessage}`, { cause: error });
}

/**
 * Extracts one handler bundle of `distDir` (a folder holding `code/<zip>`) and loads it: in the
 * engine's `loadHandlers`, into its function's worker; elsewhere, into this process.
 */
export async function loadBundledHandler(
  distDir: string,
  handler: HandlerName,
  extractRoot: string = DEFAULT_EXTRACT_ROOT,
): Promise<LambdaHandler> {
  const dir = await extractBundle(join(distDir, codePath(handler)), extractRoot);
  const inWorker = await startFunctionRuntime(handler, ({ fn, env }) => startWorkerRuntime(fn, dir, env)).catch((error: unknown) => {
    throw workerLoadError(dir, error);
  });
  return inWorker ?? importHandler(dir);
}

/** Loads the processing and integration bundles of `distDir` (their cold starts at once). */
export async function loadWorkflowBundles(distDir: string, extractRoot: string = DEFAULT_EXTRACT_ROOT): Promise<WorkflowHandlers> {
  // Both settle before a failure is reported, so that the engine stops every runtime started.
  const [processing, integration] = await Promise.allSettled([
    loadBundledHandler(distDir, 'processing', extractRoot),
    loadBundledHandler(distDir, 'integration', extractRoot),
  ]);
  if (processing.status === 'rejected') throw processing.reason;
  if (integration.status === 'rejected') throw integration.reason;
  return { processing: processing.value, integration: integration.value };
}
