import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ExecutionInputError, parseExecutionInput, readExecutionInput } from './input';
import { dataLimitExceeded, executionInputTooLarge, payloadBytes, PAYLOAD_LIMIT_BYTES } from './limits';

describe('execution input of the local run', () => {
  it('accepts a JSON object', () => {
    expect(parseExecutionInput('{"order": 1}', '--input')).toEqual({ order: 1 });
  });

  it.each([
    ['[1,2]', 'an array'],
    ['"text"', 'a string'],
    ['null', 'null'],
    ['42', 'a number'],
  ])('rejects %s, naming the flag and what it got', (text, kind) => {
    expect(() => parseExecutionInput(text, '--input')).toThrow(new ExecutionInputError(`--input must be a JSON object such as {"order": 42}, got ${kind}`));
  });

  it('rejects text that is not JSON, quoting its start', () => {
    expect(() => parseExecutionInput('{order: 1}', '--input')).toThrow(/^--input is not valid JSON \(.+\): "\{order: 1\}"$/);
  });

  it('reads standard input for --input - and refuses both flags at once', async () => {
    await expect(readExecutionInput({ input: '-' }, Readable.from(['{"a":', '1}']))).resolves.toEqual({ a: 1 });
    await expect(readExecutionInput({ input: '{}', inputFile: 'x.json' })).rejects.toThrow('give the input once: --input or --input-file, not both');
    await expect(readExecutionInput({})).resolves.toEqual({});
  });
});

describe("AWS's 256 KiB payload quota", () => {
  it('counts UTF-8 bytes of the JSON text', () => {
    expect(payloadBytes({ a: 'é' })).toBe(Buffer.byteLength('{"a":"é"}'));
    expect(payloadBytes('é')).toBe(2);
  });

  it('answers StartExecution as AWS does for an input over the quota', () => {
    const error = executionInputTooLarge(PAYLOAD_LIMIT_BYTES + 1);
    expect(error.name).toBe('InvalidExecutionInput');
    expect(error.message).toContain('262,145 bytes; Step Functions accepts at most 262,144 bytes (256 KiB)');
  });

  it('names the state in States.DataLimitExceeded', () => {
    expect(dataLimitExceeded('Process', 'result', 300_000)).toEqual({
      error: 'States.DataLimitExceeded',
      cause: expect.stringContaining("the state/task 'Process' returned a result"),
    });
  });
});
