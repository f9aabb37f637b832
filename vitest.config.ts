import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'examples/**/*.test.ts'],
    // Chaos tests restart the PostgreSQL server, which would break every other test using it at the
    // time: they run alone, after this suite, under vitest.chaos.config.ts (`npm test` runs both).
    exclude: [...configDefaults.exclude, '**/*.chaos.test.ts'],
    // Probes the test PostgreSQL server once per run; see src/testing/postgres-env.ts.
    globalSetup: ['src/testing/postgres-global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The machine has 2 cores; tests spawn worker processes of their own.
    maxWorkers: 2,
  },
});
