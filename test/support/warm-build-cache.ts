/**
 * vitest global setup: builds the handler zips once into the build cache before the test files
 * start, so that the files that need the real bundles (local engine, publish, deploy, contract)
 * take them from the cache instead of each bundling the same sources at the same time. A warm
 * cache makes this a few milliseconds; a failed build is left to the tests that build.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHandlers } from '../../scripts/lib/build/build';

export default async function warmBuildCache(): Promise<void> {
  const outDir = await mkdtemp(join(tmpdir(), 'bellflower-warm-'));
  try {
    await buildHandlers({ outDir });
  } catch {
    // The tests that build report the error with their own context.
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
