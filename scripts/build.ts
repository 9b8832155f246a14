/**
 * `npm run build [-- --out <dir>] [--force] [--source-maps inside]`: bundles and zips the four
 * Lambda handlers into `<dir>/code/`; a handler whose inputs are unchanged comes from the build cache.
 */
import { Option } from 'commander';
import { CODE_DIR } from '../templates/layout';
import { buildHandlerZips, DEFAULT_SOURCE_MAPS, HANDLERS_BY_ZIP, type SourceMapMode } from './lib/build/build';
import { type BellflowerCommand } from './cli/command';

/** `bellflower build`. */
export const command: BellflowerCommand<{ out: string; force?: boolean; sourceMaps: SourceMapMode }> = {
  name: 'build',
  options: (command) =>
    command
    .description('Bundle the Lambda handlers (esbuild) into deterministic zips under <out>/code/')
    .option('--out <dir>', 'output folder', 'dist')
    .option('--force', 'bundle every handler even when its inputs are unchanged')
    .addOption(
      new Option('--source-maps <where>', 'source maps beside the zips, or inside them (a debug build, with --enable-source-maps)')
        .choices(['beside', 'inside'])
        .default(DEFAULT_SOURCE_MAPS),
    ),
  run: async ({ flags: options }) => {
    const { manifest, reused } = await buildHandlerZips({ outDir: options.out, sourceMaps: options.sourceMaps, force: options.force ?? false });
    for (const [zip, { sha256, size }] of Object.entries(manifest)) {
      const cached = reused.includes(HANDLERS_BY_ZIP[zip]!) ? ' (unchanged)' : '';
      console.log(`${`${options.out}/${CODE_DIR}/${zip}`.padEnd(40)} ${(size / 1024).toFixed(1).padStart(7)} KiB  sha256 ${sha256}${cached}`);
    }
  },
};

