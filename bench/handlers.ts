/**
 * `npm run bench:handlers [-- --runs <n>]`: zip size and module initialisation time (cold start)
 * of each handler, built four ways:
 * - `inside`: the build before issue 13, the source map inside the zip, run as the templates run
 *   it (`NODE_OPTIONS=--enable-source-maps`);
 * - `beside`: the map beside the zip (the default now), same flag;
 * - `beside, no flag`: the same without `--enable-source-maps` (what the flag alone costs);
 * - `SDK external`: the AWS SDK left to the runtime's copy (resolved from `node_modules`), map beside.
 * Each measurement is a fresh `node` process timing `await import('index.mjs')`, interleaved over
 * the variants; the table shows the median of the runs. The results decide `DEFAULT_SOURCE_MAPS`
 * and `DEFAULT_AWS_SDK_MODE` in scripts/lib/build/build.ts.
 */
import { Command } from 'commander';
import { unzipSync } from 'fflate';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HANDLERS, codePath, type HandlerName } from '../templates/layout';
import { buildHandlers, BUNDLE_ENTRY, type AwsSdkMode, type SourceMapMode } from '../scripts/lib/build/build';
import { formatKiB, median, printTable, ratio } from './measure';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the project so that an external SDK resolves from node_modules.
const WORK_DIR = join(PROJECT_ROOT, 'dist', 'bench-handlers');

/** One way of building and running the handlers. */
interface Variant {
  readonly id: string;
  readonly awsSdk: AwsSdkMode;
  readonly sourceMaps: SourceMapMode;
  readonly enableSourceMaps: boolean;
}

const VARIANTS: readonly Variant[] = [
  { id: 'inside (before)', awsSdk: 'bundled', sourceMaps: 'inside', enableSourceMaps: true },
  { id: 'beside (now)', awsSdk: 'bundled', sourceMaps: 'beside', enableSourceMaps: true },
  { id: 'beside, no flag', awsSdk: 'bundled', sourceMaps: 'beside', enableSourceMaps: false },
  { id: 'SDK external', awsSdk: 'external', sourceMaps: 'beside', enableSourceMaps: true },
];

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

function importMs(entry: string, enableSourceMaps: boolean): number {
  const out = execFileSync(
    process.execPath,
    [...(enableSourceMaps ? ['--enable-source-maps'] : []), '--no-warnings', '--input-type=module', '-e', IMPORT_TIMER, pathToFileURL(entry).href],
    { env: { ...process.env, ...HANDLER_ENV }, encoding: 'utf8' },
  );
  return Number(out);
}

/** Zip size and median initialisation time of one handler in one variant. */
export interface HandlerFigure {
  readonly handler: HandlerName;
  readonly variant: string;
  readonly zipBytes: number;
  readonly initMs: number;
}

/** Builds the variants into `dist/bench-handlers/`, times `runs` fresh imports of each, cleans up. */
export async function measureHandlers(runs: number): Promise<HandlerFigure[]> {
  await rm(WORK_DIR, { recursive: true, force: true });
  const names = Object.keys(HANDLERS) as HandlerName[];
  const cases: { handler: HandlerName; variant: Variant; entry: string; zipBytes: number; samples: number[] }[] = [];
  try {
    for (const [index, variant] of VARIANTS.entries()) {
      const outDir = join(WORK_DIR, String(index));
      const manifest = await buildHandlers({ outDir, awsSdk: variant.awsSdk, sourceMaps: variant.sourceMaps });
      for (const handler of names) {
        const files = unzipSync(new Uint8Array(await readFile(join(outDir, codePath(handler)))));
        const dir = join(outDir, 'extracted', HANDLERS[handler].dir);
        await mkdir(dir, { recursive: true });
        for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
        cases.push({ handler, variant, entry: join(dir, BUNDLE_ENTRY), zipBytes: manifest[HANDLERS[handler].zip]?.size ?? 0, samples: [] });
      }
    }
    // Interleaved, so that drift of the machine affects every variant alike; round 0 warms the disk cache.
    for (let run = 0; run <= runs; run++) {
      for (const entry of cases) {
        const ms = importMs(entry.entry, entry.variant.enableSourceMaps);
        if (run > 0) entry.samples.push(ms);
      }
    }
  } finally {
    await rm(WORK_DIR, { recursive: true, force: true });
  }
  return cases.map(({ handler, variant, zipBytes, samples }) => ({ handler, variant: variant.id, zipBytes, initMs: median(samples) }));
}

/** Prints one row per handler: zip size and init of each variant, and the ratios to the build before. */
export function printHandlerFigures(figures: readonly HandlerFigure[], runs: number): void {
  const find = (handler: HandlerName, variant: string): HandlerFigure | undefined =>
    figures.find((figure) => figure.handler === handler && figure.variant === variant);
  const [before, now] = [VARIANTS[0]?.id ?? '', VARIANTS[1]?.id ?? ''];
  console.log(`handler zips and module initialisation (median of ${runs} fresh node ${process.version} processes, interleaved)`);
  printTable(
    ['handler', ...VARIANTS.map((variant) => `${variant.id}: zip, init`), 'now/before: zip, init'],
    (Object.keys(HANDLERS) as HandlerName[]).map((handler) => [
      handler,
      ...VARIANTS.map((variant) => {
        const figure = find(handler, variant.id);
        return figure ? `${formatKiB(figure.zipBytes)}, ${figure.initMs.toFixed(1)} ms` : 'n/a';
      }),
      `${ratio(find(handler, now)?.zipBytes, find(handler, before)?.zipBytes)}, ${ratio(find(handler, now)?.initMs, find(handler, before)?.initMs)}`,
    ]),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await new Command('bench:handlers')
    .option('--runs <n>', 'fresh processes per handler and variant', '10')
    .action(async (options: { runs: string }) => {
      const runs = Number(options.runs);
      printHandlerFigures(await measureHandlers(runs), runs);
    })
    .parseAsync()
    .catch((error: unknown) => {
      console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    });
}
