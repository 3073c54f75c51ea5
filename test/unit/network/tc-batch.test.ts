import { describe, expect, it } from 'vitest';
import { type TcPlan, tcFamily } from '../../../src/faults/tc/family.js';
import { NetworkContext } from '../../../src/network/network-fault.js';
import type { ResolvedScope } from '../../../src/network/scope.js';
import { batchInput, failedLine } from '../../../src/network/tc-batch.js';
import type { Target } from '../../../src/targets/target.js';
import { FakeNetnsRunner, fail, ok } from '../support/fakes.js';

const target: Target = { id: 'a1b2c3d4e5f6', name: 'shop-api-1', service: 'api' };
const ALL: ResolvedScope = { cidrs: [], ports: [], protocol: 'all' };
const DB: ResolvedScope = { cidrs: ['172.18.0.5/32'], ports: [], protocol: 'all' };
const UNSHAPED = 'rate 100gbit ceil 100gbit burst 1mb cburst 1mb quantum 200000';
const DEFAULT_ROOT = JSON.stringify([{ kind: 'noqueue', handle: '0:', root: true }]);

const bandwidth = (scope: ResolvedScope, direction: TcPlan['direction'] = 'egress'): TcPlan => ({
  type: 'tc',
  kind: 'bandwidth',
  scope,
  tbf: { rate: '4mbit' },
  device: 'eth0',
  direction,
});

/** A runner whose `tc -batch -` answers with `batch` (by its input), everything else with success. */
function runner(batch: (input: string) => ReturnType<typeof ok> = () => ok()) {
  return new FakeNetnsRunner((argv, _target, input) => {
    if (argv.includes('show')) return ok(DEFAULT_ROOT);
    if (argv.includes('-batch') && !argv.includes('-force')) return batch(input ?? '');
    return ok();
  });
}

async function inject(fake: FakeNetnsRunner, plan: TcPlan, id = 'f1', context = new NetworkContext(fake)) {
  const ctx = { network: () => context } as never;
  return tcFamily.inject(plan, target, id, ctx, () => undefined);
}

