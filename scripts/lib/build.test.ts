import { strFromU8, unzipSync } from 'fflate';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_MANIFEST_PATH, HANDLERS, codePath, type HandlerName } from '../../templates/layout';
import { sha256Hex } from '../../templates/layout';
import { buildHandlers, BUNDLE_ENTRY, BUNDLE_MAP, type CodeManifest } from './build';
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

describe('buildHandlers', () => {
  let first: string;
  let second: string;
  let manifest: CodeManifest;

  beforeAll(async () => {
    first = await mkdtemp(join(tmpdir(), 'bellflower-build-'));
    second = await mkdtemp(join(tmpdir(), 'bellflower-build-'));
    [manifest] = await Promise.all([buildHandlers({ outDir: first }), buildHandlers({ outDir: second })]);
  });

  afterAll(async () => {
    await Promise.all([first, second].map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('builds byte-identical zips from the same sources', async () => {
    for (const name of NAMES) {
      const [a, b] = await Promise.all([readFile(join(first, codePath(name))), readFile(join(second, codePath(name)))]);
      expect(a.equals(b), name).toBe(true);
    }
  });

  it('puts exactly index.mjs and its source map in each zip, with fixed date and permissions', async () => {
    for (const name of NAMES) {
      const zip = new Uint8Array(await readFile(join(first, codePath(name))));
      expect(Object.keys(unzipSync(zip)).sort(), name).toEqual([BUNDLE_ENTRY, BUNDLE_MAP]);
      // 2000-01-01 00:00 as DOS date ((2000 - 1980) << 9 | 1 << 5 | 1) and time 0; unix origin, -rw-r--r--.
      expect(centralDirectory(zip)).toEqual([
        { name: BUNDLE_ENTRY, os: 3, time: 0, date: (20 << 9) | (1 << 5) | 1, mode: 0o100644 },
        { name: BUNDLE_MAP, os: 3, time: 0, date: (20 << 9) | (1 << 5) | 1, mode: 0o100644 },
      ]);
    }
  });

  it('records the hash and size of every zip in the code manifest', async () => {
    const written = JSON.parse(await readFile(join(first, CODE_MANIFEST_PATH), 'utf8')) as CodeManifest;
    expect(written).toEqual(manifest);
    expect(Object.keys(written)).toEqual(NAMES.map((name) => HANDLERS[name].zip).sort());
    for (const name of NAMES) {
      const zip = await readFile(join(first, codePath(name)));
      expect(written[HANDLERS[name].zip]).toEqual({ sha256: sha256Hex(zip), size: zip.length });
    }
  });

  it('bundles a runnable ES module whose source map points at the TypeScript sources', async () => {
    const files = unzipSync(new Uint8Array(await readFile(join(first, codePath('processing')))));
    const dir = await mkdtemp(join(tmpdir(), 'bellflower-bundle-'));
    const saved = { ...process.env };
    try {
      for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
      Object.assign(process.env, { SIMULATED_WORK_MS: '0', POWERTOOLS_LOG_LEVEL: 'SILENT' });
      const { handler } = (await import(pathToFileURL(join(dir, BUNDLE_ENTRY)).href)) as {
        handler: (event: unknown, context: unknown) => Promise<Record<string, unknown>>;
      };
      const output = await handler({ order: 1 }, { functionName: 'processing', awsRequestId: 'r' });
      expect(output).toMatchObject({ order: 1, status_code: 200 });

      const map = JSON.parse(strFromU8(files[BUNDLE_MAP] ?? new Uint8Array())) as { sources: string[] };
      expect(map.sources).toContain('../../../handlers/processing/process-execution.ts');
      expect(strFromU8(files[BUNDLE_ENTRY] ?? new Uint8Array())).toContain('//# sourceMappingURL=index.mjs.map');
    } finally {
      process.env = saved;
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('deterministicZip', () => {
  it('writes the same bytes in another time zone and whatever the order of the files', () => {
    const files = { 'b.txt': new TextEncoder().encode('b'), 'a.txt': new TextEncoder().encode('a') };
    const here = Buffer.from(deterministicZip(files)).toString('base64');
    const script = `import { deterministicZip } from './scripts/lib/zip.ts';
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
