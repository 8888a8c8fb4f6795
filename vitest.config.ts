import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // two test files at a time (vitest's default is the cores less one: one, on a 2-core machine); the suites that
    // measure latency bound it generously, and the soak test still runs alone at the end
    maxWorkers: 2,
    // the soak test measures latency: it runs after everything else, alone on the machine
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ['test/soak.test.ts'], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'soak', include: ['test/soak.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
