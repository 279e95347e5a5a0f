import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real redis-server for the whole run; each test file takes its own key prefix.
    globalSetup: ['test/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // 2-core machines: files in parallel but not more than the cores can carry.
    maxWorkers: 2,
  },
});
