import { defineConfig } from 'vitest/config';

/**
 * Two lanes. `unit`: in-process tests of the source (test/unit), no dist/, no Redis, no
 * PostgreSQL, no child process: `npm run test:unit`. `services`: everything that talks to the
 * real things (Redis, PostgreSQL, servers on ports, processes running dist/); its global setup
 * checks both stores answer and builds dist/ when any compiled input is newer than it.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // e2e files start servers on ports of their own; files run in parallel, tests inside in order
    fileParallelism: true,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'services',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**'],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
