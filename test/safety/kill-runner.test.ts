import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../support/containers.js';
import {
  type CliProcess,
  faultlineTraces,
  freshStateDir,
  type LedgerEntry,
  ledgerOf,
  locksIn,
  openFaults,
  recoverWith,
  report,
  runStarter,
  SafetyLab,
  statusOf,
  watchdogFinished,
} from '../support/safety.js';

/**
 * `kill -9` of the run at every point of a run that uses container and network faults together: the
 * run's watchdog must put Docker, iptables and tc back exactly as they were within a bounded time
 * (measured from the kill; a few hundred ms on an idle host), and record every revert in the ledger.
 * When the watchdog is killed too, `faultline recover` does it.
 */
const lab = new SafetyLab(uniquePrefix('safety-kill'));
const TEN = Array.from({ length: 10 }, (_, index) => `t${index}`);
const startRun = runStarter();
/** The containers each scenario faults, compared before and after (a scenario on `t` faults all ten). */
const ABC = ['a', 'b', 'c'].map((name) => lab.name(name));
const TEN_AND_PEER = [...TEN, 'peer'].map((name) => lab.name(name));
const SOLO_AND_PEER = ['solo', 'peer'].map((name) => lab.name(name));

const ALWAYS = ['hypothesis:', '  - name: always', '    command: ["true"]', '    every: 200ms'].join('\n');

/** pause + partition + bandwidth (both ways, so the ingress ifb device too), all at once. */
const parallel = (duration: string) =>
  [
    ALWAYS,
    'method:',
    '  - parallel:',
    `      - pause: { target: { service: a }, duration: ${duration} }`,
    `      - partition: { groups: [[{ service: b }], [{ service: c }]], duration: ${duration} }`,
    `      - bandwidth: { target: { service: c }, rate: 1mbit, direction: both, duration: ${duration} }`,
  ].join('\n');

/** The same faults one after another: the pause is over, the partition and bandwidth are held. */
const sequence = [
  ALWAYS,
  'method:',
  '  - pause: { target: { service: a }, duration: 300ms }',
  '  - partition: { groups: [[{ service: b }], [{ service: c }]] }',
  '  - bandwidth: { target: { service: c }, rate: 1mbit, direction: both, duration: 30s }',
].join('\n');

/** pause, one-way partition and bandwidth on every container of a service (10 of them, or 1). */
const manyTargets = (service: string, duration: string, withBandwidth = true) =>
  [
    ALWAYS,
    'method:',
    '  - parallel:',
    `      - pause: { target: { service: ${service} }, duration: ${duration} }`,
    `      - partition: { groups: [[{ service: ${service} }], [{ service: peer }]], direction: one-way, duration: ${duration} }`,
    ...(withBandwidth
      ? [`      - bandwidth: { target: { service: ${service} }, rate: 1mbit, duration: ${duration} }`]
      : []),
  ].join('\n');

beforeAll(async () => {
  await lab.start([
    { name: 'a', service: 'a' },
    { name: 'b', service: 'b' },
    { name: 'c', service: 'c' },
    { name: 'peer', service: 'peer' },
    { name: 'solo', service: 'solo' },
    ...TEN.map((name) => ({ name, service: 't' })),
  ]);
});

afterAll(async () => {
  await lab.remove();
});

interface Killed {
  ledger: LedgerEntry[];
  /** From the SIGKILL to the last revert the watchdog recorded. */
  lastRevertMs: number;
}

/**
 * Runs the experiment, waits for `point`, SIGKILLs the run, and checks what a user would: the
 * watchdog ended the run, and every lab container is exactly as before (Docker state, iptables, tc).
 */
async function killAt(
  experiment: string,
  point: (run: CliProcess) => Promise<void>,
  names: readonly string[] = ABC,
  killPoint?: string,
): Promise<Killed> {
  const stateDir = await freshStateDir();
  const file = await lab.experiment(experiment);
  const before = await lab.snapshot(names);
  const env = killPoint ? { FAULTLINE_TEST_KILL_AT: killPoint } : {};
  const { run, watchdogPid, runId } = await startRun(['run', file], stateDir, env);
  await point(run);

  // A run armed with a kill point kills itself there; otherwise the test kills it now.
  const killedAt = killPoint ? Date.now() : run.kill('SIGKILL');
  expect((await run.finished).signal).toBe('SIGKILL');
  const { ledger, lastRevertMs } = await watchdogFinished(stateDir, runId, watchdogPid, killedAt);

  expect(await lab.snapshot(names)).toEqual(before);
  expect(openFaults(ledger)).toEqual([]);
  expect(ledger.at(-1)).toMatchObject({ type: 'end', outcome: 'recovered-by-watchdog' });
  expect(await statusOf(stateDir)).toBe('no active run');
  expect(locksIn(stateDir)).toEqual([]);
  const log = await readFile(path.join(stateDir, 'runs', `${runId}.watchdog.log`), 'utf8');
  expect(log).toMatch(new RegExp(`the run \\(pid ${run.pid}\\) is gone without finishing`));
  return { ledger, lastRevertMs };
}

