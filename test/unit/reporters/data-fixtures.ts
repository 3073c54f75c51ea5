import type { Detection, FaultRecord, ProbeSample, RunResult } from '../../../src/model/journal.js';
import type { PhaseTotals } from '../../../src/probes/workload/judge.js';
import type {
  OutcomeBucket,
  WorkloadReport,
  WorkloadSeries,
  WriteExample,
} from '../../../src/probes/workload/report.js';
import type { WorkloadPhase } from '../../../src/probes/workload/types.js';
import type { Target } from '../../../src/targets/target.js';
import { at, entry, START, sample } from './fixtures.js';

export const primary: Target = {
  id: '0c1d2e3f4a5b6c7d',
  name: 'patterns-kv-primary-1',
  service: 'kv-primary',
  project: 'patterns',
};

/** The workload's first write was due 100 ms after the run started. */
export const WORKLOAD_START_MS = 100;
/** The primary is paused from +5.1s to +15.1s (workload seconds 5 to 14). */
const PAUSE_FROM = 5_100;
const PAUSE_TO = 15_100;
export const WORKLOAD = 'no acknowledged write is lost';
export const PREFIX = 'fl7q2x';

/**
 * Twenty writes due per second for 38 seconds against a store that acknowledges at once and
 * replicates later: while its primary is paused, most writes are refused or time out, and a few are
 * skipped because every slot is taken by a write waiting for its timeout.
 */
export function outcomeBuckets(): OutcomeBucket[] {
  return Array.from({ length: 38 }, (_, second) => {
    if (second < 5 || second >= 15)
      return { second, acknowledged: 20, refused: 0, indeterminate: 0, skipped: 0 };
    if (second === 5) return { second, acknowledged: 6, refused: 4, indeterminate: 8, skipped: 2 };
    return { second, acknowledged: 7, refused: 9, indeterminate: 1, skipped: 3 };
  });
}

function phaseOf(second: number): WorkloadPhase {
  return second < 5 ? 'before' : second < 15 ? 'during' : 'after';
}

function totalsOf(buckets: readonly OutcomeBucket[], phase?: WorkloadPhase): PhaseTotals {
  const totals = { attempted: 0, acknowledged: 0, refused: 0, indeterminate: 0, skipped: 0 };
  for (const bucket of buckets) {
    if (phase && phaseOf(bucket.second) !== phase) continue;
    totals.acknowledged += bucket.acknowledged;
    totals.refused += bucket.refused;
    totals.indeterminate += bucket.indeterminate;
    totals.skipped += bucket.skipped;
    totals.attempted += bucket.acknowledged + bucket.refused + bucket.indeterminate;
  }
  return totals;
}

function write(seq: number, offsetMs: number, overrides: Partial<WriteExample> = {}): WriteExample {
  return {
    id: `${PREFIX}-${seq}`,
    phase: phaseOf(Math.floor(offsetMs / 1000)),
    at: at(WORKLOAD_START_MS + offsetMs),
    offsetMs,
    durationMs: 4,
    outcome: 'acknowledged',
    told: '201 {"stored":true}',
    ...overrides,
  };
}

export function workloadReport(): WorkloadReport {
  const timeline = outcomeBuckets();
  return {
    prefix: PREFIX,
    totals: {
      before: totalsOf(timeline, 'before'),
      during: totalsOf(timeline, 'during'),
      after: totalsOf(timeline, 'after'),
      all: totalsOf(timeline),
    },
    lost: {
      count: 3,
      examples: [
        write(97, 4_850, { told: '201 {"stored":true,"replicated":false}' }),
        write(98, 4_900),
        write(99, 4_950, { durationMs: 7 }),
      ],
    },
    duplicates: {
      ids: 1,
      extraCopies: 1,
      examples: [{ ...write(301, 15_050, { durationMs: 980, told: '201 {"stored":true}' }), copies: 2 }],
    },
    indeterminate: { count: 17, present: 5 },
    refusedPresent: { count: 0, examples: [] },
    unexpected: { count: 0, examples: [] },
    timeline,
  };
}

export function detections(): Detection[] {
  return [
    {
      probe: 'the error-rate alert fires',
      withinMs: 30_000,
      detectedAfterMs: 6_200,
      reason: 'value: expected > 0.05, saw 0.41',
    },
    {
      probe: 'replication lag is seen',
      withinMs: 10_000,
      detectedAfterMs: null,
      reason: 'value: expected > 5, saw 0.4',
    },
  ];
}

