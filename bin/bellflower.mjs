#!/usr/bin/env node
// The `bellflower` binary (package.json "bin"): runs the command bundle dist/cli/bellflower.mjs,
// built by `npm ci` (the prepare script) and `npm run build:cli`. Without a bundle (dist/ deleted)
// it runs scripts/program.ts through tsx, a development dependency present after `npm ci`.
//
// A bundle older than a source it was built from is checked before it runs: when one of the files
// recorded in dist/cli/build-record.json was modified after the record, the builder
// (scripts/lib/build/cli-bundle.ts, `rebuildIfStale`) hashes them and rebuilds when a content
// changed. Node built-ins only and a few `stat`s, so that `bellflower --help` starts fast.
import { readFileSync, statSync } from 'node:fs';

// A reader that stops early (`bellflower --help | head`) ends the output, not in a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const root = new URL('..', import.meta.url);
const record = new URL('dist/cli/build-record.json', root);

/** Whether dist/cli may be older than a recorded source (undefined: there is no bundle). */
function mayBeStale() {
  let text;
  let recordTime;
  try {
    text = readFileSync(record, 'utf8');
    recordTime = statSync(record).mtimeMs;
  } catch {
    return undefined;
  }
  try {
    const inputs = Object.keys(JSON.parse(text).inputs ?? {});
    // A deleted source counts as a change too (the builder then says which).
    return inputs.some((file) => (statSync(new URL(file, root), { throwIfNoEntry: false })?.mtimeMs ?? Infinity) > recordTime);
  } catch {
    return true;
  }
}

const stale = mayBeStale();
if (stale !== undefined) {
  if (stale) {
    try {
      const { tsImport } = await import('tsx/esm/api');
      const builder = await tsImport(new URL('scripts/lib/build/cli-bundle.ts', root).href, import.meta.url);
      await builder.rebuildIfStale();
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
      process.stderr.write(`bellflower: cannot rebuild dist/cli: ${message}\n`);
      process.exit(1);
    }
  }
  const { main } = await import('../dist/cli/bellflower.mjs');
  await main(process.argv.slice(2));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../scripts/program.ts');
  await main(process.argv.slice(2));
}
