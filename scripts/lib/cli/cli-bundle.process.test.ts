import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '../build/synth';
import { CLI_DIR, CLI_RECORD, PROJECT_ROOT, buildCli, cliCommands, cliStaleness, readCliRecord, stubSource } from './cli-bundle';

/** Runs `node dist/cli/<command>.mjs` in `root`. */
function runCommand(root: string, command: string, args: readonly string[] = []): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(root, CLI_DIR, `${command}.mjs`), ...args], { cwd: root, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A small project beside the real one: the builder and launcher (copied), two commands, and the
 * real node_modules (linked).
 */
describe('the prebuilt commands of a small project', () => {
  let root: string;
  const hello = (greeting: string): string =>
    [
      `import { stringify } from 'yaml';`,
      `import { here } from './lib/where';`,
      `const text = 'import.meta.url stays text in a string';`,
      `console.log(stringify({ greeting: ${JSON.stringify(greeting)}, here, config: new URL('../config', import.meta.url).pathname, text, args: process.argv.slice(2) }));`,
      '',
    ].join('\n');

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'bellflower-cli-'));
    for (const file of ['tsconfig.json', 'package-lock.json', 'scripts/lib/cli/cli-bundle.ts', 'scripts/lib/cli/cli-launcher.ts', 'scripts/lib/build/build-cache.ts', 'templates/layout.ts']) {
      cpSync(join(PROJECT_ROOT, file), join(root, file));
    }
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'small', version: '9.9.9', type: 'module' }));
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    writeFileSync(join(root, 'scripts', 'lib', 'where.ts'), `import { fileURLToPath } from 'node:url';\nexport const here = fileURLToPath(import.meta.url);\n`);
    writeFileSync(join(root, 'scripts', 'hello.ts'), hello('hello'));
    writeFileSync(join(root, 'scripts', 'hello.test.ts'), '');
    writeFileSync(join(root, 'scripts', 'build-cli.ts'), '');
    await buildCli(root);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('bundles every scripts/<command>.ts, tests and the builder excepted, behind a two-line stub', () => {
    expect(cliCommands(root)).toEqual(['hello']);
    expect(readFileSync(join(root, CLI_DIR, 'hello.mjs'), 'utf8')).toBe(stubSource('hello'));
    expect(existsSync(join(root, CLI_DIR, 'hello.bundle.mjs'))).toBe(true);
    expect(readCliRecord(root)?.commands).toEqual(['hello']);
    expect(Object.keys(readCliRecord(root)?.inputs ?? {})).toEqual(
      expect.arrayContaining(['package-lock.json', 'scripts/hello.ts', 'scripts/lib/where.ts', 'scripts/lib/cli/cli-launcher.ts']),
    );
    expect(cliStaleness(root)).toBeUndefined();
  });

  it('runs a command with its arguments; import.meta.url still names the source file', () => {
    const { status, stdout, stderr } = runCommand(root, 'hello', ['a', '--b']);
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

  it('answers a lone --version from package.json', () => {
    expect(runCommand(root, 'hello', ['--version'])).toEqual({ status: 0, stdout: '9.9.9\n', stderr: '' });
  });

  it('rebuilds when a source changed, by content: the edit runs at once', () => {
    writeFileSync(join(root, 'scripts', 'hello.ts'), hello('changed'));
    expect(cliStaleness(root)).toBe('scripts/hello.ts changed');
    const { status, stdout, stderr } = runCommand(root, 'hello');
    expect(status).toBe(0);
    expect(stderr).toBe(`scripts/hello.ts changed: rebuilding ${CLI_DIR} (npm run build:cli)\n`);
    expect(stdout).toMatch(/^greeting: changed$/m);
    expect(cliStaleness(root)).toBeUndefined();
    // The same content written again is no change.
    writeFileSync(join(root, 'scripts', 'hello.ts'), hello('changed'));
    expect(cliStaleness(root)).toBeUndefined();
  });

  it('is stale when a command is added, the lockfile changes or the record is gone', () => {
    writeFileSync(join(root, 'scripts', 'other.ts'), 'console.log(1);\n');
    expect(cliStaleness(root)).toBe('the commands changed');
    rmSync(join(root, 'scripts', 'other.ts'));
    writeFileSync(join(root, 'package-lock.json'), '{}\n');
    expect(cliStaleness(root)).toBe('package-lock.json changed');
    rmSync(join(root, CLI_DIR, CLI_RECORD));
    expect(cliStaleness(root)).toBe(`${CLI_DIR} is not built`);
  });
});

describe('the prebuilt commands of this project', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'bellflower-cli-synth-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('synth from the bundle writes the same bytes as synthesize()', async () => {
    const { status, stderr } = runCommand(PROJECT_ROOT, 'synth', ['--out', join(out, 'bundle')]);
    expect(status, stderr).toBe(0);
    const { files } = await synthesize({ outDir: join(out, 'library') });
    for (const file of files) {
      expect(readFileSync(join(out, 'bundle', file)).equals(readFileSync(join(out, 'library', file))), file).toBe(true);
    }
  });

  it('loads the commands whose dependencies read their own files (diff, local)', () => {
    for (const command of ['diff', 'local']) {
      const { status, stdout, stderr } = runCommand(PROJECT_ROOT, command, ['--help']);
      expect(status, `${command}: ${stderr}`).toBe(0);
      expect(stdout).toContain(`Usage: ${command}`);
    }
  });
});
