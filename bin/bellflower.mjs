#!/usr/bin/env node
// The `bellflower` binary (package.json "bin"). A lone --version is answered here, from
// package.json, before anything else loads. Otherwise it runs the prebuilt bundle
// dist/cli/bellflower.mjs (built by `npm ci` through the prepare script; its launcher rebuilds the
// bundle when a source changed). Without a bundle (dist/ deleted) it runs scripts/bellflower.ts
// through tsx, a development dependency present after `npm ci`.
import { existsSync, readFileSync } from 'node:fs';

// A reader that stops early (`bellflower --help | head`) ends the output, not in a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else if (existsSync(new URL('../dist/cli/bellflower.mjs', import.meta.url))) {
  await import('../dist/cli/bellflower.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../scripts/bellflower.ts');
}
