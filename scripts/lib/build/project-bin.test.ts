import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeLink, linkProjectBins } from './project-bin';

const dir = mkdtempSync(join(tmpdir(), 'bellflower-project-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A project whose package.json names `bin/tool.mjs` as its `tool` binary. */
function project(name: string): string {
  const root = join(dir, name);
  mkdirSync(join(root, 'bin'), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'tool', bin: { tool: 'bin/tool.mjs' } }));
  writeFileSync(join(root, 'bin', 'tool.mjs'), '#!/usr/bin/env node\nconsole.log(`tool ${process.argv.slice(2).join(" ")}`);\n');
  chmodSync(join(root, 'bin', 'tool.mjs'), 0o755);
  return root;
}

describe('the project\'s own binary in node_modules/.bin', () => {
  it('links it relative to the project, so that `tool` runs from the PATH, and says so once', () => {
    const root = project('fresh');

    const [link] = linkProjectBins(root);

    expect(link).toEqual({ name: 'tool', path: join(root, 'node_modules', '.bin', 'tool'), status: 'linked' });
    expect(readlinkSync(link!.path)).toBe(join('..', '..', 'bin', 'tool.mjs'));
    expect(describeLink(link!)).toBe('node_modules/.bin/tool: linked (bellflower … with node_modules/.bin on the PATH, or npx bellflower …)');
    const ran = spawnSync('tool', ['--version'], { env: { PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}` }, encoding: 'utf8' });
    expect(ran.stdout).toBe('tool --version\n');
    // Again (every npm ci, every npm run build:cli): nothing to do, nothing printed.
    expect(linkProjectBins(root)).toEqual([{ ...link, status: 'present' }]);
    expect(describeLink({ ...link!, status: 'present' })).toBeUndefined();
  });

  it('leaves a binary of the same name that another package linked', () => {
    const root = project('taken');
    mkdirSync(join(root, 'node_modules', '.bin'), { recursive: true });
    symlinkSync('../other/cli.js', join(root, 'node_modules', '.bin', 'tool'));

    const [link] = linkProjectBins(root);

    expect(link!.status).toBe('taken');
    expect(readlinkSync(link!.path)).toBe('../other/cli.js');
    expect(describeLink(link!)).toBe("node_modules/.bin/tool: another package's tool is there, left alone (run node bin/tool.mjs)");
  });

  it('fails softly where the file system refuses the link, so that npm ci still succeeds', () => {
    const root = project('refused');
    const refuse = () => {
      throw Object.assign(new Error("EPERM: operation not permitted, symlink '../../bin/tool.mjs'"), { code: 'EPERM' });
    };

    const [link] = linkProjectBins(root, refuse);

    expect(link!.status).toBe('failed');
    expect(describeLink(link!)).toBe("node_modules/.bin/tool: not linked (EPERM: operation not permitted, symlink '../../bin/tool.mjs'); run node bin/tool.mjs");
  });
});
