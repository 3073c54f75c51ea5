import type { Outcome } from '../../model/journal.js';
import type { RunContext } from './run-context.js';

/** Reverts every fault still in place, under a `revert` phase in the journal (none if nothing is). */
export async function revertEverything(run: RunContext): Promise<void> {
  if (run.registry.active().length === 0) return;
  run.recorder.record({ type: 'phase', phase: 'revert' });
  await run.registry.revertAll();
}

/**
 * Runs whatever happened before it: nothing stays injected, the load stops, the helper container is
 * removed, and the run's timers and signal listener are released.
 */
export async function release(run: RunContext): Promise<void> {
  await revertEverything(run);
  await run.load.stop().catch(() => undefined);
  await run.workload.stop().catch(() => undefined);
  run.detect?.stop();
  await run.network
    ?.dispose()
    .catch((caught: unknown) =>
      run.recorder.log('warn', `could not remove a helper container: ${String(caught)}`),
    );
  run.stop.dispose();
  run.holds.dispose();
}

/** Writes the outcome to the ledger; a ledger that cannot be closed is a warning, not a new outcome. */
export function closeLedger(run: RunContext, outcome: Outcome): void {
  try {
    run.safety?.close(outcome, outcome === 'revert-failed');
  } catch (caught) {
    run.recorder.log('warn', `could not close the run's ledger: ${String(caught)}`);
  }
}
