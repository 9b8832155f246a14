import { describe, expect, it } from 'vitest';
import { colorEnabled, colorsFor, shortenLine, shortenLines } from './output';

describe('colour', () => {
  it('colours a terminal only, never with NO_COLOR or a dumb terminal, always with FORCE_COLOR', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({}, { CI: 'true' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorsFor({ isTTY: true }, { NO_COLOR: '1' }).red('x')).toBe('x');
    expect(colorsFor({ isTTY: true }, {}).red('x')).toBe('\u001b[31mx\u001b[39m');
  });
});

describe('long lines', () => {
  it('cuts a line over the width, saying how much was left out, and leaves short lines alone', () => {
    const policy = `    PolicyDocument: ${JSON.stringify({ Statement: Array.from({ length: 60 }, (_, i) => ({ Effect: 'Allow', Action: `s3:GetObject${i}` })) })}`;
    const cut = shortenLine(policy, 160);
    expect(policy.length).toBeGreaterThan(2_000);
    expect(cut.length).toBeLessThanOrEqual(160);
    expect(cut).toMatch(new RegExp(`^    PolicyDocument: \\{"Statement":.*… \\(\\+${(policy.length - 136).toLocaleString('en-US')} characters\\)$`));
    expect(shortenLine('short', 160)).toBe('short');
    expect(shortenLines(`a\n${'b'.repeat(500)}\nc`, 100).split('\n')).toEqual(['a', `${'b'.repeat(76)}… (+424 characters)`, 'c']);
  });
});