const intents = (ledger: LedgerEntry[]) => ledger.filter((entry) => entry.type === 'intent');
const byWatchdog = (ledger: LedgerEntry[], status?: string) =>
  ledger.filter(
    (entry) =>
      entry.type === 'reverted' &&
      entry.by === 'watchdog' &&
      (status === undefined || entry.status === status),
  );

describe('SIGKILL of the run: the watchdog reverts everything', () => {
  it('during the baseline: nothing was injected, the watchdog ends the run and frees the containers', async () => {
    const slowBaseline = parallel('30s').replace(
      '    command: ["true"]\n',
      '    command: ["sleep", "3"]\n    when: [before]\n    timeout: 10s\n',
    );
    const killed = await killAt(slowBaseline, async (run) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(run.text).not.toMatch(/before {3}ok/);
    });
    expect(intents(killed.ledger)).toEqual([]);
    expect(killed.lastRevertMs).toBeLessThan(2000);
    report('kill during baseline', { 'watchdog done (ms)': killed.lastRevertMs });
  });

  it('between targets while injecting into 10 containers (pause, partition and bandwidth)', async () => {
    const partitions = (run: CliProcess) => run.injected.filter((line) => /iptables rule/.test(line.text));
    let seen = { all: 0, partitions: 0 };
    const killed = await killAt(
      manyTargets('t', '30s'),
      async (run) => {
        await run.waitForLine(/ {3}inject .*iptables rule/);
        seen = { all: run.injected.length, partitions: partitions(run).length };
      },
      TEN_AND_PEER,
    );
    // Every fault was announced before its first change, and the watchdog undid each of them.
    const announced = intents(killed.ledger);
    expect(announced.length).toBeGreaterThanOrEqual(seen.all);
    expect(announced.filter((entry) => entry.kind === 'pause')).toHaveLength(10);
    // One record per fault, and a second for a fault whose call landed after the watchdog's first look.
    expect(new Set(byWatchdog(killed.ledger).map((entry) => entry.faultId)).size).toBe(announced.length);
    expect(byWatchdog(killed.ledger, 'reverted').length).toBeGreaterThanOrEqual(seen.all);
    expect(killed.lastRevertMs).toBeLessThan(5000);
    report('kill between targets (10 containers, up to 30 faults)', {
      'reported injected': seen.all,
      'partitions reported': seen.partitions,
      announced: announced.length,
      'found in place by the watchdog': byWatchdog(killed.ledger, 'reverted').length,
      'last revert (ms)': killed.lastRevertMs,
    });
  });

  it('while holding parallel faults: a pause, a partition and a bandwidth limit (both ways)', async () => {
    const killed = await killAt(parallel('30s'), async (run) => {
      await run.waitForInjected(4);
      // The faults really are in place at the moment of the kill.
      const held = await lab.snapshot([lab.name('a'), lab.name('b'), lab.name('c')]);
      expect(held[lab.name('a')]!.docker).toContain('paused=true');
      expect(faultlineTraces(held[lab.name('b')]!).join('\n')).toMatch(/-A OUTPUT .* -j FL-/);
      expect(faultlineTraces(held[lab.name('c')]!).join('\n')).toMatch(/qdisc htb fa1:[\s\S]*flin-eth0/);
    });
    expect(byWatchdog(killed.ledger, 'reverted')).toHaveLength(4);
    expect(killed.lastRevertMs).toBeLessThan(2000);
    report('kill while holding (parallel, 3 containers, 4 faults)', {
      'last revert (ms)': killed.lastRevertMs,
    });
  });

  it('while holding faults injected in sequence (the pause already reverted by the run)', async () => {
    const killed = await killAt(sequence, async (run) => {
      await run.waitForInjected(4);
      expect(run.text).toMatch(/revert {3}\S+-a: unpaused/);
    });
    expect(killed.ledger.filter((entry) => entry.type === 'reverted' && entry.by === 'run')).toEqual([
      expect.objectContaining({ faultId: 'pause-1', status: 'reverted' }),
    ]);
    expect(byWatchdog(killed.ledger, 'reverted')).toHaveLength(3);
    expect(killed.lastRevertMs).toBeLessThan(2000);
  });

  it('while reverting: killed as the second revert starts (the first in flight), the watchdog finishes the rest', async () => {
    const killed = await killAt(
      manyTargets('t', '1s', false),
      (run) => run.finished.then(() => {}),
      TEN_AND_PEER,
      'revert-started#2',
    );
    const byRun = killed.ledger.filter((entry) => entry.type === 'reverted' && entry.by === 'run');
    // The kill really landed in the middle of the revert: the watchdog found faults still in place.
    expect(byWatchdog(killed.ledger, 'reverted').length).toBeGreaterThan(0);
    expect(killed.lastRevertMs).toBeLessThan(4000);
    report('kill while reverting (20 faults on 10 containers)', {
      'reverted by the run': byRun.length,
      'left to the watchdog': byWatchdog(killed.ledger).length,
      'of which still in place': byWatchdog(killed.ledger, 'reverted').length,
      'last revert (ms)': killed.lastRevertMs,
    });
  });

  it('time from the kill to the last fault reverted, with 1 and with 10 targets (pause + partition)', async () => {
    const times: Record<string, number> = {};
    for (const [service, count, names, boundMs] of [
      ['solo', 1, SOLO_AND_PEER, 2000],
      ['t', 10, TEN_AND_PEER, 4000],
    ] as const) {
      const killed = await killAt(
        manyTargets(service, '30s', false),
        (run) => run.waitForInjected(2 * count),
        names,
      );
      expect(byWatchdog(killed.ledger, 'reverted')).toHaveLength(2 * count);
      expect(killed.lastRevertMs).toBeLessThan(boundMs);
      times[`${count} target(s)`] = killed.lastRevertMs;
    }
    report('SIGKILL -> last fault reverted by the watchdog (ms)', times);
  });
});

