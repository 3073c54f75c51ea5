import { describe, expect, it } from 'vitest';
import type { ResolvedScope } from '../../../src/network/scope.js';
import {
  bandsFor,
  filterCommands,
  ifbName,
  ingressSetupCommands,
  ingressTeardownCommands,
  netemArgs,
  type TcFaultState,
  TcPlanError,
  tbfArgs,
  transitionCommands,
} from '../../../src/network/tc-plan.js';

/** An argv written as the words a person would type (no argument of these commands holds a space). */
const cmd = (line: string) => line.split(' ');

const ALL: ResolvedScope = { cidrs: [], ports: [], protocol: 'all' };
const DB: ResolvedScope = { cidrs: ['172.18.0.5/32'], ports: [], protocol: 'all' };
const UNSHAPED = 'rate 100gbit ceil 100gbit burst 1mb cburst 1mb quantum 200000';

const delay = (faultId: string, scope: ResolvedScope, delayMs: number): TcFaultState => ({
  faultId,
  scope,
  netem: { delayMs },
});
const loss = (faultId: string, scope: ResolvedScope, lossPercent: number): TcFaultState => ({
  faultId,
  scope,
  netem: { lossPercent },
});

/** The argv `tc` is given to take eth0 from no faults to these ones. */
function inject(faults: TcFaultState[], device = 'eth0'): string[][] {
  return transitionCommands(device, [], bandsFor(faults));
}

describe('tc plan: one fault', () => {
  it('a delay to everything installs the root, a band, a netem leaf and a match-all filter', () => {
    expect(inject([delay('d1', ALL, 300)])).toEqual([
      cmd('qdisc add dev eth0 root handle fa1: htb'),
      cmd(`class add dev eth0 parent fa1: classid fa1:2 htb ${UNSHAPED}`),
      cmd('qdisc add dev eth0 parent fa1:2 handle a02: netem delay 300ms limit 10000'),
      cmd('filter add dev eth0 parent fa1: protocol all prio 2 u32 match u32 0 0 flowid fa1:2'),
    ]);
  });

  it('a delay with jitter, correlation and distribution keeps them in the order tc wants', () => {
    expect(netemArgs({ delayMs: 100, jitterMs: 20, delayCorrelation: 25, distribution: 'normal' })).toEqual(
      cmd('delay 100ms 20ms 25% distribution normal limit 10000'),
    );
  });

  it('a loss to one peer drops at random and matches that peer as destination', () => {
    expect(inject([loss('l1', DB, 12.5)]).slice(2)).toEqual([
      cmd('qdisc add dev eth0 parent fa1:2 handle a02: netem loss random 12.5% limit 10000'),
      cmd('filter add dev eth0 parent fa1: protocol ip prio 2 u32 match ip dst 172.18.0.5/32 flowid fa1:2'),
    ]);
  });

  it('a bandwidth limit is a tbf leaf with a burst of 10 ms of the rate, never below 4096 bytes', () => {
    expect(inject([{ faultId: 'b1', scope: ALL, tbf: { rate: '10mbit' } }])[2]).toEqual(
      cmd('qdisc add dev eth0 parent fa1:2 handle b02: tbf rate 10mbit burst 12500b latency 200ms'),
    );
    expect(tbfArgs({ rate: '1mbit' })).toEqual(cmd('rate 1mbit burst 4096b latency 200ms'));
    expect(tbfArgs({ rate: '1mbit', burst: '32kb' })).toEqual(cmd('rate 1mbit burst 32kb latency 200ms'));
  });

  it('ports without a protocol get one filter each for tcp and udp', () => {
    const scope: ResolvedScope = { cidrs: ['10.0.0.0/8'], ports: [5432], protocol: 'all' };
    const band = bandsFor([delay('d1', scope, 50)])[0]!;
    const head = 'filter add dev eth0 parent fa1: protocol ip prio 2 u32 match ip dst 10.0.0.0/8';
    expect(filterCommands('eth0', band)).toEqual([
      cmd(`${head} match ip protocol 6 0xff match ip dport 5432 0xffff flowid fa1:2`),
      cmd(`${head} match ip protocol 17 0xff match ip dport 5432 0xffff flowid fa1:2`),
    ]);
  });
});

