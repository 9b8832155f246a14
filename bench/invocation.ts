/**
 * `npm run bench:invocation [-- --runs <n>]` (also part of `npm run bench`): what the README's way of
 * running a command costs over the binary itself. The README's form is `bellflower <command>` with
 * the project's node_modules/.bin on the PATH (`npm ci` links the binary there); its peers are
 * `node bin/bellflower.mjs` (the binary), `npx bellflower` (npm's exec, which finds the same link)
 * and `npm run -s <script>`. Each runs `--version` (the program, no command loaded), interleaved.
 * Reports, never asserts; the goal is at most 100 ms over the binary.
 */
import { existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatMs, interleave, printTable, timeCommand, type Summary } from './measure';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN_DIR = join(ROOT, 'node_modules', '.bin');

/** Medians of the binary, the README's form and its peers. */
export async function measureInvocation(runs: number): Promise<Record<'binary' | 'documented' | 'npx' | 'npmRun', Summary>> {
  if (!existsSync(join(BIN_DIR, 'bellflower'))) throw new Error('node_modules/.bin/bellflower is missing: run npm ci (or npm run build:cli), which links it');
  const onPath = { ...process.env, PATH: `${BIN_DIR}${delimiter}${process.env.PATH ?? ''}` };
  return interleave(runs, {
    binary: () => timeCommand(process.execPath, ['bin/bellflower.mjs', '--version'], { cwd: ROOT }),
    documented: () => timeCommand('bellflower', ['--version'], { cwd: ROOT, env: onPath }),
    npx: () => timeCommand('npx', ['bellflower', '--version'], { cwd: ROOT }),
    // The npm scripts take the command's name; --help of one is as light as --version.
    npmRun: () => timeCommand('npm', ['run', '-s', 'synth', '--', '--help'], { cwd: ROOT }),
  });
}

/** The section of `npm run bench`. */
export function printInvocation(results: Awaited<ReturnType<typeof measureInvocation>>, runs: number): void {
  const over = (summary: Summary): string => {
    const delta = summary.wallMs - results.binary.wallMs;
    return `${delta < 0 ? '-' : '+'}${formatMs(Math.abs(delta))}`;
  };
  console.log(`\n## 5. The documented invocation (median of ${runs} interleaved runs)\n`);
  printTable(
    ['command', 'wall', 'CPU', 'over the binary', 'goal'],
    [
      ['`node bin/bellflower.mjs --version` (the binary)', formatMs(results.binary.wallMs), formatMs(results.binary.cpuMs), '', ''],
      ['`bellflower --version`, node_modules/.bin on the PATH (README set-up)', formatMs(results.documented.wallMs), formatMs(results.documented.cpuMs), over(results.documented), '<= +100 ms'],
      ['`npx bellflower --version` (finds the same link)', formatMs(results.npx.wallMs), formatMs(results.npx.cpuMs), over(results.npx), ''],
      ['`npm run -s synth -- --help`', formatMs(results.npmRun.wallMs), formatMs(results.npmRun.cpuMs), over(results.npmRun), ''],
    ],
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--runs');
  const runs = at > 0 ? Number(process.argv[at + 1]) : 10;
  printInvocation(await measureInvocation(runs), runs);
}
