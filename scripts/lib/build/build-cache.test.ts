import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../templates/layout';
import { MISSING, changedInput, hashInputs, hashOptions, inputsUnchanged, projectInputs, readRecord, writeRecord } from './build-cache';

describe('build-cache', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bellflower-cache-'));
    writeFileSync(join(root, 'a.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'b.ts'), 'export const b = 2;\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('hashes options independently of the order of their keys', () => {
    expect(hashOptions({ awsSdk: 'bundled', nested: { b: 1, a: [2, { d: 3, c: 4 }] } })).toBe(
      hashOptions({ nested: { a: [2, { c: 4, d: 3 }], b: 1 }, awsSdk: 'bundled' }),
    );
    expect(hashOptions({ awsSdk: 'bundled' })).not.toBe(hashOptions({ awsSdk: 'external' }));
  });

  it('records the content hash of each input, and a missing file as missing', () => {
    expect(hashInputs(root, ['b.ts', 'a.ts', 'gone.ts', 'a.ts'])).toEqual({
      'a.ts': sha256Hex('export const a = 1;\n'),
      'b.ts': sha256Hex('export const b = 2;\n'),
      'gone.ts': MISSING,
    });
  });

  it('names the first changed input; the same content written again is unchanged', () => {
    const recorded = hashInputs(root, ['a.ts', 'b.ts', 'gone.ts']);
    expect(changedInput(root, recorded)).toBeUndefined();
    writeFileSync(join(root, 'b.ts'), 'export const b = 3;\n');
    expect(changedInput(root, recorded)).toBe('b.ts');
    writeFileSync(join(root, 'b.ts'), 'export const b = 2;\n');
    expect(inputsUnchanged(root, recorded)).toBe(true);
    writeFileSync(join(root, 'gone.ts'), '');
    expect(changedInput(root, recorded)).toBe('gone.ts');
    rmSync(join(root, 'a.ts'));
    expect(inputsUnchanged(root, recorded)).toBe(false);
  });

  it("keeps the project's files of an esbuild metafile, never node_modules or virtual modules", () => {
    expect(
      projectInputs(root, ['b.ts', 'node_modules/yaml/dist/index.js', 'lib/node_modules/x/y.js', 'a.ts', '<runtime>:x', '../outside.ts']),
    ).toEqual(['a.ts', 'b.ts']);
  });

  it('writes a record atomically and reads it back; an unreadable record is absent', () => {
    const file = join(root, 'records', 'x.json');
    writeRecord(file, { inputs: { 'a.ts': 'h' } });
    expect(readRecord(file)).toEqual({ inputs: { 'a.ts': 'h' } });
    expect(readdirSync(join(root, 'records'))).toEqual(['x.json']);
    writeFileSync(file, '{ half');
    expect(readRecord(file)).toBeUndefined();
    expect(readRecord(join(root, 'none.json'))).toBeUndefined();
  });
});
