import { strFromU8, unzipSync } from 'fflate';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stubEnvs } from '../../../test/support/stub-envs';
import { CODE_MANIFEST_PATH, HANDLERS, codePath, type HandlerName } from '../../../templates/layout';
import { sha256Hex } from '../../../templates/layout';
import { buildHandlerZips, buildHandlers, BUNDLE_ENTRY, BUNDLE_MAP, cacheRecordPath, sourceMapPath, type CodeManifest } from './build';
import { readRecord, writeRecord } from './build-cache';
import { deterministicZip } from './zip';

const NAMES = Object.keys(HANDLERS) as HandlerName[];

/** Version-made-by OS, DOS time and date, and external attributes of every central directory entry. */
function centralDirectory(zip: Uint8Array): { name: string; os: number; time: number; date: number; mode: number }[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const entries = [];
  for (let offset = 0; offset + 46 <= zip.length; offset++) {
    if (view.getUint32(offset, true) !== 0x02014b50) continue;
    const nameLength = view.getUint16(offset + 28, true);
    entries.push({
      name: strFromU8(zip.subarray(offset + 46, offset + 46 + nameLength)),
      os: view.getUint8(offset + 5),
      time: view.getUint16(offset + 12, true),
      date: view.getUint16(offset + 14, true),
      mode: view.getUint32(offset + 38, true) >>> 16,
    });
    offset += 45 + nameLength;
  }
  return entries;
}

/** 2000-01-01 00:00 as DOS date ((2000 - 1980) << 9 | 1 << 5 | 1) and time 0; unix origin, -rw-r--r--. */
const fixedEntry = (name: string) => ({ name, os: 3, time: 0, date: (20 << 9) | (1 << 5) | 1, mode: 0o100644 });

/** Writes the files of a zip into `dir`. */
async function extract(zip: Uint8Array, dir: string): Promise<Record<string, Uint8Array>> {
  const files = unzipSync(zip);
  for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
  return files;
}

