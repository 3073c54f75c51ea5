import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import { FAULTLINE_RUN_ID, FAULTLINE_TARGET_ID } from '../../../src/docker/labels.js';
import type { PlannedInjection } from '../../../src/engine/plan.js';
import { HelperRunner, type NetnsRunner, NsenterRunner } from '../../../src/network/netns-runner.js';
import { NetworkContext } from '../../../src/network/network-fault.js';
import { buildHelperImage, DEFAULT_HELPER_IMAGE } from '../../../src/platform/docker/helper-image/index.js';
import { uniquePrefix } from '../../support/containers.js';
import { docker } from '../../support/docker-cli.js';
import {
  bitsPerSecond,
  faultlineRules,
  helperContainers,
  injectAll,
  NetworkLab,
  netnsState,
  planInjections,
  probe,
  tcp,
} from '../../support/network.js';

/**
 * Network faults whose target goes away underneath them (restarted into a new namespace, removed),
 * and the same faults injected through the helper container instead of nsenter.
 */
const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('net-lifecycle'));

const ip = (service: string) => lab.get(service).ip;
const name = (service: string) => lab.get(service).name;

/** Mbit/s of a 1 MB upload from one container to another. */
async function uploadRate(from: string, to: string): Promise<number> {
  const [result] = await probe(name(from), [{ op: 'upload', host: ip(to), bytes: 1_000_000 }]);
  expect(result).toMatchObject({ outcome: 'done', bytes: 1_000_000 });
  return bitsPerSecond(result!) / 1e6;
}

beforeAll(async () => {
  await buildHelperImage({ image: DEFAULT_HELPER_IMAGE });
  await lab.start([{ service: 'a' }, { service: 'b' }]);
});

afterAll(async () => {
  await lab.remove();
});

describe('a target that goes away mid-fault', () => {
  it('restarted under a bandwidth fault: revert reports target-gone, and the new namespace is clean', async () => {
    const context = new NetworkContext(new NsenterRunner(client));
    const [fault] = await injectAll(
      context,
      await planInjections(
        client,
        lab.experiment(
          '  - bandwidth: { target: { service: a }, to: { service: b }, rate: 4mbit, direction: both }',
        ),
        'life0001',
      ),
    );
    expect(await uploadRate('a', 'b')).toBeLessThan(5);
    await lab.restart('a');

    const outcome = await fault!.revert();
    expect(outcome).toEqual({
      status: 'target-gone',
      detail: 'its qdiscs were already gone (the container stopped or restarted)',
    });
    // Idempotent: the same outcome again, nothing run twice.
    expect(await fault!.revert()).toEqual(outcome);
    await context.dispose();

    expect(await uploadRate('a', 'b')).toBeGreaterThan(40);
    const state = await netnsState(name('a'));
    expect(state.links).toBe('lo eth0');
    expect(state['tc qdisc eth0']).toMatch(/^qdisc noqueue 0: root/);
    expect(state['tc filter eth0 ingress']).toBe('');
  });

  for (const kind of ['blackhole', 'bandwidth'] as const) {
    it(`removed under a ${kind} fault: revert reports target-gone and does not throw`, async () => {
      const doomed = await lab.add({ service: `doomed-${kind}` });
      const context = new NetworkContext(new NsenterRunner(client));
      const step =
        kind === 'blackhole'
          ? `  - blackhole: { target: { service: ${doomed.service} }, to: { service: b } }`
          : `  - bandwidth: { target: { service: ${doomed.service} }, to: { service: b }, rate: 4mbit, direction: both }`;
      const [fault] = await injectAll(
        context,
        await planInjections(client, lab.experiment(step), 'life0002'),
      );
      if (kind === 'blackhole') expect(await tcp(doomed.name, ip('b'))).toBe('timeout');
      await docker('rm', '-f', doomed.name);

      const outcome = await fault!.revert();
      expect(outcome.status).toBe('target-gone');
      expect(await fault!.revert()).toEqual(outcome);
      await context.dispose();
    });
  }
});

describe('a namespace that had no filter table before', () => {
  it('is exactly as before after an iptables fault, through nsenter and through the helper', async () => {
    for (const [service, runner] of [
      ['fresh-nsenter', new NsenterRunner(client)],
      ['fresh-helper', new HelperRunner(client, DEFAULT_HELPER_IMAGE, 'life0006')],
    ] as const) {
      const fresh = await lab.add({ service });
      const before = await netnsState(fresh.name);
      const context = new NetworkContext(runner);
      const [fault] = await injectAll(
        context,
        await planInjections(
          client,
          lab.experiment(`  - blackhole: { target: { service: ${service} }, to: { service: b } }`),
          'life0006',
        ),
      );
      expect(await tcp(fresh.name, ip('b'))).toBe('timeout');
      expect((await fault!.revert()).status).toBe('reverted');
      await context.dispose();
      expect(await netnsState(fresh.name)).toEqual(before);
    }
  });
});

