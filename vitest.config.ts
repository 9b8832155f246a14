import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{templates,handlers,asl,scripts,test}/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    // Tests that start moto_server or run the bundled handlers need more than the default 5 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
