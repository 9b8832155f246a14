/**
 * docs/capabilities.md, the CDK and SAM comparison, stays true to the code: every `bellflower
 * <command>` it names is a command of the binary, every flag it names after one is in that
 * command's --help, and every test file it cites exists and runs that command through the binary.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../scripts/cli/commands';
import { PROJECT_ROOT } from '../scripts/lib/core/paths';

const page = readFileSync(join(PROJECT_ROOT, 'docs/capabilities.md'), 'utf8');
const rows = page.split('\n').filter((line) => /^\| \d+ \|/.test(line));
const names = new Set<string>(COMMANDS.map((command) => command.name));

/** The Bellflower column's `bellflower <command>` mentions, and the test files of the last column. */
function parse(row: string): { readonly commands: string[]; readonly tests: string[]; readonly answer: string } {
  const cells = row.split('|').map((cell) => cell.trim());
  const bellflower = cells[5] ?? '';
  return {
    answer: bellflower.split(':')[0]!,
    commands: [...bellflower.matchAll(/`bellflower ([a-z-]+)/g)].map((match) => match[1]!),
    tests: [...(cells[6] ?? '').matchAll(/`([^`]+\.test\.ts)`/g)].map((match) => match[1]!),
  };
}

describe('docs/capabilities.md', () => {
  it('has one row per capability, each answered yes, partial or no, and a test for every yes', () => {
    expect(rows.length).toBeGreaterThan(30);
    for (const row of rows) {
      const { answer, tests } = parse(row);
      expect(['yes', 'partial', 'no'], row).toContain(answer);
      if (answer === 'yes') expect(tests.length, row).toBeGreaterThan(0);
    }
  });

  it('names only commands the binary has, and test files that exist', () => {
    for (const row of rows) {
      const { commands, tests } = parse(row);
      for (const command of commands) expect(names, `${command} in: ${row}`).toContain(command);
      for (const test of tests) expect(existsSync(join(PROJECT_ROOT, test)), `${test} in: ${row}`).toBe(true);
    }
  });

  it('cites, for each command it names, at least one test file that runs that command', () => {
    for (const row of rows) {
      const { commands, tests } = parse(row);
      const sources = tests.map((test) => readFileSync(join(PROJECT_ROOT, test), 'utf8'));
      for (const command of commands) {
        // Through the binary (`bellflower(['deploy', ...])`, a command list holding `'deploy'`) or its npm script.
        expect(sources.some((source) => source.includes(`'${command}'`) || source.includes(`.scripts.${command}`)), `${command} in: ${row}`).toBe(true);
      }
    }
  });
});
