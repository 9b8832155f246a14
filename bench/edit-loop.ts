/**
 * `npm run bench:edit-loop [-- --runs <n>]` (also section 6 of `npm run bench`): the edit loop on
 * the emulator. The stacks are published and deployed once from this project onto
 * `bellflower emulator` (its shipped configuration); then a copy of the tree, with its own command
 * bundle as `npm ci` leaves it, gets a one-line change to the processing handler before each run
 * of `bellflower sync` (a new line each time, so that every run bundles it and updates the
 * function), interleaved with a `sync` that finds nothing to change. Medians of wall and CPU time.
 * Reports, never asserts.
 */
import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMULATOR_CONFIG_DIR, startEmulator, type RunningEmulator } from '../scripts/lib/emulator/emulator';
import { PROJECT_ROOT } from '../scripts/lib/core/paths';
import { emulatorCommandEnvironment } from '../test/support/bellflower-cli';
import { copyProject } from '../test/support/project-copy';
import { formatMs, interleave, printTable, timeCommandAsync, type Sample } from './measure';

/** The edit loop's figures: sync after a one-line handler change, and sync with nothing to change. */
export async function measureEditLoop(runs: number): Promise<void> {
  const shipped = JSON.parse(readFileSync(join(EMULATOR_CONFIG_DIR, 'devl.json'), 'utf8')) as Record<string, unknown>;
  const region = String(shipped.region);
  const work = mkdtempSync(join(tmpdir(), 'bellflower-bench-edit-'));
  const tree = copyProject();
  let emulator: RunningEmulator | undefined;
  try {
    // The copy's command bundle, as `npm ci` (prepare) builds it: the binary then starts as a user's does.
    const built = spawnSync(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/build-cli.ts'], { cwd: tree.root, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`cannot build the copy's command bundle: ${built.stderr}`);
    emulator = await startEmulator({ port: 0, region, kmsKeyId: String(shipped.kmsKeyId), kmsKeyAlias: String(shipped.kmsKeyAlias) });
    const configDir = join(work, 'config');
    mkdirSync(configDir);
    writeFileSync(join(configDir, 'devl.json'), JSON.stringify(shipped, null, 2));
    const env = emulatorCommandEnvironment(emulator.endpoint, region, { configDir, distDir: join(work, 'dist') });
    // Not spawnSync: this process reads the emulator's output, which a blocked event loop would stop.
    const run = (root: string, args: readonly string[]): Promise<Sample> => timeCommandAsync(process.execPath, [join(root, 'bin', 'bellflower.mjs'), ...args], { cwd: root, env });
    await run(PROJECT_ROOT, ['deploy', '--publish', '--require-approval', 'never']);
    let edits = 0;
    const results = await interleave(runs, {
      edited: async () => {
        edits += 1;
        tree.edit('handlers/processing/index.ts', 'export async function handler', `export const BENCH_EDIT_${edits} = ${edits};\nexport async function handler`);
        const sample = await run(tree.root, ['sync']);
        if (!/^updated the processing function's code/m.test(sample.stdout)) throw new Error(`sync did not update the processing function: ${sample.stdout}`);
        return sample;
      },
      unchanged: async () => {
        const sample = await run(tree.root, ['sync']);
        if (!/^up to date:/m.test(sample.stdout)) throw new Error(`sync found something to change: ${sample.stdout}`);
        return sample;
      },
    });
    console.log(`\n## 6. The edit loop on the emulator (median of ${runs} interleaved runs)\n`);
    printTable(
      ['command', 'wall', 'CPU'],
      [
        ['`bellflower sync` after a one-line change to the processing handler (bundle, UpdateFunctionCode, waiter)', formatMs(results.edited.wallMs), formatMs(results.edited.cpuMs)],
        ['`bellflower sync` with nothing to change (build cache, 4 GetFunction, DescribeStateMachine)', formatMs(results.unchanged.wallMs), formatMs(results.unchanged.cpuMs)],
      ],
    );
  } finally {
    await emulator?.stop();
    tree.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await new Command('bench:edit-loop')
    .description('bellflower sync after a one-line handler change, on the emulator')
    .option('--runs <n>', 'interleaved runs', '5')
    .action(async (options: { runs: string }) => measureEditLoop(Number(options.runs)))
    .parseAsync()
    .catch((error: unknown) => {
      console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    });
}
