/**
 * `npm run bench:handlers [-- --runs <n>]`: zip size and module initialisation time of each handler
 * with the AWS SDK bundled and with the SDK left external (resolved from `node_modules`, standing in
 * for the Lambda runtime's copy). Each measurement is a fresh `node --enable-source-maps` process
 * timing `await import('index.mjs')`; the table shows the median of the runs. The faster cold start
 * decides `DEFAULT_AWS_SDK_MODE` in scripts/lib/build.ts.
 */
import { Command } from 'commander';
import { unzipSync } from 'fflate';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HANDLERS, codePath, type HandlerName } from '../templates/layout';
import { buildHandlers, BUNDLE_ENTRY, type AwsSdkMode } from '../scripts/lib/build';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the project so that an external SDK resolves from node_modules.
const WORK_DIR = join(PROJECT_ROOT, 'dist', 'bench-handlers');
const MODES: readonly AwsSdkMode[] = ['bundled', 'external'];

/** Environment the adapters read at module scope; no network is used at import. */
const HANDLER_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  S3_BUCKET_NAME: 'bench-bucket',
  SIMULATED_WORK_MS: '0',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  // Silences the SDK's Node 20 end-of-support warning (Lambda runs Node 24).
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

const IMPORT_TIMER = `const t=performance.now();await import(process.argv[1]);process.stdout.write(String(performance.now()-t));`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function importMs(entry: string): number {
  const out = execFileSync(
    process.execPath,
    ['--enable-source-maps', '--no-warnings', '--input-type=module', '-e', IMPORT_TIMER, pathToFileURL(entry).href],
    { env: { ...process.env, ...HANDLER_ENV }, encoding: 'utf8' },
  );
  return Number(out);
}

async function main(runs: number): Promise<void> {
  await rm(WORK_DIR, { recursive: true, force: true });
  const entries = new Map<string, string>();
  const sizes = new Map<string, number>();
  for (const mode of MODES) {
    const outDir = join(WORK_DIR, mode);
    const manifest = await buildHandlers({ outDir, awsSdk: mode });
    for (const name of Object.keys(HANDLERS) as HandlerName[]) {
      const files = unzipSync(new Uint8Array(await readFile(join(outDir, codePath(name)))));
      const dir = join(outDir, 'extracted', HANDLERS[name].dir);
      await mkdir(dir, { recursive: true });
      for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
      entries.set(`${name}/${mode}`, join(dir, BUNDLE_ENTRY));
      sizes.set(`${name}/${mode}`, manifest[HANDLERS[name].zip]?.size ?? 0);
    }
  }
  const samples = new Map<string, number[]>();
  // Interleaved, so that drift of the machine affects both modes alike.
  for (let run = 0; run < runs; run++) {
    for (const [key, entry] of entries) samples.set(key, [...(samples.get(key) ?? []), importMs(entry)]);
  }
  console.log(`module initialisation: median of ${runs} fresh node ${process.version} processes`);
  console.log('handler          | zip bundled | zip external | init bundled | init external');
  console.log('-----------------|-------------|--------------|--------------|--------------');
  const totals = { bundled: 0, external: 0 };
  for (const name of Object.keys(HANDLERS) as HandlerName[]) {
    const cell = (mode: AwsSdkMode): { kib: string; ms: string } => {
      const ms = median(samples.get(`${name}/${mode}`) ?? []);
      totals[mode] += ms;
      return { kib: `${((sizes.get(`${name}/${mode}`) ?? 0) / 1024).toFixed(1)} KiB`, ms: `${ms.toFixed(1)} ms` };
    };
    const bundled = cell('bundled');
    const external = cell('external');
    console.log(
      `${name.padEnd(16)} | ${bundled.kib.padStart(11)} | ${external.kib.padStart(12)} | ${bundled.ms.padStart(12)} | ${external.ms.padStart(13)}`,
    );
  }
  const faster: AwsSdkMode = totals.bundled <= totals.external ? 'bundled' : 'external';
  console.log(`faster cold start overall: ${faster} (sum of medians ${totals.bundled.toFixed(1)} vs ${totals.external.toFixed(1)} ms)`);
  await rm(WORK_DIR, { recursive: true, force: true });
}

new Command()
  .name('bench:handlers')
  .option('--runs <n>', 'fresh processes per handler and mode', '10')
  .action(async (options: { runs: string }) => main(Number(options.runs)))
  .parseAsync()
  .catch((error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
