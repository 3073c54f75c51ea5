import type { Target } from '../targets/target.js';
import type { FamilyRecipe } from './driver.js';

/**
 * How to undo a fault, as data: written to the run's ledger before the fault is injected. Each family
 * says what its recipes hold (container/family.ts, tc/family.ts, iptables/family.ts); the ledger keeps
 * them as they are, and the family's `undo` reads them back.
 */
export type RevertRecipe = FamilyRecipe;

/** Called with the recipe just before the first change a fault makes. Must not return before it is durable. */
export type Announce = (recipe: FamilyRecipe) => void;

export type RevertStatus = 'reverted' | 'already-reverted' | 'target-gone' | 'failed';

export interface RevertOutcome {
  status: RevertStatus;
  /** What was done or found, e.g. "unpaused", "running again (restart policy)". */
  detail: string;
  /**
   * What kept the fault from acting as asked while it was in place (e.g. an HTTP fault on a port whose
   * traffic is not HTTP): the run is errored, whatever the probes showed.
   */
  problem?: string | undefined;
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
  /** What the fault could not do as asked, though it is in place (the run prints them as warnings). */
  readonly warnings?: readonly string[] | undefined;
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

/** A fault in place, from what was done and how to undo it: `revert` runs once, and disposing reverts. */
export function inPlace(
  fault: Omit<InjectedFault, 'revert' | typeof Symbol.asyncDispose> & {
    revert: () => Promise<RevertOutcome>;
  },
): InjectedFault {
  const revert = once(fault.revert);
  return {
    ...fault,
    revert,
    async [Symbol.asyncDispose]() {
      await revert();
    },
  };
}
