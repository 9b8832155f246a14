import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allHelpTexts, commandReference } from './command-reference';
import { COMMANDS } from './commands';

describe('the command reference (docs/commands.md)', () => {
  it('is what the binary and every command print for --help', async () => {
    const helps = await allHelpTexts();
    expect(helps.map((help) => help.command)).toEqual(['', ...COMMANDS.map((entry) => entry.name)]);
    const readme = readFileSync('docs/commands.md', 'utf8');
    // On failure: run `bellflower docs` (npm run docs) and commit docs/commands.md.
    expect(readme).toContain(commandReference(helps));
    // The same on every machine: no default names the checkout's own folder.
    expect(commandReference(helps)).not.toContain(process.cwd());
  });
});
