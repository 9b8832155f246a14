import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from './synth';
import { CLI_DIR, CLI_RECORD, buildCli, cliStaleness, readCliRecord } from './cli-bundle';
import { PROJECT_ROOT } from '../core/paths';

/** Runs `node bin/bellflower.mjs <args>` in `root`. */
function runCommand(root: string, args: readonly string[] = []): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(root, 'bin', 'bellflower.mjs'), ...args], { cwd: root, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A small project beside the real one: the binary, the builder and what it imports (copied), a
 * program of its own, and the real node_modules (linked).
 */
describe('the command bundle of a small project', () => {
  let root: string;
  const program = (greeting: string): string =>
    [
      `import { stringify } from 'yaml';`,
      `import { here } from './lib/where';`,
      `const text = 'import.meta.url stays text in a string';`,
      `export async function main(args: readonly string[]): Promise<void> {`,
      `  console.log(stringify({ greeting: ${JSON.stringify(greeting)}, here, config: new URL('../config', import.meta.url).pathname, text, args }));`,
      `}`,
      '',
    ].join('\n');

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'bellflower-cli-'));
    for (const file of ['tsconfig.json', 'package-lock.json', 'bin/bellflower.mjs', 'scripts/lib/build/cli-bundle.ts', 'scripts/lib/build/build-cache.ts', 'scripts/lib/core/paths.ts', 'templates/layout.ts']) {
      cpSync(join(PROJECT_ROOT, file), join(root, file));
    }
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'small', version: '9.9.9', type: 'module' }));
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    writeFileSync(join(root, 'scripts', 'lib', 'where.ts'), `import { fileURLToPath } from 'node:url';\nexport const here = fileURLToPath(import.meta.url);\n`);
    writeFileSync(join(root, 'scripts', 'program.ts'), program('hello'));
    writeFileSync(join(root, 'scripts', 'build-cli.ts'), '');
    await buildCli(root);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('bundles the program and records every file it was built from, the binary included', () => {
    expect(existsSync(join(root, CLI_DIR, 'bellflower.mjs'))).toBe(true);
    expect(Object.keys(readCliRecord(root)?.inputs ?? {})).toEqual(
      expect.arrayContaining(['package-lock.json', 'scripts/program.ts', 'scripts/lib/where.ts', 'bin/bellflower.mjs', 'scripts/lib/build/cli-bundle.ts']),
    );
    expect(cliStaleness(root)).toBeUndefined();
  });

  it('runs the program with its arguments; import.meta.url still names the source file', () => {
    const { status, stdout, stderr } = runCommand(root, ['a', '--b']);
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(stdout.trimEnd()).toBe(
      [
        'greeting: hello',
        `here: ${join(root, 'scripts', 'lib', 'where.ts')}`,
        `config: ${join(root, 'config')}`,
        'text: import.meta.url stays text in a string',
        'args:',
        '  - a',
        '  - --b',
      ].join('\n'),
    );
  });

  it('rebuilds when a source changed, by content: the edit runs at once', () => {
    writeFileSync(join(root, 'scripts', 'program.ts'), program('changed'));
    expect(cliStaleness(root)).toBe('scripts/program.ts changed');
    const { status, stdout, stderr } = runCommand(root);
    expect(status).toBe(0);
    expect(stderr).toBe(`scripts/program.ts changed: rebuilding ${CLI_DIR} (npm run build:cli)\n`);
    expect(stdout).toMatch(/^greeting: changed$/m);
    expect(cliStaleness(root)).toBeUndefined();
  });

  it('does not rebuild when a source is only touched (a checkout): the record is marked checked', () => {
    const before = readFileSync(join(root, CLI_DIR, 'bellflower.mjs'));
    const later = new Date(Date.now() + 5000);
    utimesSync(join(root, 'scripts', 'program.ts'), later, later);
    // Dated in the future (clock skew): checked once, then the record is never older than it.
    const { status, stderr } = runCommand(root);
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(statSync(join(root, CLI_DIR, CLI_RECORD)).mtimeMs).toBeGreaterThanOrEqual(statSync(join(root, 'scripts', 'program.ts')).mtimeMs);
    expect(readFileSync(join(root, CLI_DIR, 'bellflower.mjs')).equals(before)).toBe(true);
  });

  it('is stale when the lockfile changes or the record is gone', () => {
    writeFileSync(join(root, 'package-lock.json'), '{}\n');
    expect(cliStaleness(root)).toBe('package-lock.json changed');
    rmSync(join(root, CLI_DIR, CLI_RECORD));
    expect(cliStaleness(root)).toBe(`${CLI_DIR} is not built`);
  });
});

describe('the command bundle of this project', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'bellflower-cli-synth-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('synth from the bundle writes the same bytes as synthesize()', async () => {
    const { status, stderr } = runCommand(PROJECT_ROOT, ['synth', '--out', join(out, 'bundle')]);
    expect(status, stderr).toBe(0);
    const { files } = await synthesize({ outDir: join(out, 'library') });
    for (const file of files) {
      expect(readFileSync(join(out, 'bundle', file)).equals(readFileSync(join(out, 'library', file))), file).toBe(true);
    }
  });

  it('loads the commands whose dependencies read their own files (diff, local)', () => {
    for (const command of ['diff', 'local']) {
      const { status, stdout, stderr } = runCommand(PROJECT_ROOT, [command, '--help']);
      expect(status, `${command}: ${stderr}`).toBe(0);
      expect(stdout).toContain(`Usage: bellflower ${command}`);
    }
  });
});
