import { RUN_DEFAULTS } from '../../experiment/schema.js';
import { killPoint } from '../../util/kill-points.js';
import { checkRecovery } from '../hypothesis.js';
import type { RunContext } from './run-context.js';

/**
 * After every fault is reverted: each `after` probe must pass within the recovery time, and the load
 * probes are judged over the fault intervals (during) and the first window that meets them (after).
 */
export async function runRecovery(run: RunContext): Promise<void> {
  const { load, tracker, registry, signal } = run;
  run.recorder.record({ type: 'phase', phase: 'after' });
  killPoint('recovery-started');
  const revertedAt = Date.now();
  // Each fault was in place from the start of its Docker call to the end of its revert.
  const faultIntervals = registry.records().map((record) => ({
    from: Date.parse(record.injectedAt),
    to: record.revertedAt ? Date.parse(record.revertedAt) : revertedAt,
  }));
  const recovery = run.experiment.recovery ?? RUN_DEFAULTS.recovery;
  // No fault went in: there was nothing to detect.
  if (run.firstFaultAt() === undefined) run.detect?.stop();
  await Promise.all([
    // Each detection ends when it passes or its deadline after the first fault has passed.
    run.detect?.finish(),
    // A workload's writes are `after` once the hypothesis holds again (until then the system is still
    // recovering from the fault: `during`); it reads back after its `after` time.
    checkRecovery(tracker, run.probeEnv, recovery).then(async () => {
      if (run.workload.empty || signal.aborted) return;
      run.workload.mark('after');
      for (const sample of await run.workload.finish(signal, run.firstFaultAt())) tracker.record(sample);
    }),
    load.empty
      ? undefined
      : load.finish(faultIntervals, revertedAt, recovery, signal).then((samples) => {
          for (const sample of samples) tracker.record(sample);
        }),
  ]);
  signal.throwIfAborted();
}
