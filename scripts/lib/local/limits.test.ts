import { describe, expect, it } from 'vitest';
import { checkExecutionInput, ExecutionInputError, PAYLOAD_LIMIT_BYTES } from './limits';

describe('execution input of the local run', () => {
  it('accepts a JSON object', () => {
    expect(checkExecutionInput('--input', { order: 1 })).toEqual({ order: 1 });
  });

  it.each([
    [[1, 2], 'an array'],
    ['text', 'a string'],
    [null, 'null'],
    [42, 'a number'],
  ])('rejects %j, naming the flag and what it got', (value, kind) => {
    expect(() => checkExecutionInput('--input', value)).toThrow(new ExecutionInputError(`--input must be a JSON object (the workflow adds execution_id and info to it), got ${kind}`));
  });

  it('rejects an input over Step Functions\' 256 KiB, as StartExecution does', () => {
    expect(() => checkExecutionInput('--input-file', { blob: 'x'.repeat(PAYLOAD_LIMIT_BYTES) })).toThrow(/--input-file is 2621\d\d bytes; Step Functions accepts an execution input of at most 262144 bytes/);
  });
});
