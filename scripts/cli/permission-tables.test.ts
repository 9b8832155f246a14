import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DocsError, iamSection, renderReadme } from './permission-tables';

describe('the generated permission tables (docs/permissions.md)', () => {
  it('docs/permissions.md holds the current IAM contract table and business application policy', () => {
    const readme = readFileSync('docs/permissions.md', 'utf8');
    expect(readme).toContain(iamSection());
    expect(renderReadme(readme)).toBe(readme);
  });

  it('replaces only the marked section', () => {
    const readme = readFileSync('docs/permissions.md', 'utf8');
    const stale = readme.replace('| principal | call |', '| principal | old call |');
    expect(stale).not.toBe(readme);
    expect(renderReadme(stale)).toBe(readme);
  });

  it('rejects a page without the markers, saying what to add', () => {
    expect(() => renderReadme('# no markers\n')).toThrow(DocsError);
    expect(() => renderReadme('# no markers\n')).toThrow(/iam-contract:start/);
  });
});
