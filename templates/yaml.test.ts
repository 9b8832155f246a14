import { describe, expect, it } from 'vitest';
import { buildTemplates } from './index';
import { TEMPLATE_PATHS, type TemplateName } from './layout';
import { parseYaml, toYaml } from './yaml';

const templates = buildTemplates();
const names = Object.keys(TEMPLATE_PATHS) as TemplateName[];
const fileName = (name: TemplateName) => TEMPLATE_PATHS[name].split('/').pop()!;

describe('template YAML', () => {
  it.each(names)('%s matches its snapshot', async (name) => {
    await expect(toYaml(templates[name])).toMatchFileSnapshot(`__snapshots__/${fileName(name)}`);
  });

  it.each(names)('%s parses back to the builder objects', (name) => {
    expect(parseYaml(toYaml(templates[name]))).toEqual(templates[name]);
  });

  it('writes short-form intrinsics, the dotted GetAtt and long form where YAML cannot nest tags', () => {
    const text = toYaml({
      a: { Ref: 'X' },
      b: { 'Fn::GetAtt': ['Stack', 'Outputs.Arn'] },
      c: { 'Fn::ImportValue': { 'Fn::Sub': '${S}-Export' } },
      d: { 'Fn::Join': [',', { Ref: 'List' }] },
      e: { 'Fn::Sub': ['${A}-x', { A: { Ref: 'Var' } }] },
    });
    expect(text).toBe(
      [
        'a: !Ref X',
        'b: !GetAtt Stack.Outputs.Arn',
        'c:',
        '  Fn::ImportValue: !Sub ${S}-Export',
        'd: !Join',
        '  - ","',
        '  - !Ref List',
        'e: !Sub',
        '  - ${A}-x',
        '  - A: !Ref Var',
        '',
      ].join('\n'),
    );
  });

  it('quotes YAML 1.1 booleans and dates, never folds long lines, never writes aliases', () => {
    const shared = { Key: 'same' };
    const long = 'word '.repeat(40).trim();
    const text = toYaml({ date: '2010-09-09', agree: 'yes', flag: 'on', long, one: shared, two: shared });
    expect(text).toContain('date: "2010-09-09"');
    expect(text).toContain('agree: "yes"');
    expect(text).toContain('flag: "on"');
    expect(text).toContain(`long: ${long}\n`);
    expect(text).not.toMatch(/[&*]a\d/);
    expect(parseYaml(text)).toEqual({ date: '2010-09-09', agree: 'yes', flag: 'on', long, one: shared, two: shared });
  });

  it('rejects YAML with an unknown tag', () => {
    expect(() => parseYaml('a: !Bogus x\n')).toThrow(/invalid CloudFormation YAML/);
  });
});