describe('tc plan: faults that share a band', () => {
  it('a delay and a loss with the same scope compose into one netem in one band', () => {
    const faults = [delay('d1', DB, 200), loss('l1', DB, 5)];
    expect(bandsFor(faults)).toEqual([
      { band: 2, scope: DB, netem: { delayMs: 200, lossPercent: 5 }, tbf: undefined },
    ]);
    const commands = inject(faults);
    expect(commands).toHaveLength(4);
    expect(commands[2]).toEqual(
      cmd('qdisc add dev eth0 parent fa1:2 handle a02: netem delay 200ms loss random 5% limit 10000'),
    );
  });

  it('a netem and a tbf on the same scope chain the tbf under the netem', () => {
    const commands = inject([delay('d1', DB, 200), { faultId: 'b1', scope: DB, tbf: { rate: '1mbit' } }]);
    expect(commands.slice(2, 4)).toEqual([
      cmd('qdisc add dev eth0 parent fa1:2 handle a02: netem delay 200ms limit 10000'),
      cmd('qdisc add dev eth0 parent a02:1 handle b02: tbf rate 1mbit burst 4096b latency 200ms'),
    ]);
  });

  it('differently scoped faults get bands of their own; the same peers in another order share one', () => {
    const a: ResolvedScope = { cidrs: ['10.0.0.1/32', '10.0.0.2/32'], ports: [], protocol: 'all' };
    const b: ResolvedScope = { cidrs: ['10.0.0.2/32', '10.0.0.1/32'], ports: [], protocol: 'all' };
    const bands = bandsFor([delay('d1', ALL, 10), loss('l1', a, 1), loss('l2', b, 2)]);
    expect(bands.map((band) => [band.band, band.netem])).toEqual([
      [2, { delayMs: 10 }],
      [3, { lossPercent: 2 }],
    ]);
  });

  it('refuses a 64th differently scoped band on one interface', () => {
    const faults = Array.from({ length: 64 }, (_, index) =>
      delay(`d${index}`, { cidrs: [], ports: [1000 + index], protocol: 'tcp' }, 10),
    );
    expect(bandsFor(faults.slice(0, 63)).at(-1)!.band).toBe(64);
    expect(() => bandsFor(faults)).toThrow(TcPlanError);
  });
});

describe('tc plan: reverting one of several faults', () => {
  it('removing the loss of a composed band rebuilds its leaf from the delay that stays', () => {
    const before = bandsFor([delay('d1', DB, 200), loss('l1', DB, 5)]);
    const after = bandsFor([delay('d1', DB, 200)], before);
    expect(transitionCommands('eth0', before, after)).toEqual([
      cmd('qdisc del dev eth0 parent fa1:2'),
      cmd('qdisc add dev eth0 parent fa1:2 handle a02: netem delay 200ms limit 10000'),
    ]);
  });

  it('removing one band deletes its filters, then its class, and leaves the other band untouched', () => {
    const before = bandsFor([delay('d1', ALL, 10), loss('l1', DB, 5)]);
    const after = bandsFor([loss('l1', DB, 5)], before);
    expect(after.map((band) => band.band)).toEqual([3]);
    expect(transitionCommands('eth0', before, after)).toEqual([
      cmd('filter del dev eth0 parent fa1: prio 2'),
      cmd('class del dev eth0 classid fa1:2'),
    ]);
  });

  it('a scope added after a revert takes the lowest free band; kept bands keep their number', () => {
    const first = bandsFor([delay('d1', ALL, 10), loss('l1', DB, 5)]);
    const afterRevert = bandsFor([loss('l1', DB, 5)], first);
    const port80: ResolvedScope = { cidrs: [], ports: [80], protocol: 'tcp' };
    const next = bandsFor([loss('l1', DB, 5), delay('d2', port80, 1)], afterRevert);
    expect(next.map((band) => [band.band, band.netem])).toEqual([
      [2, { delayMs: 1 }],
      [3, { lossPercent: 5 }],
    ]);
    expect(transitionCommands('eth0', afterRevert, next).map((argv) => argv.slice(0, 2))).toEqual([
      ['class', 'add'],
      ['qdisc', 'add'],
      ['filter', 'add'],
      ['filter', 'add'],
    ]);
  });

  it('removing the last fault deletes only faultline’s root, by its handle', () => {
    const before = bandsFor([delay('d1', DB, 200), loss('l1', DB, 5)]);
    expect(transitionCommands('eth0', before, [])).toEqual([cmd('qdisc del dev eth0 root handle fa1:')]);
  });

  it('no change asks for no commands', () => {
    const bands = bandsFor([delay('d1', DB, 200)]);
    expect(transitionCommands('eth0', bands, bandsFor([delay('d1', DB, 200)], bands))).toEqual([]);
  });
});