function detectSample(t: number, detection: Detection, reason: string): ProbeSample {
  const noticed = detection.detectedAfterMs !== null;
  return sample(t, {
    probe: `detect: ${detection.probe}`,
    phase: 'during',
    status: noticed ? 'pass' : 'fail',
    reason: `${reason}: ${detection.reason}`,
    checks: [
      {
        name: 'time to detect',
        expected: `within ${detection.withinMs / 1000}s`,
        actual: noticed ? `${(detection.detectedAfterMs ?? 0) / 1000}s` : 'not within the deadline',
        ok: noticed,
      },
    ],
    durationMs: 9,
  });
}

/**
 * The same run, its workload not judged (the read-back failed with `reason`) and its one detection
 * check left without a fault to notice.
 */
export function unjudgedRun(reason: string): RunResult {
  const [series] = dataRun().workload!;
  return dataRun({
    workload: [{ ...series!, report: undefined }],
    probes: [{ probe: WORKLOAD, phase: 'after', status: 'error', samples: 1, failures: 1, reason }],
    detect: [{ probe: 'alert fires', withinMs: 30_000, detectedAfterMs: null, reason: 'no fault' }],
  });
}

/**
 * A key-value store in its fragile mode, its primary paused for ten seconds: three acknowledged
 * writes never reached the replica that took over, one write is held twice, the error-rate alert
 * fires after 6.2 s, the replication-lag alert never does.
 */
export function dataRun(overrides: Partial<RunResult> = {}): RunResult {
  const pause: FaultRecord = {
    faultId: 'pause-primary#1',
    fault: 'pause',
    target: primary,
    injectedAt: at(PAUSE_FROM),
    revertedAt: at(PAUSE_TO),
    status: 'reverted',
    detail: 'unpaused',
  };
  const workloadSample = sample(38_300, {
    probe: WORKLOAD,
    phase: 'after',
    status: 'fail',
    reason: 'lost 3 (expected == 0); duplicates 1 (expected == 0)',
    checks: [
      { name: 'lost', expected: '== 0', actual: '3', ok: false },
      { name: 'duplicates', expected: '== 0', actual: '1', ok: false },
      { name: 'available.before', expected: '> 90%', actual: '100%', ok: true },
    ],
    attempts: 613,
    durationMs: 140,
  });
  const workload: WorkloadSeries = {
    probe: WORKLOAD,
    thresholds: ['lost == 0', 'duplicates == 0', 'available.before > 90%'],
    startedAt: at(WORKLOAD_START_MS),
    report: workloadReport(),
  };
  const [detected, missed] = detections() as [Detection, Detection];
  return {
    file: 'experiments/kv-failover.yaml',
    title: 'No acknowledged write is lost when the primary fails',
    tags: ['kv', 'data'],
    seed: 7,
    startedAt: START,
    finishedAt: at(38_500),
    durationMs: 38_500,
    outcome: 'deviated',
    exitCode: 1,
    summary: `The hypothesis did not hold: "${WORKLOAD}" failed after the method.`,
    faults: [pause],
    probes: [
      {
        probe: WORKLOAD,
        phase: 'after',
        status: 'fail',
        samples: 1,
        failures: 1,
        reason: workloadSample.reason,
      },
      {
        probe: `detect: ${detected.probe}`,
        phase: 'during',
        status: 'pass',
        samples: 1,
        failures: 0,
        reason: `noticed 6.2s after the first fault started (within 30s): ${detected.reason}`,
      },
      {
        probe: `detect: ${missed.probe}`,
        phase: 'during',
        status: 'fail',
        samples: 1,
        failures: 1,
        reason: `not noticed within 10s of the first fault: ${missed.reason}`,
      },
    ],
    workload: [workload],
    detect: [detected, missed],
    journal: [
      entry(0, { type: 'phase', phase: 'resolve' }),
      entry(50, { type: 'phase', phase: 'before' }),
      entry(5_000, { type: 'phase', phase: 'method' }),
      entry(PAUSE_FROM, {
        type: 'fault-injected',
        faultId: 'pause-primary#1',
        fault: 'pause',
        target: primary,
        detail: 'paused',
      }),
      entry(11_309, {
        type: 'probe',
        sample: detectSample(11_300, detected, 'noticed 6.2s after the first fault started (within 30s)'),
      }),
      entry(15_109, {
        type: 'probe',
        sample: detectSample(15_100, missed, 'not noticed within 10s of the first fault'),
      }),
      entry(PAUSE_TO, { type: 'phase', phase: 'revert' }),
      entry(PAUSE_TO + 40, {
        type: 'fault-reverted',
        faultId: 'pause-primary#1',
        fault: 'pause',
        target: primary,
        status: 'reverted',
        detail: 'unpaused',
        heldMs: 10_000,
      }),
      entry(PAUSE_TO + 100, { type: 'phase', phase: 'after' }),
      entry(38_440, { type: 'probe', sample: workloadSample }),
    ],
    ...overrides,
  };
}
