/**
 * vitest global setup: builds the handler zips once into the build cache before the test files
 * start, so that the files that need the real bundles (local engine, publish, deploy, contract)
 * take them from the cache instead of each bundling the same sources at the same time; and
 * rebuilds the command bundle (`dist/cli/`) when a source changed, so that the tests that run the
 * binary do not each find it stale and rebuild it at once. A warm cache makes this a few
 * milliseconds; a failed build is left to the tests that build.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHandlers } from '../../scripts/lib/build/build';
import { buildCli, cliStaleness } from '../../scripts/lib/build/cli-bundle';

export default async function warmBuildCache(): Promise<void> {
  const outDir = await mkdtemp(join(tmpdir(), 'bellflower-warm-'));
  try {
    if (cliStaleness() !== undefined) await buildCli();
  } catch {
    // The binary's tests report a bundle that cannot be built.
  }
  try {
    await buildHandlers({ outDir });
  } catch {
    // The tests that build report the error with their own context.
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
