import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTLINE_RUN_ID } from '../../src/docker/labels.js';
import type { KillPoint } from '../../src/util/kill-points.js';
import { uniquePrefix } from '../support/containers.js';
import { docker } from '../support/docker-cli.js';
import {
  type CliProcess,
  type ContainerSnapshot,
  faultlineTraces,
  freshStateDir,
  ledgerOf,
  locksIn,
  openFaults,
  processGone,
  recoverWith,
  report,
  SafetyLab,
  startFaultline,
  statusOf,
  watchdogFinished,
} from '../support/safety.js';

/**
 * The crash-point harness. For every fault kind, the run is SIGKILLed at every point of the fault's
 * life that the code names (src/util/kill-points.ts: armed by FAULTLINE_TEST_KILL_AT, so the kill
 * lands at a known step, not wherever a sleep happens to end): after the intent is on disk, while the
 * Docker call is in flight (a stop waiting out its grace, a kill waiting for a handled signal, a
 * restart), after part of a set of iptables rules or tc qdiscs, once injected, while held, while
 * reverting and during recovery; with targets that exit at once, ignore SIGTERM, exit slowly or restart
 * themselves. After each kill, once the watchdog is done, every target must be as it was before the run.
 */
const lab = new SafetyLab(uniquePrefix('crash'));
const started: CliProcess[] = [];

interface FaultCase {
  name: string;
  /** The method step; `{t}` and `{peer}` stand for this case's own services. */
  step: string;
  /** How the target behaves (the fixture backend's ON_SIGTERM, a restart policy). */
  target: { env?: Record<string, string>; restart?: string };
  /** Whether the step also touches the peer. */
  peer?: boolean;
  /** Container faults end with the container started again: a new process and namespace. */
  lifecycle: boolean;
  /** How long after the Docker call is sent the run dies (in flight), for container faults. */
  inFlightMs?: number;
}

/** Longer than any case's grace plus the Engine's SIGKILL: after it, nothing in flight can land. */
const QUIET_MS = 3500;

const IGNORES_SIGTERM = { env: { ON_SIGTERM: 'ignore' } };
const EXITS_SLOWLY = { env: { ON_SIGTERM: 'slow:1500' } };

const CASES: FaultCase[] = [
  {
    name: 'pause',
    step: 'pause: { target: { service: {t} }, duration: 1s }',
    target: {},
    lifecycle: false,
    inFlightMs: 5,
  },
  {
    name: 'kill (SIGKILL)',
    step: 'kill: { target: { service: {t} }, duration: 1s }',
    target: {},
    lifecycle: true,
    inFlightMs: 5,
  },
  {
    name: 'kill (SIGTERM, exits 1.5 s later)',
    step: 'kill: { target: { service: {t} }, signal: SIGTERM, duration: 1s }',
    target: EXITS_SLOWLY,
    lifecycle: true,
    inFlightMs: 300,
  },
  {
    name: 'kill (SIGTERM, ignored)',
    step: 'kill: { target: { service: {t} }, signal: SIGTERM, duration: 1s }',
    target: IGNORES_SIGTERM,
    lifecycle: true,
    inFlightMs: 300,
  },
  {
    name: 'stop (ignores SIGTERM, grace 2 s)',
    step: 'stop: { target: { service: {t} }, grace: 2s, duration: 1s }',
    target: IGNORES_SIGTERM,
    lifecycle: true,
    inFlightMs: 600,
  },
  {
    name: 'stop (exits slowly)',
    step: 'stop: { target: { service: {t} }, grace: 5s, duration: 1s }',
    target: EXITS_SLOWLY,
    lifecycle: true,
    inFlightMs: 300,
  },
  {
    name: 'restart (ignores SIGTERM, grace 2 s)',
    step: 'restart: { target: { service: {t} }, grace: 2s }',
    target: IGNORES_SIGTERM,
    lifecycle: true,
    inFlightMs: 600,
  },
  {
    name: 'kill (restarts itself)',
    step: 'kill: { target: { service: {t} }, duration: 1s }',
    target: { restart: 'always' },
    lifecycle: true,
    inFlightMs: 5,
  },
  {
    name: 'partition',
    step: 'partition: { groups: [[{ service: {t} }], [{ service: {peer} }]], duration: 1s }',
    target: {},
    peer: true,
    lifecycle: false,
  },
  {
    name: 'bandwidth (both ways)',
    step: 'bandwidth: { target: { service: {t} }, rate: 1mbit, direction: both, duration: 1s }',
    target: {},
    lifecycle: false,
  },
];

