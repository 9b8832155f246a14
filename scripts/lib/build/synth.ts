/**
 * Synthesis: writes the seven CloudFormation templates (YAML) and the state machine definition
 * (JSON) under `outDir`, at the paths of `templates/layout.ts`. The root stack's TemplateURLs
 * name the nested templates by the hash of the exact bytes written here (publish uploads them
 * under those content-addressed keys as well). Deterministic: the same options give the same
 * bytes. Throws, never prints.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { definitionText, type StateMachineOptions } from '../../../asl/state-machine';
import { renderTemplates } from '../../../templates/index';
import { STATE_MACHINE_PATH, TEMPLATE_PATHS, type TemplateName } from '../../../templates/layout';

/** Options of {@link synthesize}. */
export interface SynthOptions extends StateMachineOptions {
  /** Folder receiving the files (e.g. `dist`). */
  readonly outDir: string;
}

/** What {@link synthesize} wrote. */
export interface SynthResult {
  /** Paths relative to `outDir`, templates first, in the order of TEMPLATE_PATHS. */
  readonly files: readonly string[];
}

/** The synthesized files in memory: path relative to the output folder -> text. */
export function renderArtifacts(options: Omit<SynthOptions, 'outDir'> = {}): Map<string, string> {
  // Built first so that an invalid timeout fails before any template work.
  const definition = definitionText({
    callbackTimeoutSeconds: options.callbackTimeoutSeconds,
    callbackHeartbeatSeconds: options.callbackHeartbeatSeconds,
  });
  const { texts } = renderTemplates();
  const files = new Map<string, string>();
  for (const [name, path] of Object.entries(TEMPLATE_PATHS) as [TemplateName, string][]) {
    files.set(path, texts[name]);
  }
  files.set(STATE_MACHINE_PATH, definition);
  return files;
}

/** Writes the templates and the state machine definition under `options.outDir`. */
export async function synthesize(options: SynthOptions): Promise<SynthResult> {
  const files = renderArtifacts(options);
  await Promise.all(
    [...files].map(async ([path, text]) => {
      const target = join(options.outDir, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, text);
    }),
  );
  return { files: [...files.keys()] };
}
