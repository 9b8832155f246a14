/**
 * `npm run build:cli`: bundles the program and its commands into `dist/cli/` (see
 * scripts/lib/build/cli-bundle.ts) and links the `bellflower` binary into node_modules/.bin
 * (scripts/lib/build/project-bin.ts). `npm ci` runs it (the `prepare` script); the binary rebuilds
 * the bundle itself when a source changed.
 */
import { run } from './cli/command';
import { buildCli, CLI_DIR } from './lib/build/cli-bundle';
import { describeLink, linkProjectBins } from './lib/build/project-bin';

await run('build:cli', async () => {
  const started = performance.now();
  const { files } = await buildCli();
  console.log(`${CLI_DIR}: the program and its commands bundled in ${((performance.now() - started) / 1000).toFixed(1)} s (${files.filter((file) => file.endsWith('.mjs')).length} files)`);
  for (const link of linkProjectBins()) {
    const line = describeLink(link);
    if (line) console.log(line);
  }
});
