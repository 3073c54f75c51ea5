import { describe, expect, it } from 'vitest';
import { judgeWorkload, workloadVerdict } from '../../../../src/probes/workload/judge.js';
import { describeTold, workloadReport } from '../../../../src/probes/workload/report.js';
import { parseWorkloadThreshold } from '../../../../src/probes/workload/thresholds.js';
import type {
  WorkloadPhase,
  WorkloadRun,
  WriteOutcome,
  WriteRecord,
} from '../../../../src/probes/workload/types.js';

const T0 = Date.UTC(2026, 0, 1);

function record(seq: number, phase: WorkloadPhase, outcome: WriteOutcome): WriteRecord {
  const told =
    outcome === 'acknowledged'
      ? { kind: 'http' as const, status: 201, body: 'stored' }
      : outcome === 'refused'
        ? { kind: 'http' as const, status: 503, body: 'read only' }
        : { kind: 'error' as const, message: 'no answer within 1s' };
  return {
    seq,
    id: `flt-${seq}`,
    phase,
    dueAt: T0 + seq * 300,
    startedAt: T0 + seq * 300,
    durationMs: 12.4,
    outcome,
    told,
  };
}

/** Eight writes through three phases, with one of everything that can go wrong. */
const run: WorkloadRun = {
  prefix: 'flt',
  startedAt: T0,
  records: [
    record(0, 'before', 'acknowledged'),
    record(1, 'before', 'acknowledged'), // lost
    record(2, 'before', 'refused'), // held all the same
    record(3, 'during', 'indeterminate'), // held: it went through
    record(4, 'during', 'indeterminate'), // not held: not lost either
    record(5, 'during', 'acknowledged'), // held three times
    record(6, 'after', 'acknowledged'), // held twice
    record(7, 'after', 'refused'),
  ],
  skipped: [{ phase: 'during', dueAt: T0 + 1500 }],
};
const values = [
  'flt-0',
  'flt-2',
  'flt-3',
  'flt-5',
  'flt-5',
  'flt-6',
  'flt-5',
  'flt-6',
  'flt-99',
  'flt-x',
  'other-1',
  'other-1',
  'fltz-1',
];

describe('the workload judgement', () => {
  const findings = judgeWorkload(run, values);

  it('counts lost, duplicated, indeterminate and unexpected values of this run only', () => {
    expect(findings.metrics).toEqual({
      lost: 1,
      duplicates: 2,
      duplicate_copies: 3,
      indeterminate: 2,
      indeterminate_present: 1,
      unexpected: 2,
      refused: 2,
      acknowledged: 4,
      writes: 8,
      skipped: 1,
      available: 0.5,
      'available.before': 2 / 3,
      'available.during': 1 / 3,
      'available.after': 0.5,
    });
    expect(findings.lost.map((write) => write.id)).toEqual(['flt-1']);
    expect(findings.duplicates.map(({ id, copies }) => ({ id, copies }))).toEqual([
      { id: 'flt-5', copies: 3 },
      { id: 'flt-6', copies: 2 },
    ]);
    expect(findings.indeterminatePresent.map((write) => write.id)).toEqual(['flt-3']);
    expect(findings.refusedPresent.map((write) => write.id)).toEqual(['flt-2']);
    expect(findings.unexpected).toEqual(['flt-99', 'flt-x']);
    expect(findings.totals.during).toEqual({
      attempted: 3,
      acknowledged: 1,
      refused: 0,
      indeterminate: 2,
      skipped: 1,
    });
  });

  it('never counts an indeterminate write as lost, and finds nothing lost when all acknowledged writes are held', () => {
    const clean = judgeWorkload(run, ['flt-0', 'flt-1', 'flt-5', 'flt-6']);
    expect(clean.metrics.lost).toBe(0);
    expect(clean.metrics.indeterminate).toBe(2);
    expect(clean.metrics.duplicates).toBe(0);
  });

  it('passes or fails each threshold as a check, and says which failed', () => {
    const thresholds = ['lost == 0', 'duplicates <= 0', 'available.before > 60%', 'indeterminate < 10'].map(
      parseWorkloadThreshold,
    );
    const verdict = workloadVerdict(run, findings, thresholds);
    expect(verdict.checks).toEqual([
      { name: 'lost', expected: '== 0', actual: '1', ok: false },
      { name: 'duplicates', expected: '<= 0', actual: '2', ok: false },
      { name: 'available.before', expected: '> 60%', actual: '66.67%', ok: true },
      { name: 'indeterminate', expected: '< 10', actual: '2', ok: true },
    ]);
    expect(verdict.status).toBe('fail');
    expect(verdict.reason).toBe('lost 1 (expected == 0); duplicates 2 (expected <= 0)');
    const passing = workloadVerdict(run, findings, [parseWorkloadThreshold('available >= 50%')]);
    expect(passing).toMatchObject({ status: 'pass', reason: '4 of 8 writes acknowledged; available 50%' });
  });

  it('fails an availability threshold for a phase without writes, rather than passing it', () => {
    const early: WorkloadRun = { ...run, records: run.records.slice(0, 3), skipped: [] };
    const verdict = workloadVerdict(early, judgeWorkload(early, values), [
      parseWorkloadThreshold('available.after > 0%'),
    ]);
    expect(verdict.checks).toEqual([
      { name: 'available.after', expected: '> 0%', actual: 'no writes were attempted after', ok: false },
    ]);
  });

  it('is an error when a write could not be attempted for the tool’s reason', () => {
    const broken: WorkloadRun = {
      ...run,
      records: [
        {
          ...record(0, 'before', 'refused'),
          told: { kind: 'error', message: 'cannot run ./w.sh: no such program' },
          toolError: true,
        },
      ],
    };
    const verdict = workloadVerdict(broken, judgeWorkload(broken, []), [parseWorkloadThreshold('lost == 0')]);
    expect(verdict).toMatchObject({
      status: 'error',
      reason: 'a write could not be attempted: cannot run ./w.sh: no such program',
    });
  });
});