describe('SIGKILL of the watchdog and then of the run', () => {
  it('leaves the faults in place until `faultline recover` reverts them all; a second recover finds nothing', async () => {
    const stateDir = await freshStateDir();
    const file = await lab.experiment(parallel('30s'));
    const before = await lab.snapshot(ABC);
    const { run, watchdogPid, runId } = await startRun(['run', file], stateDir);
    await run.waitForInjected(4);

    process.kill(watchdogPid, 'SIGKILL');
    run.kill('SIGKILL');
    await run.finished;
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Nobody reverted anything: the faults are there, and `status` says who left them.
    const held = await lab.snapshot(ABC);
    expect(held[lab.name('a')]!.docker).toContain('paused=true');
    expect(faultlineTraces(held[lab.name('b')]!).join('\n')).toContain(`FL-${runId}-partition`);
    expect(faultlineTraces(held[lab.name('c')]!).join('\n')).toContain('qdisc htb fa1:');
    expect(openFaults(ledgerOf(stateDir, runId))).toHaveLength(4);
    const status = await statusOf(stateDir);
    expect(status).toContain(`run ${runId} died (pid ${run.pid} is gone) and left 4 fault(s)`);
    expect(status).toContain('run `faultline recover` to revert them');

    const recovered = await recoverWith(stateDir, [lab.prefix, runId]);
    expect(recovered.exitCode, recovered.output).toBe(recovered.foreignFailures.length > 0 ? 4 : 0);
    expect(recovered.ours.filter((line) => !line.startsWith('reverted'))).toEqual([]);
    expect(recovered.ours.join('\n')).toMatch(/reverted +pause on \S+-a /);
    expect(recovered.ours.join('\n')).toMatch(/reverted +bandwidth on \S+-c /);
    expect(recovered.ours.join('\n').match(/reverted +partition on/g)).toHaveLength(2);
    expect(await lab.snapshot(ABC)).toEqual(before);
    expect(openFaults(ledgerOf(stateDir, runId))).toEqual([]);
    expect(ledgerOf(stateDir, runId).at(-1)).toMatchObject({ type: 'end', outcome: 'recovered' });
    expect(await statusOf(stateDir)).toBe('no active run');
    expect(locksIn(stateDir)).toEqual([]);

    const again = await recoverWith(stateDir, [lab.prefix, runId]);
    expect(again.exitCode, again.output).toBe(again.foreignFailures.length > 0 ? 4 : 0);
    expect(again.ours).toEqual([]);
    expect(await lab.snapshot(ABC)).toEqual(before);
  });
});