describe('buildHandlers', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'bellflower-build-'));
    dirs.push(dir);
    return dir;
  };
  let first: string;
  let second: string;
  let cacheDir: string;
  let manifest: CodeManifest;

  beforeAll(async () => {
    [first, second, cacheDir] = await Promise.all([tempDir(), tempDir(), tempDir()]);
    // Two real builds of the same sources at the same time, each with an empty cache of its own.
    [manifest] = await Promise.all([buildHandlers({ outDir: first, cacheDir }), buildHandlers({ outDir: second, cacheDir: await tempDir() })]);
  });

  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  /** sha256 of every file a build writes, by path relative to its folder. */
  const written = async (dir: string): Promise<Record<string, string>> => {
    const paths = [CODE_MANIFEST_PATH, ...NAMES.flatMap((name) => [codePath(name), sourceMapPath(name)])];
    return Object.fromEntries(await Promise.all(paths.map(async (path) => [path, sha256Hex(await readFile(join(dir, path)))])));
  };

  const recordOf = (name: HandlerName): string => cacheRecordPath(cacheDir, name);

  it('builds byte-identical zips and maps from the same sources', async () => {
    expect(await written(second)).toEqual(await written(first));
  });

  it('puts exactly index.mjs in each zip, with fixed date and permissions, and the source map beside the zip', async () => {
    for (const name of NAMES) {
      const zip = new Uint8Array(await readFile(join(first, codePath(name))));
      expect(centralDirectory(zip)).toEqual([fixedEntry(BUNDLE_ENTRY)]);
      expect(strFromU8(unzipSync(zip)[BUNDLE_ENTRY] ?? new Uint8Array())).not.toContain('sourceMappingURL');
    }
    expect(readdirSync(join(first, 'code')).sort()).toEqual(
      ['manifest.json', ...NAMES.map((name) => HANDLERS[name].zip), ...NAMES.map((name) => sourceMapPath(name).slice('code/'.length))].sort(),
    );
  });

  it('records the hash and size of every zip in the code manifest', async () => {
    const file = JSON.parse(await readFile(join(first, CODE_MANIFEST_PATH), 'utf8')) as CodeManifest;
    expect(file).toEqual(manifest);
    expect(Object.keys(file)).toEqual(NAMES.map((name) => HANDLERS[name].zip).sort());
    for (const name of NAMES) {
      const zip = await readFile(join(first, codePath(name)));
      expect(file[HANDLERS[name].zip]).toEqual({ sha256: sha256Hex(zip), size: zip.length });
    }
  });

  it('bundles a runnable ES module whose map beside the zip points at the TypeScript sources', async () => {
    const dir = await tempDir();
    try {
      await extract(new Uint8Array(await readFile(join(first, codePath('processing')))), dir);
      stubEnvs({ SIMULATED_WORK_MS: '0', POWERTOOLS_LOG_LEVEL: 'SILENT' });
      const { handler } = (await import(pathToFileURL(join(dir, BUNDLE_ENTRY)).href)) as {
        handler: (event: unknown, context: unknown) => Promise<Record<string, unknown>>;
      };
      const output = await handler({ order: 1 }, { functionName: 'processing', awsRequestId: 'r' });
      expect(output).toMatchObject({ order: 1, status_code: 200 });
      // Relative to the map's place in dist/code/.
      const map = JSON.parse(await readFile(join(first, sourceMapPath('processing')), 'utf8')) as { sources: string[] };
      expect(map.sources).toContain('../../handlers/processing/process-execution.ts');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('puts the map inside the zip in a debug build (--source-maps inside)', async () => {
    const outDir = await tempDir();
    await buildHandlers({ outDir, sourceMaps: 'inside', cacheDir });
    const zip = new Uint8Array(await readFile(join(outDir, codePath('processing'))));
    expect(centralDirectory(zip)).toEqual([fixedEntry(BUNDLE_ENTRY), fixedEntry(BUNDLE_MAP)]);
    const files = unzipSync(zip);
    expect(strFromU8(files[BUNDLE_ENTRY] ?? new Uint8Array())).toContain('//# sourceMappingURL=index.mjs.map');
    const map = JSON.parse(strFromU8(files[BUNDLE_MAP] ?? new Uint8Array())) as { sources: string[] };
    expect(map.sources).toContain('../../../handlers/processing/process-execution.ts');
    expect(readdirSync(join(outDir, 'code')).some((file) => file.endsWith('.map'))).toBe(false);
  });

  it('bundles nothing when no input changed, and writes the same bytes', async () => {
    const outDir = await tempDir();
    const result = await buildHandlerZips({ outDir, cacheDir });
    expect(result).toEqual({ manifest, built: [], reused: [...NAMES].sort() });
    expect(await written(outDir)).toEqual(await written(first));
  });

  it('records the sources, the lockfile and the builder among the inputs, by content only', () => {
    const record = readRecord<Record<string, unknown> & { inputs: Record<string, string> }>(recordOf('processing'));
    expect(Object.keys(record?.inputs ?? {})).toEqual(
      expect.arrayContaining(['package-lock.json', 'tsconfig.json', 'scripts/lib/build/build.ts', 'handlers/processing/index.ts', 'handlers/shared/env.ts']),
    );
    expect(Object.keys(record?.inputs ?? {}).filter((path) => path.includes('node_modules'))).toEqual([]);
    expect(Object.keys(record ?? {}).sort()).toEqual(['inputs', 'map', 'version', 'zip']);
  });

  it('rebuilds only the handler whose input changed, and records the input as it is now', async () => {
    const file = recordOf('integration');
    const record = readRecord<{ inputs: Record<string, string> }>(file)!;
    // As if handlers/integration/integrate.ts had had other content when the cache was written.
    writeRecord(file, { ...record, inputs: { ...record.inputs, 'handlers/integration/integrate.ts': sha256Hex('older content') } });
    const outDir = await tempDir();
    const result = await buildHandlerZips({ outDir, cacheDir });
    expect(result).toMatchObject({ manifest, built: ['integration'], reused: ['processing', 's3Folders', 's3Notification'] });
    expect(readRecord<{ inputs: Record<string, string> }>(file)?.inputs).toEqual(record.inputs);
  });

  it('rebuilds a handler whose cached zip is damaged', async () => {
    const record = readRecord<{ zip: { sha256: string } }>(recordOf('processing'))!;
    await writeFile(join(cacheDir, 'blobs', record.zip.sha256), 'damaged');
    const result = await buildHandlerZips({ outDir: await tempDir(), cacheDir });
    expect(result).toMatchObject({ manifest, built: ['processing'] });
  });
});

describe('deterministicZip', () => {
  it('writes the same bytes in another time zone and whatever the order of the files', () => {
    const files = { 'b.txt': new TextEncoder().encode('b'), 'a.txt': new TextEncoder().encode('a') };
    const here = Buffer.from(deterministicZip(files)).toString('base64');
    const script = `import { deterministicZip } from './scripts/lib/build/zip.ts';
      const e = new TextEncoder();
      process.stdout.write(Buffer.from(deterministicZip({ 'a.txt': e.encode('a'), 'b.txt': e.encode('b') })).toString('base64'));`;
    const tokyo = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, TZ: 'Asia/Tokyo' },
      encoding: 'utf8',
    });
    expect(tokyo).toBe(here);
    expect(centralDirectory(Buffer.from(here, 'base64')).map((e) => e.name)).toEqual(['a.txt', 'b.txt']);
  });
});
