import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{templates,handlers,asl,scripts,test}/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    // Tests that start moto_server or run the bundled handlers need more than the default 5 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Much of the suite waits on emulators (moto_server, s3rver) and child processes. vitest's
    // default, one worker per core less one, is a single worker on the 2-core machines; one more
    // worker than cores keeps the cores busy while a file waits.
    maxWorkers: availableParallelism() + 1,
    globalSetup: ['test/support/warm-build-cache.ts'],
  },
});
