import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each test file may start its own embedded PostgreSQL; two cores, so keep it modest.
    maxWorkers: 2,
  },
});