/** Each case has containers of its own, so the cases can run side by side. */
const service = (index: number, role: 't' | 'peer') => `c${index}${role}`;
const touched = (fault: FaultCase, index: number) =>
  [service(index, 't'), ...(fault.peer ? [service(index, 'peer')] : [])].map((name) => lab.name(name));

/** Every point of a fault's life, in order; `+ms` kills that long after the point (the run goes on). */
function pointsOf(fault: FaultCase): string[] {
  return [
    'intent-written',
    fault.inFlightMs === undefined ? 'netns-command-done' : `docker-call-sent+${fault.inFlightMs}`,
    'fault-injected',
    'fault-recorded+300',
    'revert-started',
    'revert-recorded',
    'recovery-started',
  ] satisfies `${KillPoint}${string}`[];
}

const ALWAYS = ['hypothesis:', '  - name: always', '    command: ["true"]', '    every: 200ms'].join('\n');

beforeAll(async () => {
  await lab.start([
    ...CASES.flatMap((fault, index) => [
      { name: service(index, 't'), service: service(index, 't'), ...fault.target },
      ...(fault.peer ? [{ name: service(index, 'peer'), service: service(index, 'peer') }] : []),
    ]),
    { name: 'plain', service: 'plain' },
    { name: 'peer', service: 'peer' },
  ]);
});

afterAll(async () => {
  // Cases run side by side: a run a failed case left running is stopped only at the very end.
  for (const run of started.splice(0)) if (!processGone(run.pid)) run.kill('SIGKILL');
  await lab.remove();
});

/**
 * What a user compares: the container runs (not paused, not stopped), and its namespace holds exactly
 * what it held before. A container fault ends with a new process, so its start time and pid change,
 * and a restarted namespace is new: there, no trace of faultline is the test.
 */
function comparable(snapshot: ContainerSnapshot, lifecycle: boolean): unknown {
  if (!lifecycle) return snapshot;
  return {
    docker: snapshot.docker.replace(/ pid=\d+ started=\S+ restarts=\d+/, ''),
    traces: faultlineTraces(snapshot),
  };
}

