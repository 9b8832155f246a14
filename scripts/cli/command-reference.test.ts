import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandReference, CommandReferenceError, replaceCommandReference } from './command-reference';

describe('the command reference (docs/commands.md)', () => {
  it('replaces only the marked section, and rejects a page without the markers saying what to add', () => {
    const readme = readFileSync('docs/commands.md', 'utf8');
    const replaced = replaceCommandReference(readme, commandReference([{ command: '', help: 'Usage: bellflower' }]));
    expect(replaced.startsWith(readme.slice(0, readme.indexOf('<!-- commands:start')))).toBe(true);
    expect(replaced.endsWith(readme.slice(readme.indexOf('<!-- commands:end -->')))).toBe(true);
    expect(() => replaceCommandReference('# no markers\n', 'x')).toThrow(CommandReferenceError);
    expect(() => replaceCommandReference('# no markers\n', 'x')).toThrow(/commands:start/);
  });
});
