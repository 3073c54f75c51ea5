import { randomBytes } from 'node:crypto';
import { docker, FIXTURE_IMAGE, TEST_LABEL } from './docker-cli.js';

export interface TestContainer {
  name: string;
  id: string;
}

/** A unique prefix per test file, so files never touch each other's containers. */
export function uniquePrefix(tag: string): string {
  return `fl-test-${tag}-${randomBytes(3).toString('hex')}`;
}

/**
 * Starts fixture containers (the small backend HTTP server) labelled as test containers, with extra
 * labels such as compose project/service. Removed by `removeTestContainers(prefix)`.
 */
export async function startContainers(
  prefix: string,
  specs: {
    name: string;
    labels?: Record<string, string>;
    command?: string[];
    publish?: string;
    env?: Record<string, string>;
  }[],
): Promise<TestContainer[]> {
  return Promise.all(
    specs.map(async (spec) => {
      const name = `${prefix}-${spec.name}`;
      const args = ['run', '-d', '--name', name, '--label', `${TEST_LABEL}=${prefix}`, '--stop-timeout', '2'];
      for (const [key, value] of Object.entries(spec.labels ?? {})) args.push('--label', `${key}=${value}`);
      for (const [key, value] of Object.entries(spec.env ?? {})) args.push('--env', `${key}=${value}`);
      if (spec.publish) args.push('--publish', spec.publish);
      args.push(FIXTURE_IMAGE, ...(spec.command ?? ['/app/backend.mjs']));
      const id = await docker(...args);
      return { name, id };
    }),
  );
}

export async function removeTestContainers(prefix: string): Promise<void> {
  const ids = await docker('ps', '-aq', '--filter', `label=${TEST_LABEL}=${prefix}`);
  if (ids) await docker('rm', '-f', '-v', ...ids.split('\n'));
}

/** Waits until `check` resolves true, or fails after `timeoutMs` with `what` in the message. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
  return response.ok;
}
