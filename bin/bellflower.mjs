#!/usr/bin/env node
// The `bellflower` binary (package.json "bin"). It runs the prebuilt bundle dist/cli/bellflower.mjs
// (built by `npm ci` through the prepare script; its launcher answers --version at once and
// rebuilds the bundle when a source changed). Without a bundle (dist/ deleted) it runs
// scripts/bellflower.ts through tsx, a development dependency present after `npm ci`.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/cli/bellflower.mjs', import.meta.url);
if (existsSync(bundle)) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../scripts/bellflower.ts');
}
