import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NESTED_TEMPLATES, nestedTemplatePath, STATE_MACHINE_PATH, TEMPLATE_PATHS } from '../templates/layout';
import { referencedTemplatePaths } from '../templates/root-stack';
import { parseYaml } from '../templates/yaml';
import { synthesize } from './lib/build/synth';

describe('synthesize', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bellflower-synth-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes the seven templates and the definition, byte-identical on a second run', async () => {
    const first = await synthesize({ outDir: join(root, 'a') });
    const second = await synthesize({ outDir: join(root, 'b') });
    expect(first.files).toEqual([...Object.values(TEMPLATE_PATHS), STATE_MACHINE_PATH]);
    expect(second.files).toEqual(first.files);
    for (const file of first.files) {
      const a = await readFile(join(root, 'a', file));
      expect(a.equals(await readFile(join(root, 'b', file))), file).toBe(true);
    }
    const rootStack = parseYaml(await readFile(join(root, 'a', TEMPLATE_PATHS.root), 'utf8')) as Record<string, unknown>;
    expect(rootStack.AWSTemplateFormatVersion).toBe('2010-09-09');
    // The root names each nested template by the hash of the bytes written at its faithful path.
    const written = await Promise.all(
      NESTED_TEMPLATES.map(async (name) => nestedTemplatePath(name, await readFile(join(root, 'a', TEMPLATE_PATHS[name])))),
    );
    expect(new Set(referencedTemplatePaths(rootStack))).toEqual(new Set(written));
  });

  it('sets the callback timeout of "Wait For Response"', async () => {
    await synthesize({ outDir: join(root, 'c'), callbackTimeoutSeconds: 900 });
    const definition = JSON.parse(await readFile(join(root, 'c', STATE_MACHINE_PATH), 'utf8'));
    expect(definition.States['Wait For Response'].TimeoutSeconds).toBe(900);
  });

  it('rejects an invalid callback timeout before writing anything', async () => {
    await expect(synthesize({ outDir: join(root, 'd'), callbackTimeoutSeconds: -1 })).rejects.toThrow(/callbackTimeoutSeconds/);
    await expect(readFile(join(root, 'd', TEMPLATE_PATHS.root))).rejects.toThrow(/ENOENT/);
  });
});

