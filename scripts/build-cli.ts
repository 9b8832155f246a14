/**
 * `npm run build:cli`: bundles every command into `dist/cli/` (see scripts/lib/cli/cli-bundle.ts).
 * `npm ci` runs it (the `prepare` script); the commands rebuild it themselves when a source changed.
 */
import { run } from './lib/cli/command';
import { buildCli, CLI_DIR } from './lib/cli/cli-bundle';

await run('build:cli', async () => {
  const started = performance.now();
  const { commands } = await buildCli();
  console.log(`${CLI_DIR}: ${commands.length} commands bundled in ${((performance.now() - started) / 1000).toFixed(1)} s (${commands.join(', ')})`);
});
