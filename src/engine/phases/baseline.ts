import { checkBaseline } from '../hypothesis.js';
import type { RunContext } from './run-context.js';

/**
 * Checks the steady state before anything is injected (the load probes' generators start here and run
 * to the end of recovery). Resolves with whether the baseline was missed: then nothing is injected.
 */
export async function runBaseline(run: RunContext): Promise<boolean> {
  const { load, tracker, signal } = run;
  run.recorder.record({ type: 'phase', phase: 'before' });
  if (!load.empty) load.start();
  if (!run.workload.empty) run.workload.start();
  await checkBaseline(tracker, run.probeEnv);
  if (!load.empty) for (const sample of await load.baseline(signal)) tracker.record(sample);
  if (!run.workload.empty) await run.workload.baseline(signal);
  const missed = tracker.phase('before').some((summary) => summary.status !== 'pass');
  signal.throwIfAborted();
  return missed;
}