describe('the workload report', () => {
  const report = workloadReport(run, judgeWorkload(run, values));

  it('names each lost and duplicated id with when it was written and what it was told', () => {
    expect(report.lost).toEqual({
      count: 1,
      examples: [
        {
          id: 'flt-1',
          phase: 'before',
          at: '2026-01-01T00:00:00.300Z',
          offsetMs: 300,
          durationMs: 12,
          outcome: 'acknowledged',
          told: '201 stored',
        },
      ],
    });
    expect(report.duplicates.ids).toBe(2);
    expect(report.duplicates.extraCopies).toBe(3);
    expect(report.duplicates.examples.map(({ id, copies, phase }) => ({ id, copies, phase }))).toEqual([
      { id: 'flt-5', copies: 3, phase: 'during' },
      { id: 'flt-6', copies: 2, phase: 'after' },
    ]);
    expect(report.indeterminate).toEqual({ count: 2, present: 1 });
    expect(report.unexpected).toEqual({ count: 2, examples: ['flt-99', 'flt-x'] });
  });

  it('keeps at most ten examples of each', () => {
    const many: WorkloadRun = {
      ...run,
      records: Array.from({ length: 25 }, (_, seq) => record(seq, 'during', 'acknowledged')),
    };
    const big = workloadReport(many, judgeWorkload(many, []));
    expect(big.lost.count).toBe(25);
    expect(big.lost.examples.map((write) => write.id)).toEqual(
      Array.from({ length: 10 }, (_, seq) => `flt-${seq}`),
    );
  });

  it('buckets outcomes by second of the run, for a timeline', () => {
    expect(report.timeline).toEqual([
      { second: 0, acknowledged: 2, refused: 1, indeterminate: 1, skipped: 0 },
      { second: 1, acknowledged: 2, refused: 0, indeterminate: 1, skipped: 1 },
      { second: 2, acknowledged: 0, refused: 1, indeterminate: 0, skipped: 0 },
    ]);
  });

  it('says what a write was told in a few words', () => {
    expect(describeTold({ kind: 'http', status: 503, body: 'primary\n  is down ' })).toBe(
      '503 primary is down',
    );
    expect(describeTold({ kind: 'http', status: 204, body: '' })).toBe('204');
    expect(describeTold({ kind: 'process', exitCode: 1, output: 'disk full' })).toBe('exit 1: disk full');
    expect(describeTold({ kind: 'error', message: 'no answer within 1s' })).toBe('no answer within 1s');
  });
});