describe('tc faults as one batch per device', () => {
  it('injects a bandwidth fault with one qdisc read and one tc -batch - carrying every command', async () => {
    const fake = runner();
    const fault = await inject(fake, bandwidth(ALL));
    expect(fake.lines()).toEqual(['tc -j qdisc show dev eth0', 'tc -batch -']);
    expect(fake.calls[1]!.input).toBe(
      [
        'qdisc add dev eth0 root handle fa1: htb',
        `class add dev eth0 parent fa1: classid fa1:2 htb ${UNSHAPED}`,
        'qdisc add dev eth0 parent fa1:2 handle b02: tbf rate 4mbit burst 5000b latency 200ms',
        'filter add dev eth0 parent fa1: protocol all prio 2 u32 match u32 0 0 flowid fa1:2',
        '',
      ].join('\n'),
    );
    expect(await fault.revert()).toMatchObject({ status: 'reverted' });
    expect(fake.lines().slice(2)).toEqual(['tc qdisc del dev eth0 root handle fa1:']);
  });

  it('both ways: the device is read once, the ifb is made with ip, its redirect and bands are one batch', async () => {
    const fake = runner();
    const fault = await inject(fake, bandwidth(ALL, 'both'));
    expect(fake.lines()).toEqual([
      'tc -j qdisc show dev eth0',
      'tc -batch -',
      'ip link add flin-eth0 type ifb',
      'ip link set flin-eth0 up',
      'tc -batch -',
    ]);
    expect(fake.calls[4]!.input!.split('\n').slice(0, 3)).toEqual([
      'qdisc add dev eth0 handle ffff: ingress',
      'filter add dev eth0 parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev flin-eth0',
      'qdisc add dev flin-eth0 root handle fa1: htb',
    ]);
    expect(await fault.revert()).toMatchObject({ status: 'reverted' });
    expect(fake.lines().slice(5)).toEqual([
      'tc qdisc del dev eth0 root handle fa1:',
      'tc qdisc del dev flin-eth0 root handle fa1:',
      'tc qdisc del dev eth0 handle ffff: ingress',
      'ip link del flin-eth0',
    ]);
  });

  it('a batch that stops at a line fails naming that line, and what it applied is taken back', async () => {
    const fake = runner(() => fail('Error: Specified qdisc kind is unknown.\nCommand failed -:3\n'));
    await expect(inject(fake, bandwidth(ALL))).rejects.toThrow(
      'tc qdisc add dev eth0 parent fa1:2 handle b02: tbf rate 4mbit burst 5000b latency 200ms failed (line 3 of the tc batch): Error: Specified qdisc kind is unknown.',
    );
    // The root went in before the failing line: deleting it takes the class with it.
    expect(fake.lines()).toEqual([
      'tc -j qdisc show dev eth0',
      'tc -batch -',
      'tc qdisc del dev eth0 root handle fa1:',
    ]);
  });

  it('a failed second band is taken back band only, as one -force batch, leaving the first fault in place', async () => {
    const fake = runner();
    const context = new NetworkContext(fake);
    await inject(fake, bandwidth(ALL), 'f1', context);
    fake.answer = (argv) =>
      argv.includes('-force')
        ? fail('Error: no filter\nCommand failed -:1')
        : fail('Error: bad\nCommand failed -:2');
    await expect(inject(fake, bandwidth(DB), 'f2', context)).rejects.toThrow('line 2 of the tc batch');
    const undo = fake.calls.at(-1)!;
    expect(undo.argv).toEqual(['tc', '-force', '-batch', '-']);
    expect(undo.input).toBe('filter del dev eth0 parent fa1: prio 3\nclass del dev eth0 classid fa1:3\n');
  });

  it('a revert whose batch finds its band gone goes on one by one and reports the target gone', async () => {
    const fake = runner();
    const context = new NetworkContext(fake);
    await inject(fake, bandwidth(ALL), 'f1', context);
    const second = await inject(fake, bandwidth(DB), 'f2', context);
    const before = fake.calls.length;
    fake.answer = (argv) =>
      argv.includes('-batch')
        ? fail('RTNETLINK answers: No such file or directory\nCommand failed -:1')
        : fail('RTNETLINK answers: No such file or directory');
    expect(await second.revert()).toMatchObject({ status: 'target-gone' });
    expect(fake.lines().slice(before)).toEqual(['tc -batch -', 'tc class del dev eth0 classid fa1:3']);
  });

  it('a tc without -batch (no line reported) runs the same commands one by one', async () => {
    const fake = runner(() => fail('Usage: tc [ OPTIONS ] OBJECT', 1));
    await inject(fake, bandwidth(ALL));
    expect(fake.lines()).toEqual([
      'tc -j qdisc show dev eth0',
      'tc -batch -',
      'tc qdisc add dev eth0 root handle fa1: htb',
      `tc class add dev eth0 parent fa1: classid fa1:2 htb ${UNSHAPED}`,
      'tc qdisc add dev eth0 parent fa1:2 handle b02: tbf rate 4mbit burst 5000b latency 200ms',
      'tc filter add dev eth0 parent fa1: protocol all prio 2 u32 match u32 0 0 flowid fa1:2',
    ]);
  });

  it('plan shows the batch as the command and its lines in a here-document', () => {
    const display = (_target: Target, argv: readonly string[]) => `nsenter -n ${argv.join(' ')}`;
    const { actions, reverts } = tcFamily.describe(bandwidth(ALL), target, display);
    expect(actions).toEqual([
      [
        "nsenter -n tc -batch - <<'EOF'",
        'qdisc add dev eth0 root handle fa1: htb',
        `class add dev eth0 parent fa1: classid fa1:2 htb ${UNSHAPED}`,
        'qdisc add dev eth0 parent fa1:2 handle b02: tbf rate 4mbit burst 5000b latency 200ms',
        'filter add dev eth0 parent fa1: protocol all prio 2 u32 match u32 0 0 flowid fa1:2',
        'EOF',
      ].join('\n'),
    ]);
    expect(reverts).toEqual(['nsenter -n tc qdisc del dev eth0 root handle fa1:']);
  });

  it('refuses an argument tc would split or read as a comment, and reads the failing line', () => {
    expect(() => batchInput([['qdisc', 'add', 'dev', 'eth 0']])).toThrow('cannot go into a tc batch');
    expect(() => batchInput([['qdisc', 'add', 'dev', 'x#y']])).toThrow('cannot go into a tc batch');
    expect(failedLine('Warning: x\nError: y\nCommand failed -:12\n')).toBe(12);
    expect(failedLine('Usage: tc')).toBeUndefined();
  });
});
