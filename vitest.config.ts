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
    // e2e files start servers on ports of their own; files may run in parallel, tests inside in
    // order. vitest's default workers are the cores less one: on a two-core machine (CI's), one
    // file runs at a time. Two at a time took the suite from 13 minutes to 9, but five files'
    // timing (socket bursts, a saturated scoring pool, overload on start) failed with the other
    // file beside them: not yet
    fileParallelism: true,
    projects: [
      {
        extends: true,
        // one process for the unit files, their modules loaded once: a fresh process and import
        // per file cost more (about 25 s on two cores) than the tests themselves. They start no
        // server and hold no port; a file that watches a module loads it afresh (key-ring.test.ts)
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false },
      },
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
