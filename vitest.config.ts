import { defineConfig } from 'vitest/config';

/**
 * The main projects: `unit` (fast, adapters faked, parallel); `docker` (integration, end-to-end and
 * crash-safety tests against a real Docker Engine, one file at a time, with a teardown that fails the
 * suite if a fault or a test container is left behind); `kernel` (traffic control proven on a real
 * kernel that has netem, and stress faults on a cgroup v2 Docker Engine, both in user-mode Linux).
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
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/safety/**/*.test.ts'],
          globalSetup: ['test/support/docker-global-setup.ts'],
          fileParallelism: false,
          sequence: { concurrent: false },
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The JSON Schema in a real editor server (yaml-language-server over LSP); no Docker.
        test: {
          name: 'editor',
          include: ['test/editor/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        // The HTML report opened in Debian's Chromium, driven by playwright-core (no browser download).
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // A real kernel with netem and cgroup v2 (user-mode Linux), for what this host's kernel cannot do.
        test: {
          name: 'kernel',
          include: ['test/kernel/**/*.test.ts'],
          fileParallelism: false,
          sequence: { concurrent: false },
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
