/**
 * What `node dist/cli/<command>.mjs` runs first (see `cli-bundle.ts`): answers a lone `--version`
 * at once; otherwise checks that the bundle matches the sources, rebuilds it from the TypeScript
 * sources when it does not (a development checkout after an edit, a pull or a branch switch), and
 * imports the command. Node built-ins only, so that it starts in a few milliseconds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI_DIR, PROJECT_ROOT, cliStaleness } from './cli-bundle';

/** The project's version (`package.json`), read when asked so that it is never stale. */
export function projectVersion(root: string = PROJECT_ROOT): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Rebuilds `dist/cli/` with the current builder (its TypeScript source through tsx, a
 * development dependency: the bundled copy of the builder may be the stale part).
 */
async function rebuild(reason: string): Promise<void> {
  process.stderr.write(`${reason}: rebuilding ${CLI_DIR} (npm run build:cli)\n`);
  const { tsImport } = await import('tsx/esm/api');
  const builder = (await tsImport(pathToFileURL(join(PROJECT_ROOT, 'scripts', 'lib', 'cli', 'cli-bundle.ts')).href, import.meta.url)) as typeof import('./cli-bundle');
  await builder.buildCli(PROJECT_ROOT);
}

/** Runs `command` from the bundle (its module parses `process.argv` and sets the exit code). */
export async function launch(command: string): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${projectVersion()}\n`);
    return;
  }
  const stale = cliStaleness();
  if (stale !== undefined) {
    try {
      await rebuild(stale);
    } catch (error: unknown) {
      const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
      process.stderr.write(`${command}: cannot rebuild ${CLI_DIR}: ${message}\n`);
      process.exitCode = 1;
      return;
    }
  }
  await import(pathToFileURL(join(PROJECT_ROOT, CLI_DIR, `${command}.bundle.mjs`)).href);
}
