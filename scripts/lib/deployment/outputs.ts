/**
 * The root stack outputs of a deployment: read from the stack itself (DescribeStacks), and kept in
 * `dist/outputs/<env>.json` as a flat JSON object `{ "<OutputKey>": "<OutputValue>" }` (keys from
 * `ROOT_OUTPUTS`) for other tools. Written by deploy and refreshed by {@link deployedOutputs},
 * removed by destroy.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { awsAccessCause } from '../core/aws-errors';
import { DEFAULT_DIST_DIR, displayPath } from '../core/paths';
import { silentReporter, type Reporter } from '../core/reporter';
import { describeStack, outputsOf } from './stacks';
import { BellflowerError } from '../core/errors';

/** The outputs file is missing or unreadable. */
export class OutputsError extends BellflowerError {
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
  writeFileSync(file, `${JSON.stringify(sortedRecord(outputs), null, 2)}\n`);
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

/** Deletes the outputs file of `env`; true when there was one. */
export function removeOutputs(env: string, distDir?: string): boolean {
  const file = outputsPath(env, distDir);
  try {
    readFileSync(file);
  } catch {
    return false;
  }
  rmSync(file, { force: true });
  return true;
}

/** Where {@link deployedOutputs} found the outputs. */
export type OutputsSource = 'stack' | 'file';

/** Options of {@link deployedOutputs}. */
export interface DeployedOutputsOptions {
  readonly cloudFormation: CloudFormationClient;
  readonly env: string;
  readonly stackName: string;
  readonly region: string;
  readonly distDir?: string;
  readonly reporter?: Reporter;
}

/**
 * The outputs of the environment's root stack, read from the stack (so any machine finds the
 * deployment), and written to the outputs file when it was missing or stale. Only when the caller
 * may not describe stacks does the file answer instead. Throws {@link OutputsError} when the stack
 * does not exist (and says so of a file left by an earlier deploy).
 */
export async function deployedOutputs(options: DeployedOutputsOptions): Promise<{ readonly outputs: Record<string, string>; readonly source: OutputsSource }> {
  const reporter = options.reporter ?? silentReporter;
  const file = outputsPath(options.env, options.distDir);
  const shown = displayPath(file);
  let stack;
  try {
    stack = await describeStack(options.cloudFormation, options.stackName);
  } catch (error) {
    if (awsAccessCause(error)?.kind !== 'denied') throw error;
    const outputs = readOutputs(options.env, options.distDir);
    reporter.info(`cannot describe stack ${options.stackName} (access denied): using ${shown}`);
    return { outputs, source: 'file' };
  }
  const usable = stack && !/^(REVIEW_IN_PROGRESS|ROLLBACK_COMPLETE|ROLLBACK_FAILED|CREATE_FAILED|CREATE_IN_PROGRESS|DELETE_)/.test(stack.StackStatus ?? '');
  if (!stack || !usable) {
    const state = stack ? `is in ${stack.StackStatus}` : 'does not exist';
    const leftover = readOutputsIfAny(options.env, options.distDir) ? `; ${shown} is stale (an earlier deploy's)` : '';
    throw new OutputsError(
      `stack ${options.stackName} ${state} in ${options.region}${leftover}: deploy first (bellflower deploy --env ${options.env}) or pick the right --region / --profile`,
    );
  }
  const outputs = outputsOf(stack);
  const previous = readOutputsIfAny(options.env, options.distDir);
  if (JSON.stringify(sortedRecord(previous ?? {})) !== JSON.stringify(sortedRecord(outputs))) {
    writeOutputs(options.env, outputs, options.distDir);
    reporter.info(`${shown}: ${previous ? 'was stale, updated' : 'written'} from stack ${options.stackName}`);
  }
  return { outputs, source: 'stack' };
}

function readOutputsIfAny(env: string, distDir?: string): Record<string, string> | undefined {
  try {
    return readOutputs(env, distDir);
  } catch {
    return undefined;
  }
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
