import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Three tiers, chosen by file name:
 * - `unit`: everything else; no moto, no emulator, no browser, no child process (`npm run test:unit`).
 * - `integration`: `*.moto.test.ts` (a moto_server per file) and `*.process.test.ts` (runs the
 *   `bellflower` binary, a script or cfn-lint as a child process).
 * - `e2e`: `*.e2e.test.ts` (the local engine end to end), the README flow and `bellflower load` on
 *   the emulator (`test/emulator-lifecycle.moto.test.ts`, `test/load.moto.test.ts`) and
 *   `*.browser.test.ts` (headless Chromium). It runs after the other tiers, one file at a time:
 *   each emulator run keeps both cores busy, and two at once (or beside the other tiers) made the
 *   callback timeouts of the README flow fire on this 2-core machine.
 * `npm test` runs all three.
 */
const ROOTS = '{templates,handlers,asl,scripts,test}';
const INTEGRATION = [`${ROOTS}/**/*.moto.test.ts`, `${ROOTS}/**/*.process.test.ts`];
const E2E = [`${ROOTS}/**/*.e2e.test.ts`, `${ROOTS}/**/*.browser.test.ts`, 'test/emulator-lifecycle.moto.test.ts', 'test/load.moto.test.ts'];
const EXCLUDE = ['node_modules/**', 'dist/**'];

export default defineConfig({
  test: {
    // Tests that start moto_server or run the bundled handlers need more than the default 5 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Much of the suite waits on emulators (moto_server, s3rver) and child processes. vitest's
    // default, one worker per core less one, is a single worker on the 2-core machines; one more
    // worker than cores keeps the cores busy while a file waits.
    maxWorkers: availableParallelism() + 1,
    // Test files share workers (`isolate: false`): every stub, spy, environment variable and timer a
    // test changes is put back (here and in test/support/restore-globals.ts), and each file restores
    // its aws-sdk-client-mock stubs.
    isolate: false,
    restoreMocks: true,
    unstubEnvs: true,
    unstubGlobals: true,
    setupFiles: ['test/support/restore-globals.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: [`${ROOTS}/**/*.test.ts`], exclude: [...EXCLUDE, ...INTEGRATION, ...E2E] },
      },
      {
        extends: true,
        test: { name: 'integration', include: INTEGRATION, exclude: [...EXCLUDE, ...E2E], globalSetup: ['test/support/warm-build-cache.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: E2E,
          exclude: EXCLUDE,
          globalSetup: ['test/support/warm-build-cache.ts'],
          sequence: { groupOrder: 1 },
          fileParallelism: false,
        },
      },
    ],
  },
});
