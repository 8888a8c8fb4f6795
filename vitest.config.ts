import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // two test files at a time (vitest's default is the cores less one: one, on a 2-core machine); the suites that
    // measure latency bound it generously
    maxWorkers: 2,
    // Then, one at a time on the machine: the distributed suite (a three-node NATS cluster and up to six
    // greenwave processes, whose failover is timed), the server's hardening suite (whose flood test bounds
    // /health's worst latency: beside another busy test file on a 2-core CI machine it once took 1,013 ms)
    // and last the soak test, which measures latency.
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ['test/soak.test.ts', 'test/distributed.test.ts', 'test/server-hardening.test.ts'], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'cluster', include: ['test/distributed.test.ts'], sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'hardening', include: ['test/server-hardening.test.ts'], sequence: { groupOrder: 2 } } },
      { extends: true, test: { name: 'soak', include: ['test/soak.test.ts'], sequence: { groupOrder: 3 } } },
    ],
  },
});
