/**
 * The chaos tests (`*.chaos.test.ts`): they SIGKILL workers and restart the PostgreSQL server, so they
 * run one file at a time, after the main suite (`npm test`), with nothing else using the server.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.chaos.test.ts'],
    globalSetup: ['src/testing/postgres-global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