describe('tc plan: ingress and IPv6', () => {
  it('ingress redirects the device to an ifb device and shapes there, matching peers as source', () => {
    const ifb = ifbName('eth0');
    expect(ifb).toBe('flin-eth0');
    expect(ifbName('a-very-long-device0')).toBe('flin-a-very-lon');
    expect(ingressSetupCommands('eth0', ifb)).toEqual([
      cmd('ip link add flin-eth0 type ifb'),
      cmd('ip link set flin-eth0 up'),
      cmd('tc qdisc add dev eth0 handle ffff: ingress'),
      cmd(
        'tc filter add dev eth0 parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev flin-eth0',
      ),
    ]);
    const shaped = transitionCommands(ifb, [], bandsFor([delay('d1', DB, 100)]), 'src');
    expect(shaped[0]).toEqual(cmd('qdisc add dev flin-eth0 root handle fa1: htb'));
    expect(shaped.at(-1)).toEqual(
      cmd(
        'filter add dev flin-eth0 parent fa1: protocol ip prio 2 u32 match ip src 172.18.0.5/32 flowid fa1:2',
      ),
    );
    expect(ingressTeardownCommands('eth0', ifb)).toEqual([
      cmd('tc qdisc del dev eth0 handle ffff: ingress'),
      cmd('ip link del flin-eth0'),
    ]);
  });

  it('an IPv6 peer gets an ip6 filter at a priority of its own, deleted with the band', () => {
    const mixed: ResolvedScope = { cidrs: ['172.18.0.5/32', 'fd00::5/128'], ports: [], protocol: 'icmp' };
    const before = bandsFor([delay('d1', ALL, 10), delay('d2', mixed, 20)]);
    expect(filterCommands('eth0', before[1]!)).toEqual([
      cmd(
        'filter add dev eth0 parent fa1: protocol ip prio 3 u32 match ip dst 172.18.0.5/32 match ip protocol 1 0xff flowid fa1:3',
      ),
      cmd(
        'filter add dev eth0 parent fa1: protocol ipv6 prio 1003 u32 match ip6 dst fd00::5/128 match ip6 protocol 58 0xff flowid fa1:3',
      ),
    ]);
    expect(transitionCommands('eth0', before, bandsFor([delay('d1', ALL, 10)], before))).toEqual([
      cmd('filter del dev eth0 parent fa1: prio 3'),
      cmd('filter del dev eth0 parent fa1: prio 1003'),
      cmd('class del dev eth0 classid fa1:3'),
    ]);
  });

  it('a port with no peer is matched in both families', () => {
    const band = bandsFor([delay('d1', { cidrs: [], ports: [443], protocol: 'tcp' }, 10)])[0]!;
    expect(filterCommands('eth0', band)).toEqual([
      cmd(
        'filter add dev eth0 parent fa1: protocol ip prio 2 u32 match ip protocol 6 0xff match ip dport 443 0xffff flowid fa1:2',
      ),
      cmd(
        'filter add dev eth0 parent fa1: protocol ipv6 prio 1002 u32 match ip6 protocol 6 0xff match ip6 dport 443 0xffff flowid fa1:2',
      ),
    ]);
  });
});
