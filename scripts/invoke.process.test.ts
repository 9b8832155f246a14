/**
 * `bellflower event` and `bellflower invoke` through the binary: a sample event piped into a
 * bundled handler, a handler's failure (exit code 1, the error payload), and bad input (exit code 2).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bellflower } from '../test/support/bellflower-cli';

const dir = mkdtempSync(join(tmpdir(), 'bellflower-invoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fast = { SIMULATED_WORK_MS: '0' };

describe('bellflower event | bellflower invoke', () => {
  it('runs the processing handler on the Step Functions task input: the result on stdout, the logs on stderr', async () => {
    const sample = await bellflower(['event', 'step-functions']);
    expect(sample.code).toBe(0);
    const result = await bellflower(['invoke', 'processing', '--event', '-'], fast, { stdin: sample.stdout });
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(output).toMatchObject({ ...(JSON.parse(sample.stdout) as object), status_code: 200, execution_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(result.stderr).toContain('"message":"processing finished"');
  });

  it('fails with exit code 1 when the handler fails, printing the error payload Lambda returns', async () => {
    const file = join(dir, 'failing.json');
    writeFileSync(file, JSON.stringify({ simulateFailure: true }));
    const result = await bellflower(['invoke', 'processing', '--event', file, '--env-var', 'SIMULATED_WORK_MS=0']);
    expect(JSON.parse(result.stdout)).toMatchObject({ errorType: 'SimulatedProcessingError', errorMessage: 'simulateFailure is true in the execution input' });
    expect(result.stderr).toContain('invoke: processing failed: SimulatedProcessingError: simulateFailure is true in the execution input');
    expect(result.code).toBe(1);
  });

  it('rejects an unknown function, a missing event file, an event that is not JSON and an unknown event kind with exit code 2', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"order": ');
    const [unknown, missing, notJson, kind, id] = await Promise.all([
      bellflower(['invoke', 'procesing', '--event', bad]),
      bellflower(['invoke', 'processing', '--event', join(dir, 'nope.json')]),
      bellflower(['invoke', 'processing', '--event', bad]),
      bellflower(['event', 'sns']),
      bellflower(['event', 's3', '--execution-id', 'not-a-uuid']),
    ]);
    expect(unknown.stderr).toBe('invoke: unknown function "procesing": one of processing, integration, s3Folders, s3Notification\n');
    expect(missing.stderr).toBe(`invoke: cannot read event file ${join(dir, 'nope.json')}: it does not exist (write one with \`bellflower event <kind> > event.json\`)\n`);
    expect(notJson.stderr).toMatch(new RegExp(`^invoke: event file ${bad} is not valid JSON \\(.+\\); \`bellflower event <kind>\` prints a sample\\n$`));
    expect(kind.stderr).toBe('event: unknown event kind "sns": one of sqs, s3, cfn-folders, cfn-notification, step-functions\n');
    expect(id.stderr).toMatch(/^event: --execution-id must be a UUID/);
    for (const result of [unknown, missing, notJson, kind, id]) {
      expect(result.stdout).toBe('');
      expect(result.code).toBe(2);
    }
  });
});
