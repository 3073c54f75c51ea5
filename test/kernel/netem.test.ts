import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GuestResult, Scenario, TcpBulk, Transition, UdpProbe } from './support/guest-result.js';
import { binomialRange, fmt, pct, within } from './support/stats.js';
import { processGroupAlive, runInUml, type UmlRun } from './support/uml.js';

/**
 * faultline's tc plan (dist/network/tc-plan.js, built by `npm run build`) on a real kernel that has
 * netem: Debian's user-mode-linux, booted once for the whole file. Inside it, the guest script builds
 * three network namespaces on a bridge (a 10.77.0.1, b 10.77.0.2, c 10.77.0.3), applies the exact
 * commands the plan computes on a's interface va, measures traffic from a, reverts, and measures again.
 * Each test below judges one scenario of its result and prints the numbers.
 */
const GUEST = fileURLToPath(new URL('./guest/netem-scenarios.mjs', import.meta.url));
const MODULES = [
  'veth',
  'bridge',
  'sch_htb',
  'sch_netem',
  'sch_tbf',
  'cls_u32',
  'ifb',
  'sch_ingress',
  'act_mirred',
];
const GUEST_TIMEOUT_S = 200;

/** Round trips are judged on their median; a delay must land within 20% of what was asked. */
const DELAY_TOLERANCE = 0.2;
const BASELINE_RTT_MS = 5;
const RATE_TOLERANCE = 0.2;

let workdir = '';
let run: UmlRun | undefined;
let result: GuestResult;
let netnsBefore: string[] = [];
let failed = false;

function hostNetns(): string[] {
  try {
    return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
  } catch {
    return [];
  }
}

beforeAll(
  async () => {
    netnsBefore = hostNetns();
    workdir = await mkdtemp(join(tmpdir(), 'faultline-kernel-'));
    run = await runInUml({
      script: GUEST,
      workdir,
      modules: MODULES,
      timeoutSeconds: GUEST_TIMEOUT_S,
      memory: '512M',
    });
    result = JSON.parse(await readFile(join(workdir, 'result.json'), 'utf8')) as GuestResult;
    log(
      'run',
      `kernel ${result.kernel}, guest script ${fmt(result.totalMs / 1000)} s, whole run ${fmt(run.durationMs / 1000)} s`,
    );
  },
  (GUEST_TIMEOUT_S + 40) * 1000,
);

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => {
    failed = true;
  });
});

afterAll(async () => {
  if (!workdir) return;
  if (failed || !run) {
    console.log(`[kernel] kept ${workdir} (result.json, guest.log, console.log) for inspection`);
  } else {
    await rm(workdir, { recursive: true, force: true });
  }
});

// -------------------------------------------------------------------------------------------------
// Helpers
// -------------------------------------------------------------------------------------------------
function log(name: string, line: string): void {
  console.log(`[kernel] ${name}: ${line}`);
}

function scenario(name: string): Scenario {
  expect(result.fatal, 'the guest script failed').toBeUndefined();
  const found = result.scenarios[name];
  if (!found) throw new Error(`scenario ${name} did not run (see result.json in ${workdir})`);
  expect(found.error, `scenario ${name} threw in the guest`).toBeUndefined();
  return found;
}

function describeTransition(transition: Transition): string {
  const lines = transition.commands.map(
    (command) => `  ${command.exitCode === 0 ? 'ok  ' : 'FAIL'} ${command.argv.join(' ')}`,
  );
  if (transition.failed) lines.push(`  tc said: ${transition.failed.stderr}`);
  return `${transition.label}:\n${lines.join('\n')}`;
}

/** The named transition ran every command successfully. */
function succeeded(found: Scenario, label: string): Transition {
  const transition = found.transitions.find((candidate) => candidate.label === label);
  if (!transition) throw new Error(`scenario ${found.name} has no transition ${label}`);
  expect(
    transition.failed,
    `the kernel refused a command of ${found.name}\n${describeTransition(transition)}`,
  ).toBeNull();
  return transition;
}

