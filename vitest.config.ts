import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // e2e files start servers on ports of their own; files run in parallel, tests inside in order
    fileParallelism: true,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
