/**
 * vitest setup file (every test file): puts back what a test may change in the worker it shares
 * with other test files (`isolate: false`), after each test and once more after the file, so that
 * the next file starts from the same process state: spies, stubbed environment variables and
 * globals, fake timers, the working directory and `process.exitCode`.
 */
import { afterAll, afterEach, vi } from 'vitest';

const cwd = process.cwd();
const exitCode = process.exitCode;
const env = process.env;

function restore(): void {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.useRealTimers();
  if (process.cwd() !== cwd) process.chdir(cwd);
  process.exitCode = exitCode;
}

afterEach(restore);

afterAll(() => {
  restore();
  if (process.env !== env) throw new Error('a test replaced process.env instead of stubbing it (vi.stubEnv)');
});