function udp(found: Scenario, key: string): UdpProbe {
  const probe = found.udp[key];
  if (!probe) throw new Error(`scenario ${found.name} has no measurement ${key}`);
  return probe;
}

function tcp(found: Scenario, key: string): TcpBulk {
  const bulk = found.tcp[key];
  if (!bulk) throw new Error(`scenario ${found.name} has no transfer ${key}`);
  return bulk;
}

/** The median round trip of the samples during which the guest never stood still. */
function median(probe: UdpProbe): number {
  expect(
    probe.rttSteady.n,
    `too few undisturbed samples to judge (${probe.host}:${probe.port})`,
  ).toBeGreaterThanOrEqual(20);
  return probe.rttSteady.median!;
}

function rtt(probe: UdpProbe): string {
  const steady = probe.rttSteady;
  return (
    `median ${fmt(steady.median, 2)} ms (p10 ${fmt(steady.p10, 2)}, p90 ${fmt(steady.p90, 2)}, min ${fmt(probe.rtt.min, 2)}; ` +
    `${steady.n}/${probe.received} undisturbed, all-sample median ${fmt(probe.rtt.median, 2)})`
  );
}

const baselineMedian = (peer: 'b' | 'bOther' | 'c' = 'b') => median(result.baseline.udp[peer]);

/** The probe's median round trip is the baseline's plus `expected` ms, within 20%; none came back sooner. */
function expectDelayed(name: string, probe: UdpProbe, expected: number, baseline = baselineMedian()): void {
  const added = median(probe) - baseline;
  log(name, `to ${probe.host}:${probe.port} adds ${fmt(added)} ms (asked ${expected}): ${rtt(probe)}`);
  expect(Math.abs(added - expected)).toBeLessThanOrEqual(expected * DELAY_TOLERANCE);
}

function expectUndelayed(name: string, probe: UdpProbe): void {
  log(name, `to ${probe.host}:${probe.port} unaffected: ${rtt(probe)}, lost ${probe.lost}`);
  expect(median(probe)).toBeLessThan(BASELINE_RTT_MS);
  expect(probe.lost).toBe(0);
}

/** A share observed over `n` trials lies in the 99.9% binomial range around `p`. */
function expectShare(name: string, what: string, observed: number, n: number, p: number): void {
  const range = binomialRange(p, n);
  log(
    name,
    `${what} ${pct(observed)} of ${n} (expected ${pct(p)}, 99.9% range ${pct(range[0])}-${pct(range[1])})`,
  );
  expect(within(observed, range), `${what} ${pct(observed)} outside ${pct(range[0])}-${pct(range[1])}`).toBe(
    true,
  );
}

function expectLoss(name: string, probe: UdpProbe, p: number): void {
  expectShare(name, `lost to ${probe.host}`, probe.lossRate, probe.sent, p);
}

/** faultline's own revert put the device back exactly as it was, and traffic is back to normal. */
function expectReverted(found: Scenario, after = 'after'): void {
  succeeded(found, 'revert');
  expect(
    found.cleanup,
    `after ${found.name}, faultline's revert left: ${found.cleanup?.qdisc}`,
  ).toBeUndefined();
  expect(found.tc[after]?.qdisc).toBe(result.baseline.tc.qdisc);
  const probe = udp(found, after);
  log(found.name, `after revert: ${rtt(probe)}, lost ${probe.lost}`);
  expect(median(probe)).toBeLessThan(BASELINE_RTT_MS);
  expect(probe.lost).toBe(0);
}

function mbit(bulk: TcpBulk): number {
  return (bulk.bitsPerSecond ?? 0) / 1e6;
}

