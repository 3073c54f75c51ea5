import { describe, expect, it } from 'vitest';
import { inFlightAtTheFault } from '../../../src/engine/workload-phases.js';
import type { WorkloadRun, WriteRecord } from '../../../src/probes/workload/types.js';

const write = (
  seq: number,
  phase: WriteRecord['phase'],
  startedAt: number,
  durationMs: number,
): WriteRecord => ({
  seq,
  id: `p-${seq}`,
  phase,
  dueAt: startedAt,
  startedAt,
  durationMs,
  outcome: 'refused',
  told: { kind: 'http', status: 503, body: '' },
});

describe('the phase of a write in flight when the first fault starts', () => {
  const run: WorkloadRun = {
    prefix: 'p',
    startedAt: 0,
    records: [write(0, 'before', 100, 50), write(1, 'before', 900, 500), write(2, 'during', 1100, 10)],
    skipped: [],
  };

  it('is during when its answer came after the fault started, and before when it came earlier', () => {
    expect(inFlightAtTheFault(run, 1000).records.map((record) => record.phase)).toEqual([
      'before',
      'during',
      'during',
    ]);
  });

  it('is left as it was when no fault started', () => {
    expect(inFlightAtTheFault(run, undefined)).toBe(run);
  });
});
