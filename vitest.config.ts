import { defineConfig } from 'vitest/config';

// Integration tests share one Postgres server and one Redis server; each test file gets
// its own database (cloned from a migrated template) and its own Redis key prefix, so
// files can run in parallel without seeing each other.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
