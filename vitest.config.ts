import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real redis-server for the whole run; each test file takes its own key prefix.
    globalSetup: ['test/globalSetup.ts'],
    // Generous: they only bound a failure, and the suite must pass with more workers than cores
    // (issue 9: 5 runs in a row with --maxWorkers=8 on 2 cores), where everything runs ~4x slower.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2-core machines: files in parallel but not more than the cores can carry.
    maxWorkers: 2,
  },
});
