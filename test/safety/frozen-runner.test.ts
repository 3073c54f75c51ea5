import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix, waitFor } from '../support/containers.js';
import {
  type CliProcess,
  type ContainerSnapshot,
  faultlineTraces,
  freshStateDir,
  type LedgerEntry,
  ledgerOf,
  openFaults,
  processGone,
  report,
  SafetyLab,
  startFaultline,
  statusOf,
} from '../support/safety.js';

/**
 * A run that is alive but stuck (here: frozen with SIGSTOP) still holds its lease, so only the
 * deadlines protect the system: each fault is reverted by the watchdog at the end of its duration
 * plus 5 s, or at `--max-hold`, whichever comes first, while the run stays frozen.
 */
const lab = new SafetyLab(uniquePrefix('safety-frozen'));
const started: CliProcess[] = [];

beforeAll(async () => {
  await lab.start([
    { name: 'a', service: 'a' },
    { name: 'b', service: 'b' },
    { name: 'c', service: 'c' },
  ]);
});

afterEach(() => {
  for (const run of started.splice(0)) {
    if (processGone(run.pid)) continue;
    run.kill('SIGCONT');
    run.kill('SIGKILL');
  }
});

afterAll(async () => {
  await lab.remove();
});

const faults = (duration: string) =>
  [
    'hypothesis:',
    '  - name: always',
    '    command: ["true"]',
    'method:',
    '  - parallel:',
    `      - pause: { target: { service: a }, duration: ${duration} }`,
    `      - partition: { groups: [[{ service: b }], [{ service: c }]], duration: ${duration} }`,
    `      - bandwidth: { target: { service: c }, rate: 1mbit, duration: ${duration} }`,
  ].join('\n');

/** The same faults held until the method ends, and a method that goes on for a minute. */
const heldFaults = [
  'hypothesis:',
  '  - name: always',
  '    command: ["true"]',
  'method:',
  '  - parallel:',
  '      - pause: { target: { service: a } }',
  '      - partition: { groups: [[{ service: b }], [{ service: c }]] }',
  '      - bandwidth: { target: { service: c }, rate: 1mbit }',
  '  - wait: 60s',
].join('\n');

/** Whether every lab container is back to its snapshot. */
async function restored(before: Record<string, ContainerSnapshot>): Promise<boolean> {
  return JSON.stringify(await lab.snapshot()) === JSON.stringify(before);
}

/** Starts a run, waits until its 4 faults are in place, checks they are, and freezes it. */
async function startAndFreeze(experiment: string, args: string[] = []) {
  const stateDir = await freshStateDir();
  const before = await lab.snapshot();
  const run = startFaultline(['run', await lab.experiment(experiment), ...args], stateDir);
  started.push(run);
  const runId = await run.runId();
  await run.waitForInjected(4);
  const frozenAt = run.kill('SIGSTOP');
  const held = await lab.snapshot();
  expect(held[lab.name('a')]!.docker).toContain('paused=true');
  expect(faultlineTraces(held[lab.name('b')]!).join('\n')).toContain(`FL-${runId}-partition`);
  expect(faultlineTraces(held[lab.name('c')]!).join('\n')).toContain('qdisc htb fa1:');
  return { stateDir, before, run, runId, frozenAt };
}

/** For each fault: ms from its announcement to the watchdog's revert, and to its deadline. */
function timings(ledger: LedgerEntry[]) {
  return ledger
    .filter((entry) => entry.type === 'intent')
    .map((intent) => {
      const revert = ledger.find(
        (entry) => entry.type === 'reverted' && entry.faultId === intent.faultId && entry.by === 'watchdog',
      );
      const at = Date.parse(intent.at!);
      return {
        fault: intent.faultId!,
        deadlineMs: intent.deadline! - at,
        revertedMs: revert ? Date.parse(revert.at!) - at : undefined,
        status: revert?.status,
      };
    });
}