async function settledSnapshot(names: string[], lifecycle: boolean): Promise<unknown> {
  // A container with a restart policy may be between its own restarts for a moment.
  for (let attempt = 0; ; attempt++) {
    const snapshot = await lab.snapshot(names);
    const running = Object.values(snapshot).every((one) => one.docker.includes('running=true'));
    if (running || attempt >= 30)
      return Object.fromEntries(
        Object.entries(snapshot).map(([name, one]) => [name, comparable(one, lifecycle)]),
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const revertTimes: Record<string, number[]> = {};

async function crashAt(fault: FaultCase, index: number, point: string): Promise<void> {
  const names = touched(fault, index);
  const stateDir = await freshStateDir();
  const step = fault.step.replace('{t}', service(index, 't')).replace('{peer}', service(index, 'peer'));
  const file = await lab.experiment([ALWAYS, 'method:', `  - ${step}`].join('\n'));
  const before = await settledSnapshot(names, fault.lifecycle);
  const run = startFaultline(['run', file], stateDir, { FAULTLINE_TEST_KILL_AT: point });
  started.push(run);
  const watchdogPid = await run.watchdogPid();
  const runId = await run.runId();

  const finished = await run.finished;
  // The run died at the point named, not anywhere else, and not by finishing.
  expect(finished.signal, run.text).toBe('SIGKILL');
  expect(run.text).toContain(`killed at ${point.replace(/\+\d+$/, '')}#1`);

  const { ledger } = await watchdogFinished(stateDir, runId, watchdogPid, finished.at, 30_000);
  const byWatchdog = ledger.filter((entry) => entry.type === 'reverted' && entry.by === 'watchdog');
  if (byWatchdog.some((entry) => entry.status === 'reverted')) {
    const last = Math.max(...byWatchdog.map((entry) => Date.parse(entry.at!)));
    revertTimes[fault.name] = [...(revertTimes[fault.name] ?? []), last - finished.at];
  }

  // A call still in flight when the run died (a stop waiting out its grace) lands after the watchdog
  // is done; compare only once it could no longer change anything.
  if (fault.lifecycle) await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  expect(openFaults(ledger), run.text).toEqual([]);
  // The watchdog ended the run, or the run itself had ended it before it died (killed after its end).
  expect(ledger.at(-1)).toMatchObject({ type: 'end' });
  expect(await settledSnapshot(names, fault.lifecycle)).toEqual(before);
  expect(locksIn(stateDir)).toEqual([]);
  expect(await statusOf(stateDir)).toBe('no active run');
  const helpers = await docker('ps', '-aq', '--filter', `label=${FAULTLINE_RUN_ID}=${runId}`);
  expect(helpers).toBe('');
}

describe('SIGKILL of the run at every point of every fault kind: the watchdog puts everything back', () => {
  it.concurrent.each(CASES.map((fault, index) => ({ ...fault, index })))(
    '$name',
    async (fault) => {
      // Every point runs, one after another on this case's containers; failures are reported together.
      const failures: string[] = [];
      for (const point of pointsOf(fault)) {
        await crashAt(fault, fault.index, point).catch(async (error: unknown) => {
          failures.push(`at ${point}: ${error instanceof Error ? error.message : String(error)}`);
          // Put back by hand what was left, so the next point starts from a healthy container.
          for (const name of touched(fault, fault.index)) {
            await docker('unpause', name).catch(() => undefined);
            await docker('start', name).catch(() => undefined);
          }
        });
      }
      expect(failures).toEqual([]);
    },
    600_000,
  );
});

describe('crash points beyond the run', () => {
  it('the target is removed while held, then the run is killed: the watchdog ends the run cleanly', async () => {
    const victim = await lab.add({ name: 'victim', service: 'victim' });
    const stateDir = await freshStateDir();
    const file = await lab.experiment(
      [ALWAYS, 'method:', '  - pause: { target: { service: victim }, duration: 30s }'].join('\n'),
    );
    const run = startFaultline(['run', file], stateDir);
    started.push(run);
    const watchdogPid = await run.watchdogPid();
    const runId = await run.runId();
    await run.waitForInjected(1);
    await docker('rm', '-f', victim);
    const killedAt = run.kill('SIGKILL');
    await run.finished;
    const { ledger } = await watchdogFinished(stateDir, runId, watchdogPid, killedAt);
    expect(ledger.filter((entry) => entry.type === 'reverted')).toEqual([
      expect.objectContaining({ by: 'watchdog', status: 'target-gone' }),
    ]);
    expect(ledger.at(-1)).toMatchObject({ type: 'end', outcome: 'recovered-by-watchdog' });
    expect(locksIn(stateDir)).toEqual([]);
  });

  it('runner and watchdog killed, then `faultline recover` killed half-way: a second recover finishes', async () => {
    const names = ['plain', 'peer'].map((name) => lab.name(name));
    const stateDir = await freshStateDir();
    const file = await lab.experiment(
      [
        ALWAYS,
        'method:',
        '  - parallel:',
        '      - pause: { target: { service: plain }, duration: 30s }',
        '      - partition: { groups: [[{ service: plain }], [{ service: peer }]], duration: 30s }',
      ].join('\n'),
    );
    const before = await lab.snapshot(names);
    const run = startFaultline(['run', file], stateDir);
    started.push(run);
    const watchdogPid = await run.watchdogPid();
    const runId = await run.runId();
    await run.waitForInjected(3);
    process.kill(watchdogPid, 'SIGKILL');
    run.kill('SIGKILL');
    await run.finished;
    expect(openFaults(ledgerOf(stateDir, runId))).toHaveLength(3);

    const first = await recoverWith(stateDir, [lab.prefix, runId], {
      FAULTLINE_TEST_KILL_AT: 'recover-reverted',
    });
    expect(first.output).toContain('killed at recover-reverted#1');
    expect(openFaults(ledgerOf(stateDir, runId)).length).toBeGreaterThan(0);

    const second = await recoverWith(stateDir, [lab.prefix, runId]);
    expect(second.exitCode, second.output).toBe(second.foreignFailures.length > 0 ? 4 : 0);
    expect(openFaults(ledgerOf(stateDir, runId))).toEqual([]);
    expect(await lab.snapshot(names)).toEqual(before);
    expect(await statusOf(stateDir)).toBe('no active run');
    expect(locksIn(stateDir)).toEqual([]);
  });
});

afterAll(async () => {
  const counts = Object.fromEntries(CASES.map((fault) => [fault.name, pointsOf(fault).length]));
  report('crash points per fault kind', counts);
  const all = Object.values(revertTimes)
    .flat()
    .sort((a, b) => a - b);
  if (all.length > 0) {
    const at = (q: number) => all[Math.min(all.length - 1, Math.floor(q * all.length))]!;
    report('SIGKILL -> last revert recorded by the watchdog (ms)', {
      cases: all.length,
      min: all[0]!,
      median: at(0.5),
      p90: at(0.9),
      max: all.at(-1)!,
    });
  }
});
