import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import type { InjectedFault } from '../../../src/faults/fault.js';
import { NsenterRunner } from '../../../src/network/netns-runner.js';
import { NetworkContext } from '../../../src/network/network-fault.js';
import { uniquePrefix } from '../../support/containers.js';
import {
  hostTcp,
  injectAll,
  NetworkLab,
  netnsState,
  nsenterOk,
  planInjections,
  probe,
  revertAll,
  udpReceived,
  waitForUdp,
} from '../../support/network.js';

/**
 * blackhole, reset and dns on real containers a, b and c, measured from inside them: TCP connects
 * (with their time), UDP datagrams (what the receiver logs), name lookups through Docker's embedded DNS.
 */
const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('blackhole'));
const context = new NetworkContext(new NsenterRunner(client));
let baseline: Awaited<ReturnType<NetworkLab['states']>>;
let run = 0;

const ip = (service: string) => lab.get(service).ip;
const name = (service: string) => lab.get(service).name;

/** Plans one fault step, injects it, runs `during`, reverts; checks the revert and the namespaces. */
async function withFault(step: string, during: (faults: InjectedFault[]) => Promise<void>): Promise<void> {
  const injections = await planInjections(client, lab.experiment(`  - ${step}`), `bh${String(++run)}`);
  const faults = await injectAll(context, injections);
  const outcomes: string[] = [];
  try {
    await during(faults);
  } finally {
    await revertAll(faults, outcomes);
  }
  expect(outcomes).toEqual(faults.map(() => 'reverted'));
  expect(await lab.states(Object.keys(baseline))).toEqual(baseline);
}

/** TCP connects from a container, all at once: outcome per `host:port` key. */
async function connects(from: string, targets: [string, number][]): Promise<Record<string, string>> {
  const results = await probe(
    name(from),
    targets.map(([service, port]) => ({ op: 'connect' as const, host: ip(service), port, timeoutMs: 1000 })),
  );
  return Object.fromEntries(
    targets.map(([service, port], index) => [`${service}:${port}`, results[index]!.outcome]),
  );
}

beforeAll(async () => {
  await lab.start([{ service: 'a' }, { service: 'b' }, { service: 'c' }]);
  await lab.createFilterTables();
  baseline = await lab.states();
});

afterAll(async () => {
  await context.dispose();
  await lab.remove();
});

describe('blackhole on real containers', () => {
  it('to a CIDR: every address in it is unreachable from the target, and the target from them', async () => {
    const subnet = await lab.subnet();
    await withFault(`blackhole: { target: { service: a }, to: { cidr: "${subnet}" } }`, async () => {
      expect(
        await connects('a', [
          ['b', 8080],
          ['c', 8080],
        ]),
      ).toEqual({ 'b:8080': 'timeout', 'c:8080': 'timeout' });
      expect(
        await connects('b', [
          ['a', 8080],
          ['c', 8080],
        ]),
      ).toEqual({ 'a:8080': 'timeout', 'c:8080': 'connected' });
      // The host reaches the network from its gateway address, which is in the block too.
      expect(await hostTcp(ip('a'), 8080)).toBe('timeout');
      expect(await hostTcp(ip('b'), 8080)).toBe('connected');
    });
    expect(
      await connects('a', [
        ['b', 8080],
        ['c', 8080],
      ]),
    ).toEqual({ 'b:8080': 'connected', 'c:8080': 'connected' });
    expect(await hostTcp(ip('a'), 8080)).toBe('connected');
  });

  it('to another target on one port: that port is dropped, its other ports and other peers still work', async () => {
    await withFault('blackhole: { target: { service: a }, to: { service: b }, ports: 9090 }', async () => {
      expect(
        await connects('a', [
          ['b', 9090],
          ['b', 8080],
          ['c', 9090],
        ]),
      ).toEqual({
        'b:9090': 'timeout',
        'b:8080': 'connected',
        'c:9090': 'connected',
      });
    });
    expect(await connects('a', [['b', 9090]])).toEqual({ 'b:9090': 'connected' });
  });

  it('egress drops only what the target sends; ingress only what it receives', async () => {
    await withFault(
      'blackhole: { target: { service: a }, to: { service: b }, direction: egress }',
      async () => {
        await probe(name('a'), [{ op: 'udp', host: ip('b'), message: 'egress-a-to-b' }]);
        await probe(name('b'), [{ op: 'udp', host: ip('a'), message: 'egress-b-to-a' }]);
        await waitForUdp(name('a'), `udp ${ip('b')} egress-b-to-a`);
        await probe(name('c'), [{ op: 'udp', host: ip('b'), message: 'egress-control' }]);
        await waitForUdp(name('b'), `udp ${ip('c')} egress-control`);
        expect(await udpReceived(name('b'))).not.toContainEqual(expect.stringContaining('egress-a-to-b'));
      },
    );
    await withFault(
      'blackhole: { target: { service: a }, to: { service: b }, direction: ingress }',
      async () => {
        await probe(name('b'), [{ op: 'udp', host: ip('a'), message: 'ingress-b-to-a' }]);
        await probe(name('a'), [{ op: 'udp', host: ip('b'), message: 'ingress-a-to-b' }]);
        await waitForUdp(name('b'), `udp ${ip('a')} ingress-a-to-b`);
        await probe(name('c'), [{ op: 'udp', host: ip('a'), message: 'ingress-control' }]);
        await waitForUdp(name('a'), `udp ${ip('c')} ingress-control`);
        expect(await udpReceived(name('a'))).not.toContainEqual(expect.stringContaining('ingress-b-to-a'));
      },
    );
  });
});

