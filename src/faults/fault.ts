import type { Target } from '../targets/target.js';

export type RevertStatus = 'reverted' | 'already-reverted' | 'target-gone' | 'failed';

export interface RevertOutcome {
  status: RevertStatus;
  /** What was done or found, e.g. "unpaused", "running again (restart policy)". */
  detail: string;
}

/**
 * A fault that is in place. `revert()` is idempotent: the first call undoes the fault, later calls
 * return the same outcome. Disposing reverts, so `await using` reverts on every exit path.
 */
export interface InjectedFault extends AsyncDisposable {
  readonly id: string;
  /** kill, stop, pause, restart, ... */
  readonly kind: string;
  readonly target: Target;
  readonly injectedAt: Date;
  /** What was done, e.g. "paused", "killed with SIGKILL". */
  readonly detail: string;
  /** A command a person can run to undo the fault by hand. */
  readonly remedy: string;
  revert(): Promise<RevertOutcome>;
}

/** Wraps a revert function so it runs once; later calls share the first outcome. */
export function once(revert: () => Promise<RevertOutcome>): () => Promise<RevertOutcome> {
  let pending: Promise<RevertOutcome> | undefined;
  return () => {
    pending ??= revert();
    return pending;
  };
}
