import type { IptablesRuleSet } from '../network/iptables-plan.js';
import type { Target } from '../targets/target.js';

/**
 * How to undo a fault, as data: written to the run's ledger before the fault is injected, so the
 * watchdog or `faultline recover` can undo it even when the run that injected it is gone.
 */
export type RevertRecipe =
  | {
      type: 'container';
      action: 'unpause' | 'start';
      /**
       * How long after the intent the Docker call may still change the container when the run died
       * before it answered (a stop waiting out its grace, a kill waiting for a handled signal): an undo
       * watches the container until then rather than trusting one look.
       */
      settleMs?: number | undefined;
    }
  | {
      type: 'iptables';
      ipv4: string;
      ipv6: string;
      sets: IptablesRuleSet[];
      createdTables?: ('ipv4' | 'ipv6')[] | undefined;
    }
  | { type: 'tc'; devices: { device: string; ingressOf?: string | undefined }[] };

/** Called with the recipe just before the first change a fault makes. Must not return before it is durable. */
export type Announce = (recipe: RevertRecipe) => void;

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
