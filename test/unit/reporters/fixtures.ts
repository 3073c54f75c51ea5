import type {
  FaultRecord,
  JournalEntry,
  JournalEvent,
  ProbeSample,
  RunResult,
  SessionResult,
} from '../../../src/model/journal.js';
import type { Target } from '../../../src/targets/target.js';

export const START = '2025-03-01T10:00:00.000Z';

/** The wall-clock time `ms` after START. */
export function at(ms: number): string {
  return new Date(Date.parse(START) + ms).toISOString();
}

export function entry(t: number, event: JournalEvent): JournalEntry {
  return { ...event, at: at(t), t } as JournalEntry;
}

export const db: Target = { id: 'a1b2c3d4e5f6a7b8', name: 'shop-db-1', service: 'db', project: 'shop' };
export const api: Target = { id: 'f6e5d4c3b2a1f0e9', name: 'shop-api-1', service: 'api', project: 'shop' };

export function sample(t: number, overrides: Partial<ProbeSample> = {}): ProbeSample {
  return {
    probe: 'checkout responds',
    phase: 'before',
    status: 'pass',
    reason: 'status: expected 200, saw 200',
    checks: [{ name: 'status', expected: '200', actual: '200', ok: true }],
    attempts: 1,
    startedAt: at(t),
    durationMs: 12,
    ...overrides,
  };
}

const failingSample = (t: number): ProbeSample =>
  sample(t, {
    phase: 'during',
    status: 'fail',
    reason: 'status: expected 200, saw 503',
    checks: [
      { name: 'status', expected: '200', actual: '503', ok: false },
      { name: 'latency', expected: '< 500ms', actual: '31ms', ok: true },
    ],
    attempts: 3,
    durationMs: 40,
  });

/** A database paused for ten seconds takes the checkout down: the hypothesis does not hold. */
export function deviatedRun(overrides: Partial<RunResult> = {}): RunResult {
  const pause: FaultRecord = {
    faultId: 'pause-db#1',
    fault: 'pause',
    target: db,
    injectedAt: at(300),
    revertedAt: at(10_300),
    status: 'reverted',
    detail: 'unpaused',
  };
  return {
    file: 'experiments/checkout.yaml',
    title: 'Checkout survives a paused database',
    tags: ['db', 'checkout'],
    seed: 42,
    startedAt: START,
    finishedAt: at(12_000),
    durationMs: 12_000,
    outcome: 'deviated',
    exitCode: 1,
    summary: 'The hypothesis did not hold: "checkout responds" failed during the method (2 of 3 samples).',
    faults: [pause],
    probes: [
      {
        probe: 'checkout responds',
        phase: 'before',
        status: 'pass',
        samples: 1,
        failures: 0,
        reason: 'status: expected 200, saw 200',
      },
      {
        probe: 'checkout responds',
        phase: 'during',
        status: 'fail',
        samples: 3,
        failures: 2,
        reason: 'status: expected 200, saw 503',
      },
      {
        probe: 'checkout responds',
        phase: 'after',
        status: 'pass',
        samples: 1,
        failures: 0,
        reason: 'status: expected 200, saw 200',
      },
    ],
    journal: [
      entry(0, { type: 'phase', phase: 'resolve' }),
      entry(20, { type: 'targets', step: 'pause-db', selector: 'service=db', targets: [db] }),
      entry(50, { type: 'phase', phase: 'before' }),
      entry(60, { type: 'probe', sample: sample(60) }),
      entry(200, { type: 'phase', phase: 'method' }),
      entry(210, { type: 'step-start', step: 'pause-db', label: 'pause db for 10s' }),
      entry(300, {
        type: 'fault-injected',
        faultId: 'pause-db#1',
        fault: 'pause',
        target: db,
        detail: 'paused',
      }),
      entry(1300, { type: 'probe', sample: failingSample(1300) }),
      entry(2300, { type: 'probe', sample: failingSample(2300) }),
      entry(3300, { type: 'probe', sample: sample(3300, { phase: 'during' }) }),
      entry(10_300, { type: 'phase', phase: 'revert' }),
      entry(10_350, {
        type: 'fault-reverted',
        faultId: 'pause-db#1',
        fault: 'pause',
        target: db,
        status: 'reverted',
        detail: 'unpaused',
        heldMs: 10_000,
      }),
      entry(10_360, {
        type: 'step-end',
        step: 'pause-db',
        label: 'pause db for 10s',
        status: 'done',
        durationMs: 10_150,
      }),
      entry(10_400, { type: 'phase', phase: 'after' }),
      entry(11_000, { type: 'probe', sample: sample(11_000, { phase: 'after' }) }),
    ],
    ...overrides,
  };
}

/** A latency fault whose qdisc could not be removed: the container is still slowed down. */
export function revertFailedRun(): RunResult {
  const delay: FaultRecord = {
    faultId: 'slow-api#1',
    fault: 'network-delay',
    target: api,
    injectedAt: at(500),
    status: 'failed',
    detail: 'tc qdisc del failed: RTNETLINK answers: Operation not permitted',
    remedy:
      'docker run --rm --net container:shop-api-1 --cap-add NET_ADMIN faultline-helper tc qdisc del dev eth0 root',
  };
  return deviatedRun({
    file: 'experiments/slow-api.yaml',
    title: 'Orders tolerate a slow API',
    outcome: 'revert-failed',
    exitCode: 4,
    summary: 'A fault could not be reverted: network-delay on shop-api-1 is still in place.',
    probes: [
      {
        probe: 'orders respond',
        phase: 'before',
        status: 'pass',
        samples: 1,
        failures: 0,
        reason: 'status: expected 200, saw 200',
      },
    ],
    faults: [delay],
    journal: [entry(0, { type: 'phase', phase: 'resolve' })],
  });
}

/** The baseline is not met, so no fault is injected: the tool cannot tell anything about resilience. */
export function erroredRun(): RunResult {
  return deviatedRun({
    file: 'experiments/baseline.yaml',
    title: 'Search survives a killed cache',
    outcome: 'errored',
    exitCode: 3,
    summary:
      'The baseline was not met: "search responds" could not connect before any fault (connection refused).',
    faults: [],
    probes: [
      {
        probe: 'search responds',
        phase: 'before',
        status: 'error',
        samples: 1,
        failures: 1,
        reason: 'connect ECONNREFUSED 127.0.0.1:8080',
      },
      { probe: 'search responds', phase: 'during', status: 'not-run', samples: 0, failures: 0, reason: '' },
      { probe: 'search responds', phase: 'after', status: 'not-run', samples: 0, failures: 0, reason: '' },
    ],
    journal: [
      entry(0, { type: 'phase', phase: 'before' }),
      entry(5, {
        type: 'probe',
        sample: sample(5, {
          probe: 'search responds',
          status: 'error',
          reason: 'connect ECONNREFUSED 127.0.0.1:8080',
          checks: [],
        }),
      }),
      entry(6, { type: 'log', level: 'error', message: 'baseline not met\nno fault was injected' }),
    ],
  });
}

export function session(runs: RunResult[], overrides: Partial<SessionResult> = {}): SessionResult {
  return {
    runs,
    invalid: [],
    exitCode: Math.max(0, ...runs.map((run) => run.exitCode)),
    startedAt: START,
    durationMs: runs.reduce((total, run) => total + run.durationMs, 0),
    ...overrides,
  };
}
