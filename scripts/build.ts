/**
 * `npm run build [-- --out <dir>]`: bundles and zips the four Lambda handlers into `<dir>/code/`.
 */
import { Command } from 'commander';
import { CODE_DIR } from '../templates/layout';
import { buildHandlers } from './lib/build';
import { parseCommand, run } from './lib/command';

const program = new Command('build')
  .description('Bundle the Lambda handlers (esbuild) into deterministic zips under <out>/code/')
  .option('--out <dir>', 'output folder', 'dist')
  .action((options: { out: string }) =>
    run('build', async () => {
      const manifest = await buildHandlers({ outDir: options.out });
      for (const [zip, { sha256, size }] of Object.entries(manifest)) {
        console.log(`${`${options.out}/${CODE_DIR}/${zip}`.padEnd(40)} ${(size / 1024).toFixed(1).padStart(7)} KiB  sha256 ${sha256}`);
      }
    }),
  );

await parseCommand(program);
