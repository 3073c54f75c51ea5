import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import { NsenterRunner } from '../../../src/network/netns-runner.js';
import { NetworkContext } from '../../../src/network/network-fault.js';
import { uniquePrefix } from '../../support/containers.js';
import {
  faultlineRules,
  hostTcp,
  injectAll,
  NetworkLab,
  planInjections,
  probe,
  revertAll,
  udpReceived,
  waitForUdp,
} from '../../support/network.js';

/**
 * Partitions on real containers: a, b, c and d on one network; a's port 8080 published on the host.
 * Reachability is measured with TCP connects and UDP datagrams between the containers and from the host.
 */
const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('partition'));
const context = new NetworkContext(new NsenterRunner(client));
let baseline: Awaited<ReturnType<NetworkLab['states']>>;

const ip = (service: string) => lab.get(service).ip;
const name = (service: string) => lab.get(service).name;

/** The outcome of TCP connects from one container to services' port 8080, by service. */
async function reach(from: string, to: string[]): Promise<Record<string, string>> {
  const results = await probe(
    name(from),
    to.map((service) => ({ op: 'connect' as const, host: ip(service), port: 8080, timeoutMs: 1000 })),
  );
  return Object.fromEntries(to.map((service, index) => [service, results[index]!.outcome]));
}

beforeAll(async () => {
  await lab.start([
    { service: 'a', publish: '127.0.0.1::8080' },
    { service: 'b' },
    { service: 'c' },
    { service: 'd' },
  ]);
  await lab.createFilterTables();
  baseline = await lab.states();
});

afterAll(async () => {
  await context.dispose();
  await lab.remove();
});

describe('partition on real containers', () => {
  it('[a] | [b, c] drops traffic across the groups only, and revert restores every namespace exactly', async () => {
    const injections = await planInjections(
      client,
      lab.experiment('  - partition: { groups: [[{ service: a }], [{ service: b }, { service: c }]] }'),
      'part0001',
    );
    // d is in no group: nothing is planned for it.
    expect(injections.map((injection) => injection.target.name).sort()).toEqual(
      [name('a'), name('b'), name('c')].sort(),
    );
    const hostPort = await lab.publishedPort('a');
    const faults = await injectAll(context, injections);
    const outcomes: string[] = [];
    try {
      expect(await reach('a', ['b', 'c', 'd'])).toEqual({ b: 'timeout', c: 'timeout', d: 'connected' });
      expect(await reach('b', ['a', 'c', 'd'])).toEqual({ a: 'timeout', c: 'connected', d: 'connected' });
      expect(await reach('c', ['a', 'b'])).toEqual({ a: 'timeout', b: 'connected' });
      expect(await reach('d', ['a', 'b', 'c'])).toEqual({ a: 'connected', b: 'connected', c: 'connected' });
      expect(await hostTcp('127.0.0.1', hostPort)).toBe('connected');
      expect(await (await fetch(`http://127.0.0.1:${hostPort}/`)).text()).toBe('ok');
      // The rules name exactly the other group's addresses.
      expect(await faultlineRules(name('a'))).toEqual(
        expect.arrayContaining([
          expect.stringContaining(`-d ${ip('b')}/32 -j DROP`),
          expect.stringContaining(`-d ${ip('c')}/32 -j DROP`),
          expect.stringContaining(`-s ${ip('b')}/32 -j DROP`),
          expect.stringContaining(`-s ${ip('c')}/32 -j DROP`),
        ]),
      );
      expect(await faultlineRules(name('d'))).toEqual([]);
    } finally {
      await revertAll(faults, outcomes);
    }
    expect(outcomes).toEqual(['reverted', 'reverted', 'reverted']);

    expect(await reach('a', ['b', 'c', 'd'])).toEqual({ b: 'connected', c: 'connected', d: 'connected' });
    expect(await reach('b', ['a'])).toEqual({ a: 'connected' });
    expect(await lab.states()).toEqual(baseline);
  });

  it('one-way [a] -> [b]: what a sends never reaches b, what b sends still reaches a', async () => {
    const injections = await planInjections(
      client,
      lab.experiment('  - partition: { groups: [[{ service: a }], [{ service: b }]], direction: one-way }'),
      'part0002',
    );
    // Only the sending side gets rules, and only outgoing ones.
    expect(injections.map((injection) => injection.target.name)).toEqual([name('a')]);
    const faults = await injectAll(context, injections);
    const outcomes: string[] = [];
    try {
      await probe(name('a'), [{ op: 'udp', host: ip('b'), message: 'one-way-from-a' }]);
      await probe(name('b'), [{ op: 'udp', host: ip('a'), message: 'one-way-from-b' }]);
      await waitForUdp(name('a'), `udp ${ip('b')} one-way-from-b`);
      // c's datagram, sent after a's, arrives at b: a's would have too.
      await probe(name('c'), [{ op: 'udp', host: ip('b'), message: 'one-way-control' }]);
      await waitForUdp(name('b'), `udp ${ip('c')} one-way-control`);
      expect(await udpReceived(name('b'))).not.toContainEqual(expect.stringContaining('one-way-from-a'));
      // A TCP connection needs both ways: from either side it cannot be established.
      expect(await reach('a', ['b', 'c'])).toEqual({ b: 'timeout', c: 'connected' });
      expect(await reach('b', ['a', 'c'])).toEqual({ a: 'timeout', c: 'connected' });
      expect((await faultlineRules(name('a'))).filter((rule) => rule.includes('-A FL-'))).toEqual([
        `-A FL-part0002-partition-1-O -d ${ip('b')}/32 -j DROP`,
      ]);
      expect(await faultlineRules(name('b'))).toEqual([]);
    } finally {
      await revertAll(faults, outcomes);
    }
    expect(outcomes).toEqual(['reverted']);

    await probe(name('a'), [{ op: 'udp', host: ip('b'), message: 'one-way-after' }]);
    await waitForUdp(name('b'), `udp ${ip('a')} one-way-after`);
    expect(await reach('a', ['b'])).toEqual({ b: 'connected' });
    expect(await lab.states()).toEqual(baseline);
  });
});
