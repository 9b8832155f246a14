/**
 * `npm run build:cli`: bundles the program and its commands into `dist/cli/` (see
 * scripts/lib/build/cli-bundle.ts). `npm ci` runs it (the `prepare` script); the binary rebuilds it
 * itself when a source changed.
 */
import { run } from './cli/command';
import { buildCli, CLI_DIR } from './lib/build/cli-bundle';

await run('build:cli', async () => {
  const started = performance.now();
  const { files } = await buildCli();
  console.log(`${CLI_DIR}: the program and its commands bundled in ${((performance.now() - started) / 1000).toFixed(1)} s (${files.filter((file) => file.endsWith('.mjs')).length} files)`);
});