/**
 * A refusal answers in milliseconds; a dropped connect waits out its 3 s timeout. The bound leaves
 * room for a busy CI machine and still tells the two apart.
 */
const FAST_MS = 1000;

describe('reset on real containers', () => {
  it('a connect to the reset port fails at once with ECONNREFUSED, where a blackhole times out', async () => {
    await withFault('reset: { target: { service: a }, to: { service: b }, ports: 9090 }', async () => {
      const [reset, other] = await probe(name('a'), [
        { op: 'connect', host: ip('b'), port: 9090, timeoutMs: 3000 },
        { op: 'connect', host: ip('b'), port: 8080, timeoutMs: 3000 },
      ]);
      expect(reset).toMatchObject({ outcome: 'ECONNREFUSED' });
      expect(reset!.ms).toBeLessThan(FAST_MS);
      expect(other).toMatchObject({ outcome: 'connected' });
      // Incoming connections to the target's own port 9090 are reset too (direction both).
      const [incoming] = await probe(name('b'), [
        { op: 'connect', host: ip('a'), port: 9090, timeoutMs: 3000 },
      ]);
      expect(incoming).toMatchObject({ outcome: 'ECONNREFUSED' });
      expect(incoming!.ms).toBeLessThan(FAST_MS);
    });
  });

  it('reset to a peer in both directions (the default) refuses connections at once, both ways', async () => {
    await withFault('reset: { target: { service: a }, to: { service: b } }', async () => {
      const [out] = await probe(name('a'), [{ op: 'connect', host: ip('b'), port: 8080, timeoutMs: 3000 }]);
      expect(out).toMatchObject({ outcome: 'ECONNREFUSED' });
      expect(out!.ms).toBeLessThan(FAST_MS);
      const [back] = await probe(name('b'), [{ op: 'connect', host: ip('a'), port: 8080, timeoutMs: 3000 }]);
      expect(back).toMatchObject({ outcome: 'ECONNREFUSED' });
      expect(back!.ms).toBeLessThan(FAST_MS);
    });
  });

  it('egress reset to a peer refuses every connection to it at once; other peers are untouched', async () => {
    await withFault('reset: { target: { service: a }, to: { service: b }, direction: egress }', async () => {
      const [toB, toC] = await probe(name('a'), [
        { op: 'connect', host: ip('b'), port: 8080, timeoutMs: 3000 },
        { op: 'connect', host: ip('c'), port: 8080, timeoutMs: 3000 },
      ]);
      expect(toB).toMatchObject({ outcome: 'ECONNREFUSED' });
      expect(toB!.ms).toBeLessThan(FAST_MS);
      expect(toC).toMatchObject({ outcome: 'connected' });
    });
    expect(await connects('a', [['b', 8080]])).toEqual({ 'b:8080': 'connected' });
  });
});

describe('dns on real containers', () => {
  it('name resolution fails inside the target during the fault and works again after', async () => {
    const lookup = async (from: string, service: string) =>
      (await probe(name(from), [{ op: 'lookup', name: name(service) }]))[0]!;
    expect(await lookup('a', 'b')).toMatchObject({ outcome: 'resolved', address: ip('b') });
    await withFault('dns: { target: { service: a } }', async () => {
      const failed = await lookup('a', 'b');
      expect(failed.outcome).not.toBe('resolved');
      expect(failed.outcome).toMatch(/^(EAI_AGAIN|ENOTFOUND)$/);
      // It fails fast (refused), not after the resolver's timeouts.
      expect(failed.ms).toBeLessThan(1000);
      // Only names: a still reaches b by address, and b still resolves a.
      expect(await connects('a', [['b', 8080]])).toEqual({ 'b:8080': 'connected' });
      expect(await lookup('b', 'a')).toMatchObject({ outcome: 'resolved', address: ip('a') });
    });
    expect(await lookup('a', 'b')).toMatchObject({ outcome: 'resolved', address: ip('b') });
  });
});

describe('a namespace whose rules are iptables-legacy', () => {
  it('gets its fault rules in the legacy tables, and both backends end exactly as they began', async () => {
    // On Docker's default bridge there is no embedded DNS, so no nf_tables rules: only the user's legacy one.
    const legacy = await lab.add({ service: 'legacy', network: 'bridge' });
    await nsenterOk(
      legacy.name,
      'iptables-legacy',
      '-w',
      '5',
      '-A',
      'INPUT',
      '-p',
      'tcp',
      '--dport',
      '7',
      '-j',
      'DROP',
    );
    const before = await netnsState(legacy.name);
    const injections = await planInjections(
      client,
      lab.experiment('  - blackhole: { target: { service: legacy }, ports: 9090, direction: ingress }'),
      'legacy01',
    );
    const [fault] = await injectAll(context, injections);
    let outcome: string | undefined;
    try {
      expect(fault!.detail).toContain('iptables-legacy');
      const during = await netnsState(legacy.name);
      expect(during['iptables-legacy-save']).toContain(
        '-A FL-legacy01-blackhole-1-I -p tcp -m tcp --dport 9090 -j DROP',
      );
      expect(during['iptables-nft-save']).toBe(before['iptables-nft-save']);
      expect(await hostTcp(legacy.ip, 9090)).toBe('timeout');
      expect(await hostTcp(legacy.ip, 8080)).toBe('connected');
    } finally {
      outcome = (await fault!.revert()).status;
    }
    expect(outcome).toBe('reverted');
    expect(await hostTcp(legacy.ip, 9090)).toBe('connected');
    expect(await netnsState(legacy.name)).toEqual(before);
  });
});
