import { describe, expect, it } from 'vitest';
import { cfnLintFindings, parseCfnLintOutput } from './cfn-lint';
import { CheckerError } from './findings';

const match = {
  Filename: 'cft/root.yaml',
  Level: 'Error',
  Location: { Start: { LineNumber: 5, ColumnNumber: 7 } },
  Message: "Additional properties are not allowed ('Bogus' was unexpected)",
  Rule: { Id: 'E3002' },
};

describe('cfn-lint findings', () => {
  it('reads the JSON output: level, rule, file and line, message', () => {
    const findings = parseCfnLintOutput({ status: 10, stdout: JSON.stringify([match, { ...match, Level: 'Informational', Rule: { Id: 'I3011' } }]), stderr: '' });
    expect(findings).toEqual([
      { source: 'cfn-lint', level: 'error', rule: 'E3002', location: 'cft/root.yaml:5', message: match.Message },
      { source: 'cfn-lint', level: 'info', rule: 'I3011', location: 'cft/root.yaml:5', message: match.Message },
    ]);
  });

  it('fails when cfn-lint is missing, naming how to install it (never a silent pass)', async () => {
    const missing = () => Promise.reject(Object.assign(new Error('spawn cfn-lint ENOENT'), { code: 'ENOENT' }));
    await expect(cfnLintFindings('/tmp', ['a.yaml'], missing)).rejects.toThrow(/cfn-lint is not installed.*pipx install cfn-lint/);
  });

  it('fails when cfn-lint itself fails (exit code 1, or no JSON)', () => {
    expect(() => parseCfnLintOutput({ status: 1, stdout: '[]', stderr: 'Traceback: boom' })).toThrow(CheckerError);
    expect(() => parseCfnLintOutput({ status: 2, stdout: 'not json', stderr: '' })).toThrow(/cfn-lint printed no JSON/);
  });
});
