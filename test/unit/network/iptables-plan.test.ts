import { describe, expect, it } from 'vitest';
import type { ContainerSummary } from '../../../src/docker/client.js';
import {
  type IptablesPlanInput,
  planBlock,
  planDns,
  planPartitionMember,
} from '../../../src/faults/iptables/drivers.js';
import type { IptablesPlan } from '../../../src/faults/iptables/family.js';
import type { BlackholeSpec } from '../../../src/faults/iptables/schema.js';
import {
  applyCommands,
  chainName,
  type IptablesRuleSet,
  revertCommands,
  scopeRules,
} from '../../../src/network/iptables-plan.js';
import { PeerError, type PeerResolver, partitionTargets } from '../../../src/network/network-plan.js';
import type { Target } from '../../../src/targets/target.js';

const RUN = '3f9a1c7e-5b2d-4e8f-9a1b-0c2d3e4f5a6b';
const COMMENT = (fault: string) => `faultline run=${RUN} fault=${fault}`;

function container(name: string, networks: [string, string, string?][]): ContainerSummary {
  return {
    id: `${name}-id`,
    name,
    image: 'example/app:1',
    state: 'running',
    labels: {},
    networks: networks.map(([network, ipv4, ipv6]) => ({
      name: network,
      ipv4,
      ipv4PrefixLength: 16,
      ipv6,
      gateway: undefined,
    })),
  };
}

const api = container('api', [['shop', '172.20.0.2']]);
const db = container('db', [
  ['shop', '172.20.0.3'],
  ['backend', '172.21.0.3'],
]);
const cache = container('cache', [['elsewhere', '10.9.0.4']]);
const web = container('web', [['shop', '172.20.0.4', 'fd00::4']]);
const all = [api, db, cache, web];

/** Peers by service name (the container's name here). */
const peers: PeerResolver = {
  select: (selector) => all.filter((item) => item.name === selector.service),
  container: (target) => all.find((item) => item.id === target.id)!,
};
const targetOf = (item: ContainerSummary): Target => ({ id: item.id, name: item.name });

function plan(kind: 'blackhole' | 'reset' | 'dns', spec: Record<string, unknown>, of = api, faultId = 'f1') {
  const input: IptablesPlanInput = { target: targetOf(of), faultId, runId: RUN, peers };
  return kind === 'dns' ? planDns(input) : planBlock(kind, spec as BlackholeSpec, input);
}

