import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/failed-reports.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each test file may start its own embedded PostgreSQL; two cores, so keep it modest.
    maxWorkers: 2,
    // Nothing may depend on the machine's time zone; this one is ahead of UTC, so a shift would show.
    env: { TZ: 'Asia/Tokyo' },
  },
});