function expectBandwidth(name: string, bulk: TcpBulk, mbitPerSecond: number): void {
  log(
    name,
    `TCP ${bulk.received} bytes in ${fmt(bulk.ms)} ms: ${fmt(mbit(bulk), 3)} Mbit/s at the receiver (asked ${mbitPerSecond})`,
  );
  expect(bulk.received).toBe(bulk.bytes);
  expect(Math.abs(mbit(bulk) - mbitPerSecond)).toBeLessThanOrEqual(mbitPerSecond * RATE_TOLERANCE);
}

// -------------------------------------------------------------------------------------------------
// Scenarios
// -------------------------------------------------------------------------------------------------
describe('faultline tc plan on a real kernel with netem (user-mode-linux)', () => {
  it('baseline: the kernel default qdisc, round trips under 5 ms, no loss, fast TCP', () => {
    expect(result.fatal).toBeUndefined();
    const { tc, udp: probes, tcp: bulk } = result.baseline;
    log('baseline', `tc qdisc show dev va: ${tc.qdisc.trim()}`);
    expect(tc.qdisc).toMatch(/^qdisc noqueue 0: root/);
    for (const probe of [probes.b, probes.bOther, probes.c]) expectUndelayed('baseline', probe);
    log('baseline', `TCP ${fmt(mbit(bulk))} Mbit/s`);
    expect(mbit(bulk)).toBeGreaterThan(10);
  });

  it('delay 100ms adds 100 ms to the round trip, never less; revert restores the baseline', () => {
    const found = scenario('delay');
    succeeded(found, 'apply');
    expect(found.tc.during?.qdisc).toMatch(/netem a02: parent fa1:2 .*delay 100ms/);
    const during = udp(found, 'during');
    expectDelayed('delay', during, 100);
    expect(during.rtt.min).toBeGreaterThanOrEqual(99.9);
    expect(during.lost).toBe(0);
    expectReverted(found);
  });

  it('delay 100ms with 20ms jitter: the same median, a much wider spread', () => {
    const found = scenario('delay-jitter');
    const plain = udp(scenario('delay'), 'during').rttSteady;
    succeeded(found, 'apply');
    const during = udp(found, 'during');
    expectDelayed('delay-jitter', during, 100);
    const spread = during.rttSteady.p90! - during.rttSteady.p10!;
    const plainSpread = plain.p90! - plain.p10!;
    log('delay-jitter', `p10-p90 spread ${fmt(spread)} ms (without jitter ${fmt(plainSpread)} ms)`);
    expect(spread).toBeGreaterThanOrEqual(20);
    expect(spread).toBeGreaterThan(plainSpread + 15);
    expect(during.rtt.min).toBeGreaterThanOrEqual(79.9);
    expectReverted(found);
  });

  it('loss 30%: the share of lost probes is within the binomial range', () => {
    const found = scenario('loss');
    succeeded(found, 'apply');
    expectLoss('loss', udp(found, 'during'), 0.3);
    expectReverted(found);
  });

  it('duplicate 50%: about half the requests are answered twice', () => {
    const found = scenario('duplicate');
    succeeded(found, 'apply');
    const during = udp(found, 'during');
    expect(during.lost).toBe(0);
    expectShare('duplicate', 'answered twice', during.duplicatedIds / during.received, during.received, 0.5);
    expectReverted(found);
  });

  // netem flips one random bit of the frame, after completing its checksum. The receiver's IP or UDP
  // checksum catches the flip unless it is in the Ethernet source address or the group bit of the
  // destination (49 of the frame's bits): those frames arrive intact. So the visible loss is 30% of
  // the probes times the share of bits a checksum covers, and b's checksum error counters account for it.
  it('corrupt 30%: corrupted probes fail the checksum at b and are dropped', () => {
    const found = scenario('corrupt');
    succeeded(found, 'apply');
    const during = udp(found, 'during');
    const frameBits = (14 + 20 + 8 + during.size) * 8;
    expectLoss('corrupt', during, 0.3 * (1 - 49 / frameBits));
    const before = found.counters.before!;
    const after = found.counters.after!;
    const delta = (group: string, name: string) => (after[group]?.[name] ?? 0) - (before[group]?.[name] ?? 0);
    const udpChecksum = delta('Udp', 'InCsumErrors');
    const ipHeader = delta('Ip', 'InHdrErrors');
    log(
      'corrupt',
      `b counted ${udpChecksum} UDP checksum errors and ${ipHeader} bad IP headers for ${during.lost} lost`,
    );
    expect(during.altered).toBe(0);
    expect(udpChecksum + ipHeader).toBeLessThanOrEqual(during.lost);
    expect(udpChecksum + ipHeader).toBeGreaterThanOrEqual(0.9 * during.lost);
    expectReverted(found);
  });

  it('reorder 25% with delay 50ms: a quarter of the probes overtake the delayed ones', () => {
    const found = scenario('reorder');
    succeeded(found, 'apply');
    const during = udp(found, 'during');
    const answered = during.rtts.filter((value): value is number => value !== null);
    // Sent at once or after 50 ms: 40 ms separates the two even when the guest briefly stood still.
    const fast = answered.filter((value) => value < 40).length;
    log('reorder', `${during.reordered} of ${during.received} replies arrived after a later one`);
    expect(during.lost).toBe(0);
    expect(during.reordered).toBeGreaterThan(0.25 * during.received);
    expectShare('reorder', 'sent without delay', fast / answered.length, answered.length, 0.25);
    expectReverted(found);
  });

  it('rate 1mbit (tbf): a bulk TCP transfer runs at 1 Mbit/s; revert restores full speed', () => {
    const found = scenario('bandwidth');
    succeeded(found, 'apply');
    expect(found.tc.during?.qdisc).toMatch(/tbf b02: parent fa1:2 rate 1Mbit/);
    expectBandwidth('bandwidth', tcp(found, 'during'), 1);
    const after = tcp(found, 'after');
    log('bandwidth', `after revert TCP ${fmt(mbit(after))} Mbit/s`);
    expect(mbit(after)).toBeGreaterThan(10);
    expectReverted(found);
  });

  it('delay and rate on one scope: one band, tbf under netem, both effects', () => {
    const found = scenario('delay-and-bandwidth');
    succeeded(found, 'apply');
    expect(found.bands).toHaveLength(1);
    expect(found.tc.during?.qdisc).toMatch(/tbf b02: parent a02:1 rate 1Mbit/);
    expectDelayed('delay-and-bandwidth', udp(found, 'during'), 50);
    expectBandwidth('delay-and-bandwidth', tcp(found, 'during'), 1);
    expectReverted(found);
  });

  it('a peer scope (10.77.0.2/32) delays traffic to b and not to c', () => {
    const found = scenario('scope-peer');
    succeeded(found, 'apply');
    expectDelayed('scope-peer', udp(found, 'during'), 100);
    expectUndelayed('scope-peer', udp(found, 'duringC'));
    expectReverted(found);
  });

  it('a peer and port scope (10.77.0.2/32, udp 7001) delays only that port of b', () => {
    const found = scenario('scope-peer-port');
    succeeded(found, 'apply');
    expectDelayed('scope-peer-port', udp(found, 'during'), 100);
    expectUndelayed('scope-peer-port', udp(found, 'duringOtherPort'));
    expectUndelayed('scope-peer-port', udp(found, 'duringC'));
    expectReverted(found);
  });

  it('a port scope without peers (udp 7001 to anyone) applies and delays only that port', () => {
    const found = scenario('scope-port');
    expectReverted(found);
    succeeded(found, 'apply');
    expectDelayed('scope-port', udp(found, 'during'), 100);
    expectUndelayed('scope-port', udp(found, 'duringOtherPort'));
  });

  it('composition: delay and loss on one scope share one netem; each reverts on its own', () => {
    const found = scenario('composition');
    succeeded(found, 'apply');
    expect(found.bands).toHaveLength(1);
    expect(found.tc.during?.qdisc).toMatch(/netem a02: parent fa1:2 .*delay 100ms loss 30%/);
    const during = udp(found, 'during');
    expectDelayed('composition', during, 100);
    expectLoss('composition', during, 0.3);

    // Removing the loss replaces the band's netem; its class and filters stay.
    const removeLoss = succeeded(found, 'remove-loss');
    expect(removeLoss.commands.map((command) => command.argv.slice(0, 3).join(' '))).toEqual([
      'tc qdisc del',
      'tc qdisc add',
    ]);
    expect(found.tc.delayOnly?.filters).toBe(found.tc.during?.filters);
    expect(found.tc.delayOnly?.qdisc).not.toMatch(/loss/);
    const delayOnly = udp(found, 'delayOnly');
    expectDelayed('composition (loss removed)', delayOnly, 100);
    log('composition (loss removed)', `lost ${delayOnly.lost} of ${delayOnly.sent}`);
    expect(delayOnly.lost).toBe(0);
    expectReverted(found);
  });

  it('two bands (delay to b, loss to c) apply together and revert one at a time', () => {
    const found = scenario('two-bands');
    succeeded(found, 'apply');
    expect(found.bands?.map((band) => band.band)).toEqual([2, 3]);
    const toB = udp(found, 'during');
    expectDelayed('two-bands', toB, 100);
    expect(toB.lost).toBe(0);
    const toC = udp(found, 'duringC');
    expectLoss('two-bands', toC, 0.3);
    log('two-bands', `to c: ${rtt(toC)}`);
    expect(median(toC)).toBeLessThan(BASELINE_RTT_MS);

    succeeded(found, 'remove-b');
    expect(found.tc.cOnly?.qdisc).not.toMatch(/a02:/);
    expectUndelayed('two-bands (b removed)', udp(found, 'cOnly'));
    expectLoss('two-bands (b removed)', udp(found, 'cOnlyC'), 0.3);
    expectReverted(found);
    expectUndelayed('two-bands (after revert)', udp(found, 'afterC'));
  });

  it('a duplicating netem beside another netem band: what the kernel does, and the revert still restores', () => {
    const found = scenario('duplicate-beside-delay');
    const apply = found.transitions.find((transition) => transition.label === 'apply')!;
    if (apply.failed) {
      // Recent kernels (stable updates of 2025 on; this 6.1 among them) refuse a duplicating netem in a
      // tree that has another netem, whatever the classes between them.
      log(
        'duplicate-beside-delay',
        `the kernel refused: ${apply.failed.argv.join(' ')} -> ${apply.failed.stderr}`,
      );
      expect(apply.failed.stderr).toMatch(/duplicating netems/);
    } else {
      log('duplicate-beside-delay', 'the kernel accepted both bands');
      expectDelayed('duplicate-beside-delay', udp(found, 'during'), 100);
      const toC = udp(found, 'duringC');
      const twice = toC.duplicatedIds / toC.received;
      expectShare('duplicate-beside-delay', 'answered twice', twice, toC.received, 0.5);
    }
    expectReverted(found);
  });

  it('ingress: an ifb device carries incoming traffic; a delay on replies from b spares c', () => {
    const found = scenario('ingress');
    succeeded(found, 'ingress-setup');
    succeeded(found, 'apply');
    expect(found.tc.during?.qdisc).toMatch(/qdisc ingress ffff:/);
    expect(found.tc.duringIfb?.qdisc).toMatch(/netem a02: parent fa1:2 .*delay 100ms/);
    expectDelayed('ingress', udp(found, 'during'), 100);
    expectUndelayed('ingress', udp(found, 'duringC'));
    succeeded(found, 'ingress-teardown');
    expect(found.ifbAfter).toBe(false);
    expectReverted(found);
  });

  it('leaves nothing behind: the kernel and its processes are gone, no host network namespace added', () => {
    expect(run?.pid).toBeDefined();
    expect(processGroupAlive(run!.pid!)).toBe(false);
    expect(hostNetns()).toEqual(netnsBefore);
  });
});