describe('iptables plan: blackhole and reset', () => {
  it('a blackhole to a peer on one port drops both ways, in chains named for the run and the fault', () => {
    const result = plan('blackhole', { to: [{ service: 'db' }], ports: [5432], protocol: 'tcp' });
    expect(result).toEqual<IptablesPlan>({
      type: 'iptables',
      kind: 'blackhole',
      sets: [
        {
          family: 'ipv4',
          chain: 'FL-3f9a1c7e-f1-O',
          hook: 'OUTPUT',
          comment: COMMENT('f1'),
          // Only the peer's address on the network it shares with the target.
          rules: [['-d', '172.20.0.3/32', '-p', 'tcp', '--dport', '5432', '-j', 'DROP']],
        },
        {
          family: 'ipv4',
          chain: 'FL-3f9a1c7e-f1-I',
          hook: 'INPUT',
          comment: COMMENT('f1'),
          rules: [['-s', '172.20.0.3/32', '-p', 'tcp', '--dport', '5432', '-j', 'DROP']],
        },
      ],
    });
  });

  it('several ports without a protocol are one multiport rule per protocol, egress only', () => {
    const result = plan('blackhole', {
      to: [{ cidr: '10.1.0.0/16' }],
      ports: [80, 443],
      direction: 'egress',
    });
    expect(result.sets.map((set) => [set.hook, set.rules])).toEqual([
      [
        'OUTPUT',
        [
          ['-d', '10.1.0.0/16', '-p', 'tcp', '-m', 'multiport', '--dports', '80,443', '-j', 'DROP'],
          ['-d', '10.1.0.0/16', '-p', 'udp', '-m', 'multiport', '--dports', '80,443', '-j', 'DROP'],
        ],
      ],
    ]);
  });

  it('reset answers tcp with an RST, lets RSTs through, and touches no other protocol', () => {
    const result = plan('reset', { to: [{ cidr: '10.0.0.5' }], direction: 'ingress' });
    expect(result.sets).toEqual([
      {
        family: 'ipv4',
        chain: 'FL-3f9a1c7e-f1-I',
        hook: 'INPUT',
        comment: COMMENT('f1'),
        rules: ['-s 10.0.0.5/32 -p tcp ! --tcp-flags RST RST -j REJECT --reject-with tcp-reset'.split(' ')],
      },
    ]);
  });

  it('a target with IPv6 gets ip6tables sets of its own (chain names end in 6), with icmp as ipv6-icmp', () => {
    const result = plan('blackhole', { protocol: 'icmp', direction: 'egress' }, web, 'ping');
    expect(result.sets.map((set) => [set.family, set.chain, set.rules])).toEqual([
      ['ipv4', 'FL-3f9a1c7e-ping-O', [['-p', 'icmp', '-j', 'DROP']]],
      ['ipv6', 'FL-3f9a1c7e-ping6-O', [['-p', 'ipv6-icmp', '-j', 'DROP']]],
    ]);
  });

  it('an IPv4-only scope has no IPv6 rules', () => {
    const scope = { cidrs: ['10.0.0.5/32'], ports: [], protocol: 'all' as const };
    expect(scopeRules(scope, 'OUTPUT', 'drop', 'ipv6')).toEqual([]);
    expect(scopeRules(scope, 'OUTPUT', 'reject', 'ipv4')).toEqual([
      ['-d', '10.0.0.5/32', '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
    ]);
  });

  it('a peer that shares no network with the target is refused, naming both networks', () => {
    expect(() => plan('blackhole', { to: [{ service: 'cache' }] })).toThrow(PeerError);
    expect(() => plan('blackhole', { to: [{ service: 'cache' }] })).toThrow(
      'api and cache share no network (shop vs elsewhere)',
    );
  });
});

describe('iptables plan: dns', () => {
  it('refuses port 53 and Docker’s embedded resolver on OUTPUT, per family', () => {
    const reject = ['-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'];
    expect(plan('dns', {}, api, 'dns-1').sets).toEqual([
      {
        family: 'ipv4',
        chain: 'FL-3f9a1c7e-dns-1-O',
        hook: 'OUTPUT',
        comment: COMMENT('dns-1'),
        rules: [
          ['-p', 'udp', '--dport', '53', ...reject],
          ['-p', 'tcp', '--dport', '53', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
          ['-d', '127.0.0.11/32', ...reject],
        ],
      },
    ]);
    const both = plan('dns', {}, web, 'dns-1').sets;
    expect(both.map((set) => set.chain)).toEqual(['FL-3f9a1c7e-dns-1-O', 'FL-3f9a1c7e-dns-16-O']);
    expect(both[1]!.rules).toEqual([
      ['-p', 'udp', '--dport', '53', '-j', 'REJECT', '--reject-with', 'icmp6-port-unreachable'],
      ['-p', 'tcp', '--dport', '53', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
    ]);
  });
});

describe('iptables plan: partition', () => {
  const partitionPlan = (item: ContainerSummary, blockedAddresses: string[], egressOnly: boolean) =>
    planPartitionMember({ container: item, blockedAddresses, egressOnly }, { faultId: 'split', runId: RUN });

  it('both ways: every member blocks the other groups’ shared addresses, in and out', () => {
    const targets = partitionTargets([[api], [db, cache]], {});
    // cache shares no network with api: nothing to block between them, so it is no target.
    expect(targets.map((item) => [item.container.name, item.blockedAddresses, item.egressOnly])).toEqual([
      ['api', ['172.20.0.3/32'], false],
      ['db', ['172.20.0.2/32'], false],
    ]);
    const result = partitionPlan(api, ['172.20.0.3/32'], false);
    expect(result.type === 'iptables' && result.sets.map((set) => [set.chain, set.rules])).toEqual([
      ['FL-3f9a1c7e-split-O', [['-d', '172.20.0.3/32', '-j', 'DROP']]],
      ['FL-3f9a1c7e-split-I', [['-s', '172.20.0.3/32', '-j', 'DROP']]],
    ]);
  });

  it('one way: only the first group is blocked, and only its outgoing traffic', () => {
    const targets = partitionTargets([[api, web], [db]], { direction: 'one-way' });
    expect(targets.map((item) => [item.container.name, item.blockedAddresses, item.egressOnly])).toEqual([
      ['api', ['172.20.0.3/32'], true],
      ['web', ['172.20.0.3/32'], true],
    ]);
    const result = partitionPlan(api, ['172.20.0.3/32'], true);
    expect(result.type === 'iptables' && result.sets.map((set) => set.hook)).toEqual(['OUTPUT']);
  });

  it('a container in two groups is refused', () => {
    expect(() => partitionTargets([[api, db], [db]], {})).toThrow(
      'db is in partition groups 1 and 2; a container can be in one group only',
    );
  });
});

describe('iptables commands', () => {
  const set: IptablesRuleSet = {
    family: 'ipv4',
    chain: chainName(RUN, 'f1', 'OUTPUT'),
    hook: 'OUTPUT',
    comment: COMMENT('f1'),
    rules: [
      ['-d', '10.0.0.5/32', '-j', 'DROP'],
      ['-d', '10.0.0.6/32', '-j', 'DROP'],
    ],
  };
  const jump = ['-m', 'comment', '--comment', COMMENT('f1'), '-j', 'FL-3f9a1c7e-f1-O'];

  it('apply creates the chain, fills it, then inserts the jump first in the hook', () => {
    expect(applyCommands(set)).toEqual([
      ['-w', '5', '-N', 'FL-3f9a1c7e-f1-O'],
      ['-w', '5', '-A', 'FL-3f9a1c7e-f1-O', '-d', '10.0.0.5/32', '-j', 'DROP'],
      ['-w', '5', '-A', 'FL-3f9a1c7e-f1-O', '-d', '10.0.0.6/32', '-j', 'DROP'],
      ['-w', '5', '-I', 'OUTPUT', '1', ...jump],
    ]);
  });

  it('revert deletes the jump (traffic flows again), then flushes and deletes the chain', () => {
    expect(revertCommands(set)).toEqual([
      ['-w', '5', '-D', 'OUTPUT', ...jump],
      ['-w', '5', '-F', 'FL-3f9a1c7e-f1-O'],
      ['-w', '5', '-X', 'FL-3f9a1c7e-f1-O'],
    ]);
  });

  it('chain names stay within iptables’ limit however long the fault id', () => {
    const chain = chainName(RUN, 'partition-between-api-and-db', 'INPUT');
    expect(chain).toBe('FL-3f9a1c7e-partition-betw-I');
    expect(chain.length).toBeLessThanOrEqual(28);
  });
});
