import { describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../test/support/recording-logger';
import {
  InvalidProcessingInputError,
  processExecution,
  SimulatedProcessingError,
  type ProcessingDeps,
} from './process-execution';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function deps(overrides: Partial<Omit<ProcessingDeps, 'logger'>> = {}): ProcessingDeps & { logger: RecordingLogger } {
  return { logger: new RecordingLogger(), simulatedWorkMs: 0, ...overrides };
}

describe('processExecution', () => {
  it('returns the input plus execution_id, info and status_code', async () => {
    const output = await processExecution({ order: 42 }, deps());

    expect(output).toMatchObject({ order: 42, status_code: 200 });
    expect(output.execution_id).toMatch(UUID_V4);
    expect(output.info.length).toBeLessThanOrEqual(10);
    for (const word of output.info) expect(word).toMatch(/^[a-z]{5}$/);
  });

  it('produces between 0 and 10 words', async () => {
    const lengths = await Promise.all(
      [0, 10].map(async (count) => {
        const output = await processExecution({}, deps({ randomInt: (max) => (max === 11 ? count : 0) }));
        return output.info;
      }),
    );
    expect(lengths).toEqual([[], Array(10).fill('aaaaa')]);
  });

  it('waits the simulated work time and logs with the execution id as key', async () => {
    const waited: number[] = [];
    const d = deps({ simulatedWorkMs: 1234, sleep: async (ms) => waited.push(ms), newId: () => 'id-1' });

    await processExecution({}, d);

    expect(waited).toEqual([1234]);
    expect(d.logger.lines[0]).toMatchObject({ message: 'processing started', execution_id: 'id-1' });
  });

  it('fails with SimulatedProcessingError when simulateFailure is true', async () => {
    await expect(processExecution({ simulateFailure: true }, deps())).rejects.toThrow(SimulatedProcessingError);
    await expect(processExecution({ simulateFailure: true }, deps())).rejects.toMatchObject({
      name: 'SimulatedProcessingError',
    });
  });

  it('rejects an input that is not a JSON object', async () => {
    for (const input of [null, [1], 'text', 3]) {
      await expect(processExecution(input, deps())).rejects.toThrow(InvalidProcessingInputError);
    }
  });
});
