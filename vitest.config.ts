import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (fast, adapters faked, parallel) and `docker` (integration and end-to-end tests
 * against a real Docker Engine, one file at a time, with a teardown that fails the suite if a fault or
 * a test container is left behind).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'docker',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/docker-global-setup.ts'],
          fileParallelism: false,
          sequence: { concurrent: false },
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
