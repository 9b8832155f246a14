/**
 * `bellflower invoke <function> --event <file|->`: one bundled handler (the zip `bellflower build`
 * writes, rebuilt when its sources changed) run once on this machine, in the worker-thread runtime
 * the local run uses (emulator/lambda-runtime.mjs: handler resolution, context, error shape), as
 * `sam local invoke -e` does. The function's environment is this process's plus `--env-var`s: the
 * handler talks to whatever AWS (or emulator) that environment names.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { codePath, HANDLERS, type HandlerName } from '../../../templates/layout';
import { buildHandlerZips, handlerZipStaleness } from '../build/build';
import { silentReporter, type Reporter } from '../core/reporter';
import { BellflowerError, UsageError } from '../core/errors';
import { extractBundle } from './bundles';
import { DEFAULT_TIMEOUT_MS, LambdaInvocationError, type LambdaErrorPayload } from './lambda';
import { divertStdout } from './stdout';
import { startWorkerRuntime } from './worker-runtime';

/** The functions `invoke` runs: their keys and their folder names under `handlers/`. */
export function functionNames(): string[] {
  return Object.keys(HANDLERS);
}

/** The handler named `name` (a key of HANDLERS or its folder, `s3-folders`); a {@link UsageError} listing them otherwise. */
export function resolveFunction(name: string): HandlerName {
  const found = (Object.keys(HANDLERS) as HandlerName[]).find((key) => key === name || HANDLERS[key].dir === name);
  if (!found) throw new UsageError(`unknown function "${name}": one of ${functionNames().join(', ')}`);
  return found;
}

/** Reads the event: a file, or `-` for standard input; it must be JSON. Throws {@link UsageError} naming the problem. */
export async function readEvent(source: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<unknown> {
  let content: string;
  const origin = source === '-' ? 'the event on standard input' : `event file ${source}`;
  try {
    content = source === '-' ? await text(stdin) : await readFile(source, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a folder' : String(error);
    throw new UsageError(`cannot read ${origin}: ${why} (write one with \`bellflower event <kind> > event.json\`)`, { cause: error });
  }
  try {
    return JSON.parse(content) as unknown;
  } catch (error) {
    throw new UsageError(`${origin} is not valid JSON (${(error as Error).message}); \`bellflower event <kind>\` prints a sample`, { cause: error });
  }
}

/** Options of {@link invokeFunction}. */
export interface InvokeOptions {
  readonly handler: HandlerName;
  readonly event: unknown;
  /** Folder of `code/<zip>`; the zips are (re)built there first. */
  readonly distDir: string;
  /** Variables added to this process's environment for the function. */
  readonly env?: Readonly<Record<string, string>>;
  /** @default 300 000 (the template's LambdaFunctionTimeoutSecs default) */
  readonly timeoutMs?: number;
  /** Where the bundle is extracted. @default `<distDir>/local` */
  readonly extractRoot?: string;
  /** Told when the zips are rebuilt first, and why. @default silent */
  readonly reporter?: Reporter;
}

/** The handler ran and failed (exit code 1); its error payload has been printed. */
export class HandlerFailedError extends BellflowerError {
  override readonly name = 'HandlerFailedError';
}

/** What one invocation returned. */
export type InvokeOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: LambdaErrorPayload };

/**
 * Builds the zips (unchanged ones from the build cache), extracts the handler's, starts its
 * runtime with the environment, invokes it once with `event` and stops it. The function's own
 * output (its logs) goes to stderr, so that stdout carries only what the caller prints.
 */
export async function invokeFunction(options: InvokeOptions): Promise<InvokeOutcome> {
  const stale = handlerZipStaleness(options.distDir, options.handler);
  if (stale) (options.reporter ?? silentReporter).info(`building the handler zips first (${options.handler}: ${stale})`);
  await buildHandlerZips({ outDir: options.distDir });
  const dir = await extractBundle(join(options.distDir, codePath(options.handler)), options.extractRoot ?? join(options.distDir, 'local'));
  const env = Object.fromEntries(Object.entries({ ...process.env, ...options.env }).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const name = `bellflower-${HANDLERS[options.handler].dir}-local`;
  const fn = { name, arn: `arn:aws:lambda:${env.AWS_REGION ?? 'us-east-1'}:123456789012:function:${name}`, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS };
  const diversion = divertStdout();
  try {
    const runtime = await startWorkerRuntime(fn, dir, env);
    try {
      return { ok: true, result: await runtime.invoke(options.event) };
    } catch (error) {
      if (error instanceof LambdaInvocationError) return { ok: false, error: error.payload };
      throw error;
    } finally {
      await runtime.stop();
    }
  } finally {
    diversion.restore();
  }
}

/** `KEY=VALUE` strings of `--env-var` as an object; a {@link UsageError} for one without `=`. */
export function parseEnvVars(pairs: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--env-var ${pair}: write KEY=VALUE`);
    vars[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return vars;
}
