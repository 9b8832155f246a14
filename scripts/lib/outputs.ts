/**
 * `dist/outputs/<env>.json`: the root stack outputs of the last deploy, as a flat JSON object
 * `{ "<OutputKey>": "<OutputValue>" }` (keys from `ROOT_OUTPUTS`). Written by deploy, read by the
 * commands that talk to a deployment.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { displayPath } from './paths';

/** The project's `dist/` folder. */
export const DEFAULT_DIST_DIR = fileURLToPath(new URL('../../dist', import.meta.url));

/** The outputs file is missing or unreadable. */
export class OutputsError extends Error {
  override readonly name = 'OutputsError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Path of the outputs file of `env`. */
export function outputsPath(env: string, distDir: string = DEFAULT_DIST_DIR): string {
  return join(distDir, 'outputs', `${env}.json`);
}

/** Reads the outputs of `env`; throws {@link OutputsError} naming the deploy command when missing. */
export function readOutputs(env: string, distDir?: string): Record<string, string> {
  const file = outputsPath(env, distDir);
  const shown = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new OutputsError(`no stack outputs for "${env}" at ${shown}: run \`npm run deploy -- --env ${env}\` first`, {
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new OutputsError(`${shown} is not valid JSON; run \`npm run deploy -- --env ${env}\` again`, { cause: error });
  }
  if (!isStringRecord(value)) {
    throw new OutputsError(`${shown} must be a flat JSON object of strings; run \`npm run deploy -- --env ${env}\` again`);
  }
  return value;
}

/** Writes the outputs of `env` (sorted keys, trailing newline); returns the file path. */
export function writeOutputs(env: string, outputs: Readonly<Record<string, string>>, distDir?: string): string {
  const file = outputsPath(env, distDir);
  mkdirSync(dirname(file), { recursive: true });
  const sorted = Object.fromEntries(Object.entries(outputs).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
  return file;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