describe('an iptables fault whose target restarts', () => {
  it('through nsenter: revert reports target-gone, not a failure', async () => {
    const context = new NetworkContext(new NsenterRunner(client));
    const [fault] = await injectAll(
      context,
      await planInjections(
        client,
        lab.experiment('  - blackhole: { target: { service: a }, to: { service: b } }'),
        'life0004',
      ),
    );
    await lab.restart('a');
    expect((await fault!.revert()).status).toBe('target-gone');
    await context.dispose();
    expect(await faultlineRules(name('a'))).toEqual([]);
  });

  it('through the helper: revert reports target-gone, and a later fault lands in the new namespace', async () => {
    const context = new NetworkContext(new HelperRunner(client, DEFAULT_HELPER_IMAGE, 'life0005'));
    const step = '  - blackhole: { target: { service: a }, to: { service: b } }';
    const [first] = await injectAll(context, await planInjections(client, lab.experiment(step), 'life0005'));
    await lab.restart('a');
    expect((await first!.revert()).status).toBe('target-gone');
    const [second] = await injectAll(context, await planInjections(client, lab.experiment(step), 'life0005'));
    try {
      expect(await tcp(name('a'), ip('b'))).toBe('timeout');
    } finally {
      expect((await second!.revert()).status).toBe('reverted');
      await context.dispose();
    }
    expect(await tcp(name('a'), ip('b'))).toBe('connected');
  });
});

describe('the helper container and nsenter', () => {
  /** What a fault puts into a's namespace: faultline's iptables lines and a's tc state. */
  async function effect(runner: NetnsRunner, injections: PlannedInjection[]) {
    const context = new NetworkContext(runner);
    const faults = await injectAll(context, injections);
    try {
      const state = await netnsState(name('a'));
      return {
        details: faults.map((fault) => fault.detail),
        rules: await faultlineRules(name('a')),
        tc: Object.fromEntries(
          Object.entries(state).filter(([key]) => key.startsWith('tc ') || key === 'links'),
        ),
        reachesB: await tcp(name('a'), ip('b')),
        helpers: await helperContainers(),
      };
    } finally {
      for (const fault of faults) expect((await fault.revert()).status).toBe('reverted');
      await context.dispose();
    }
  }

  it('inject the same rules and qdiscs, and no helper container is left afterwards', async () => {
    const runId = 'life0003';
    const injections = await planInjections(
      client,
      lab.experiment(
        [
          '  - blackhole: { target: { service: a }, to: { service: b }, ports: [8080, 9090] }',
          '  - bandwidth: { target: { service: a }, to: { service: b }, rate: 4mbit, direction: both }',
        ].join('\n'),
      ),
      runId,
    );
    await lab.createFilterTables(['a']);
    const before = await netnsState(name('a'));
    const helpersBefore = await helperContainers();

    const viaNsenter = await effect(new NsenterRunner(client), injections);
    expect(await netnsState(name('a'))).toEqual(before);
    const viaHelper = await effect(new HelperRunner(client, DEFAULT_HELPER_IMAGE, runId), injections);
    expect(await netnsState(name('a'))).toEqual(before);

    expect(viaNsenter.reachesB).toBe('timeout');
    expect(viaNsenter.rules).toContain(
      `-A FL-${runId}-blackhole-1-O -d ${ip('b')}/32 -p tcp -m multiport --dports 8080,9090 -j DROP`,
    );
    expect(viaNsenter.tc['tc qdisc eth0']).toContain('qdisc tbf b02: parent fa1:2 rate 4Mbit');
    expect(viaHelper).toEqual({ ...viaNsenter, helpers: viaHelper.helpers });

    // While the helper worked, exactly one helper shared a's namespace, labelled with the run and target.
    expect(viaNsenter.helpers).toEqual(helpersBefore);
    const added = viaHelper.helpers.filter((helper) => !helpersBefore.includes(helper));
    expect(added).toHaveLength(1);
    expect(added[0]).toContain(`${FAULTLINE_RUN_ID}=${runId}`);
    expect(added[0]).toContain(`${FAULTLINE_TARGET_ID}=${lab.get('a').id}`);
    expect(await helperContainers()).toEqual(helpersBefore);
  });
});
