#!/usr/bin/env node
// The `bellflower` binary (package.json "bin"): runs scripts/bellflower.ts, compiled on the fly by
// tsx (a development dependency, present after `npm ci`).
import { register } from 'tsx/esm/api';

register();
await import('../scripts/bellflower.ts');
