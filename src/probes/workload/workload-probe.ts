import { ProbeFailure } from '../observation.js';
import { judgeWorkload, type WorkloadVerdict, workloadVerdict } from './judge.js';
import { type ReadBackDeps, readBack } from './read-back.js';
import { type WorkloadReport, workloadReport } from './report.js';
import type { WorkloadThreshold } from './thresholds.js';
import type { WorkloadRun, WorkloadSpec } from './types.js';
import { type WriteDeps, writeAction } from './write-action.js';
import { WorkloadWriter } from './writer.js';

/**
 * Starts writing at once: the engine calls this as the baseline begins, `mark('during')` as the first
 * fault goes in, `mark('after')` once it is reverted, and `stop()` once the hypothesis holds again.
 */
export function startWorkload(spec: WorkloadSpec, deps: WriteDeps & { prefix?: string }): WorkloadWriter {
  const writer = new WorkloadWriter({
    rate: spec.rate,
    concurrency: spec.concurrency,
    writes: spec.writes,
    timeout: spec.timeout,
    action: writeAction(spec.write, spec.timeout, spec.ack, deps),
    ...(deps.prefix !== undefined ? { prefix: deps.prefix } : {}),
  });
  writer.start();
  return writer;
}

export interface WorkloadResult extends WorkloadVerdict {
  /** Absent when the read-back failed: there is nothing to judge. */
  report?: WorkloadReport;
}

/**
 * Reads back what the system holds and judges the run against the thresholds. A read-back that fails
 * makes the probe an error (never a pass, never "everything was lost").
 */
export async function judgeWorkloadRun(
  spec: WorkloadSpec,
  run: WorkloadRun,
  thresholds: readonly WorkloadThreshold[],
  deps: ReadBackDeps,
): Promise<WorkloadResult> {
  let values: string[];
  try {
    values = await readBack(spec.read, deps);
  } catch (error) {
    const reason = error instanceof ProbeFailure || error instanceof Error ? error.message : String(error);
    return { status: 'error', reason, checks: [] };
  }
  const findings = judgeWorkload(run, values);
  return { ...workloadVerdict(run, findings, thresholds), report: workloadReport(run, findings) };
}