describe('a run that is alive but frozen', () => {
  it('has its faults reverted by the watchdog at duration + 5 s, while it stays frozen', async () => {
    const { stateDir, before, run, runId } = await startAndFreeze(faults('1s'));

    await waitFor('the watchdog to revert the faults', () => restored(before), 12_000);
    const ledger = ledgerOf(stateDir, runId);
    expect(openFaults(ledger)).toEqual([]);
    const times = timings(ledger);
    for (const time of times) {
      expect(time.deadlineMs).toBeGreaterThanOrEqual(6000);
      expect(time.deadlineMs).toBeLessThan(6100);
      expect(time.status).toBe('reverted');
      // Not before its deadline, and within a second after it.
      expect(time.revertedMs).toBeGreaterThanOrEqual(6000);
      expect(time.revertedMs).toBeLessThan(7000);
    }
    expect(processGone(run.pid)).toBe(false);
    expect(await statusOf(stateDir)).toMatch(new RegExp(`^run ${runId} pid ${run.pid}`));
    report('frozen run, duration 1s: announcement -> watchdog revert (ms)', {
      ...Object.fromEntries(times.map((time) => [time.fault, time.revertedMs!])),
    });

    // Thawed, the run finds its faults gone, says who reverted them, and ends with nothing left.
    run.kill('SIGCONT');
    const finished = await run.finished;
    expect(finished.exitCode, run.text).toBe(0);
    expect(run.text).toContain('PASSED');
    expect(run.text).toMatch(/revert +\S+-a: reverted by the watchdog at /);
    expect(await lab.snapshot()).toEqual(before);
    expect(openFaults(ledgerOf(stateDir, runId))).toEqual([]);
    expect(await statusOf(stateDir)).toBe('no active run');
  });

  it('has its faults reverted at --max-hold; thawed, the run learns it and stops (exit 5), with the real hold', async () => {
    const { stateDir, before, run, runId } = await startAndFreeze(heldFaults, ['--max-hold', '2s']);

    await waitFor('the watchdog to revert the faults', () => restored(before), 8000);
    const times = timings(ledgerOf(stateDir, runId));
    for (const time of times) {
      expect(time.deadlineMs).toBe(2000);
      expect(time.status).toBe('reverted');
      expect(time.revertedMs).toBeGreaterThanOrEqual(2000);
      expect(time.revertedMs).toBeLessThan(3000);
    }
    report('frozen run, --max-hold 2s: announcement -> watchdog revert (ms)', {
      ...Object.fromEntries(times.map((time) => [time.fault, time.revertedMs!])),
    });

    run.kill('SIGCONT');
    const finished = await run.finished;
    // Not a pass: the faults did not last as the experiment says, and the run says why.
    expect(finished.exitCode, run.text).toBe(5);
    expect(run.text).toMatch(/reached max-hold \(2s\)/);
    expect(run.text).toMatch(/revert +\S+-a: reverted by the watchdog at /);
    expect(run.text).not.toContain('PASSED');
    expect(await lab.snapshot()).toEqual(before);
    expect(await statusOf(stateDir)).toBe('no active run');
  });

  it("has its faults reverted at the experiment file's safety.max-hold (documented beside --max-hold)", async () => {
    const { stateDir, before, run, runId } = await startAndFreeze(`safety: { max-hold: 2s }\n${heldFaults}`);
    const deadlines = timings(ledgerOf(stateDir, runId)).map((time) => time.deadlineMs);
    expect(deadlines).toEqual([2000, 2000, 2000, 2000]);
    await waitFor('the watchdog to revert the faults', () => restored(before), 8000);

    run.kill('SIGCONT');
    run.kill('SIGINT');
    expect([5, 130]).toContain((await run.finished).exitCode);
    expect(await lab.snapshot()).toEqual(before);
  });
});

describe('max-hold in a run that is not frozen', () => {
  it('the run itself reverts at max-hold and stops (exit 5); the report gives the real hold', async () => {
    const stateDir = await freshStateDir();
    const before = await lab.snapshot();
    const dir = await lab.experiment(heldFaults);
    const report = `${dir}.json`;
    const run = startFaultline(['run', dir, '--max-hold', '2s', '--report', `json=${report}`], stateDir);
    started.push(run);
    const finished = await run.finished;
    expect(finished.exitCode, run.text).toBe(5);
    expect(run.text).toMatch(/aborted by the hold limit: .* reached max-hold \(2s\) and was reverted/);
    const result = JSON.parse(await readFile(report, 'utf8')) as {
      runs: { faults: { injectedAt: string; revertedAt: string }[] }[];
    };
    // The first fault to reach the limit stops the run, so every fault is held at most max-hold
    // (the ones injected a little later a little less), and the longest hold is max-hold.
    const holds = result.runs[0]!.faults.map(
      (fault) => Date.parse(fault.revertedAt) - Date.parse(fault.injectedAt),
    );
    expect(Math.max(...holds)).toBeGreaterThanOrEqual(1950);
    for (const held of holds) expect(held).toBeLessThan(2600);
    expect(await lab.snapshot()).toEqual(before);
  });

  it('a fault whose duration is longer than max-hold is refused before anything is injected (exit 3)', async () => {
    const stateDir = await freshStateDir();
    const before = await lab.snapshot();
    const run = startFaultline(['run', await lab.experiment(faults('60s')), '--max-hold', '2s'], stateDir);
    started.push(run);
    const finished = await run.finished;
    expect(finished.exitCode, run.text).toBe(3);
    expect(run.text).toMatch(/method\[0\]\.parallel\[0\] pause lasts 1m, longer than max-hold \(2s\)/);
    expect(run.injected).toEqual([]);
    expect(await lab.snapshot()).toEqual(before);
  });
});
