/**
 * What `npm run local` runs: the synthesized definition (`<dist>/state-machine/state-machine.json`)
 * and the handler bundles (`<dist>/code/*.zip`), produced by the same library functions as for a
 * deployment (`synthesize()`, `buildHandlers()`), so that the local run exercises the artifacts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STATE_MACHINE_PATH } from '../../../templates/layout';
import { buildHandlers } from '../build/build';
import { synthesize } from '../build/synth';
import { LocalEngineError } from './engine';

/** Options of {@link loadLocalDefinition}. */
export interface LocalDefinitionOptions {
  readonly distDir: string;
  /** Synthesize into `distDir` first. @default false */
  readonly synthesize?: boolean;
}

/** Reads the synthesized ASL definition (placeholders included), synthesizing it first if asked. */
export async function loadLocalDefinition(options: LocalDefinitionOptions): Promise<Record<string, unknown>> {
  if (options.synthesize) await synthesize({ outDir: options.distDir });
  const file = join(options.distDir, STATE_MACHINE_PATH);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error: unknown) {
    throw new LocalEngineError(`${file} not found: run \`npm run synth\` first (or drop --no-build)`, { cause: error });
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error: unknown) {
    throw new LocalEngineError(`${file} is not valid JSON: run \`npm run synth\` again`, { cause: error });
  }
}

/** Synthesizes the definition and builds the handler bundles into `distDir`. */
export async function buildLocalArtifacts(distDir: string): Promise<void> {
  await Promise.all([synthesize({ outDir: distDir }), buildHandlers({ outDir: distDir })]);
}
