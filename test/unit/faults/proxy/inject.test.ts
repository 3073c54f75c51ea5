import { describe, expect, it } from 'vitest';
import type { InjectContext } from '../../../../src/faults/driver.js';
import { type ProxyPlan, proxyFamily } from '../../../../src/faults/proxy/family.js';
import { NetworkContext } from '../../../../src/network/network-fault.js';
import type { Platform } from '../../../../src/platform/platform.js';
import type { Target } from '../../../../src/targets/target.js';
import { FakeNetnsRunner, ok } from '../../support/fakes.js';

const target: Target = { id: 'a1b2c3d4e5f6', name: 'shop-api-1', service: 'api' };
const plan: ProxyPlan = {
  type: 'proxy',
  kind: 'tcp-timeout',
  faultId: 'tcp-timeout-1',
  config: {
    runId: '3f9a1c7e',
    listeners: [],
    upstreamSourcePorts: { from: 30000, to: 32767 },
    drainMs: 2000,
    seed: 1,
  },
  sets: [],
};

describe('injecting a proxy fault', () => {
  it('refuses the exec way before announcing or running anything', async () => {
    const via = 'exec';
    const runner = new FakeNetnsRunner(() => ok());
    Object.defineProperty(runner, 'via', { value: via });
    const ctx: InjectContext = { platform: {} as Platform, network: () => new NetworkContext(runner) };
    const announced: unknown[] = [];
    const refused = await proxyFamily
      .inject(plan, target, 'tcp-timeout-1', ctx, (recipe) => announced.push(recipe))
      .catch((error: { code?: string; message: string; hint?: string }) => error);
    expect(refused).toMatchObject({ code: 'NETNS_UNAVAILABLE' });
    expect((refused as Error).message).toContain(`which the ${via} way cannot do (nothing was injected)`);
    expect((refused as { hint: string }).hint).toBe(
      'Use --via helper (any Docker Engine), or run faultline as root on the Docker host with --via nsenter.',
    );
    expect(announced).toEqual([]);
    expect(runner.calls).toEqual([]);
  });
});
