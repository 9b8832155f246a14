import { describe, expect, it } from 'vitest';
import { doctorLines, nodeCheck } from './doctor';

describe('doctor', () => {
  it('fails a Node.js older than package.json engines, warns on 20 (the SDK notice), passes 22', () => {
    expect(nodeCheck('v20.18.0')).toMatchObject({ status: 'fail', detail: 'Node.js 20.18.0 is older than 20.19 (package.json engines)', fix: 'install Node.js 22 or later' });
    expect(nodeCheck('v18.20.0').status).toBe('fail');
    expect(nodeCheck('v20.19.1')).toMatchObject({ status: 'warn', detail: 'Node.js 20.19.1: AWS SDK releases from January 2027 need Node.js 22 or later' });
    expect(nodeCheck('v22.12.0')).toEqual({ name: 'node', status: 'ok', detail: 'Node.js 22.12.0' });
  });

  it('prints one line per check with its fix, and a summary that counts the failures', () => {
    expect(
      doctorLines([
        { name: 'node', status: 'ok', detail: 'Node.js 22.12.0' },
        { name: 'credentials', status: 'fail', detail: 'no AWS credentials', fix: 'run `aws configure`' },
      ]),
    ).toEqual(['ok   node         Node.js 22.12.0', 'fail credentials  no AWS credentials -> run `aws configure`', 'doctor: 1 check failed']);
  });
});
