import type { InjectedFault, RevertOutcome } from '../faults/fault.js';
import type { FaultRecord } from '../model/journal.js';
import { killPoint } from '../util/kill-points.js';
import type { Recorder } from './recorder.js';

/**
 * Every fault the run has injected, until it is reverted. The engine reverts through here, so each
 * revert is journaled exactly once, and `active()` always says what may still be in place.
 */
export class FaultRegistry {
  private readonly faults = new Map<
    string,
    { fault: InjectedFault; record: FaultRecord; revert?: Promise<RevertOutcome> }
  >();
  private pending = 0;
  private sequence = 0;

  constructor(
    private readonly recorder: Recorder,
    /** Told of every revert as it completes (the ledger records it). */
    private readonly onReverted: (fault: InjectedFault, outcome: RevertOutcome) => void = () => {},
    /** Told of every fault once all its changes are made (the ledger records it). */
    private readonly onInjected: (fault: InjectedFault) => void = () => {},
    /** Who else reverted a fault (the watchdog, at its deadline), and when; undefined if nobody did. */
    private readonly revertedByOthers: (fault: InjectedFault) => { by: string; at: Date } | undefined = () =>
      undefined,
  ) {}

  nextId(kind: string): string {
    this.sequence++;
    return `${kind}-${this.sequence}`;
  }

  /**
   * Marks an injection as under way: the fault counts as active from the moment it is announced, just
   * before its first change (so a restart is sampled while it happens, a helper's start-up is not).
   */
  beginInjection(): () => void {
    this.pending++;
    let done = false;
    return () => {
      if (!done) this.pending--;
      done = true;
    };
  }

  /** `holdMs`: how long the step holds the fault, when it has a duration. */
  add(fault: InjectedFault, holdMs?: number): void {
    const record: FaultRecord = {
      faultId: fault.id,
      fault: fault.kind,
      target: fault.target,
      injectedAt: fault.injectedAt.toISOString(),
      status: 'active',
      detail: fault.detail,
    };
    killPoint('fault-injected');
    this.faults.set(fault.id, { fault, record });
    try {
      this.onInjected(fault);
    } catch (error) {
      // The fault is registered above, so it is reverted whatever the ledger says.
      this.recorder.log('warn', `could not record ${fault.id} as injected in the ledger: ${String(error)}`);
    }
    killPoint('fault-recorded');
    // Stamped when the fault's call started: it was in effect from then (a restart's downtime too).
    this.recorder.record(
      {
        type: 'fault-injected',
        faultId: fault.id,
        fault: fault.kind,
        target: fault.target,
        detail: fault.detail,
        ...(holdMs === undefined ? {} : { holdMs }),
      },
      fault.injectedAt.getTime(),
    );
    for (const warning of fault.warnings ?? []) this.recorder.log('warn', `${fault.target.name}: ${warning}`);
  }

  /** True while any fault is being injected or is in place. */
  hasActive(): boolean {
    return this.pending > 0 || this.active().length > 0;
  }

  active(): InjectedFault[] {
    return [...this.faults.values()]
      .filter((entry) => entry.revert === undefined)
      .map((entry) => entry.fault);
  }

  revert(fault: InjectedFault): Promise<RevertOutcome> {
    const entry = this.faults.get(fault.id);
    if (!entry) return fault.revert();
    entry.revert ??= this.performRevert(entry.fault, entry.record);
    return entry.revert;
  }

  /** Reverts everything still in place, all targets in parallel. Never throws. */
  async revertAll(): Promise<RevertOutcome[]> {
    return Promise.all([...this.faults.values()].map((entry) => this.revert(entry.fault)));
  }

  /** Faults not confirmed reverted: what a forced exit may leave behind. */
  possiblyLeft(): InjectedFault[] {
    return [...this.faults.values()]
      .filter((entry) => entry.record.status === 'active' || entry.record.status === 'failed')
      .map((entry) => entry.fault);
  }

  records(): FaultRecord[] {
    return [...this.faults.values()].map((entry) => entry.record);
  }

  private lookUpOthers(fault: InjectedFault): { by: string; at: Date } | undefined {
    try {
      return this.revertedByOthers(fault);
    } catch {
      return undefined;
    }
  }

  private async performRevert(fault: InjectedFault, record: FaultRecord): Promise<RevertOutcome> {
    const started = Date.now();
    let outcome: RevertOutcome;
    killPoint('revert-started');
    try {
      outcome = await fault.revert();
    } catch (error) {
      outcome = { status: 'failed', detail: error instanceof Error ? error.message : String(error) };
    }
    let now = new Date();
    if (outcome.status === 'already-reverted' || outcome.status === 'target-gone') {
      // Nothing left to undo: if the watchdog reverted it (the run was frozen past a deadline), the
      // fault ended then, not now.
      const other = this.lookUpOthers(fault);
      if (other) {
        outcome = { status: 'reverted', detail: `reverted by the ${other.by} at ${other.at.toISOString()}` };
        now = other.at;
      }
    }
    record.status = outcome.status;
    record.detail = outcome.detail;
    record.revertedAt = now.toISOString();
    if (outcome.status === 'failed') record.remedy = fault.remedy;
    if (outcome.problem) record.problem = outcome.problem;
    this.recorder.record({
      type: 'fault-reverted',
      faultId: fault.id,
      fault: fault.kind,
      target: fault.target,
      status: outcome.status,
      detail: outcome.detail,
      heldMs: now.getTime() - fault.injectedAt.getTime(),
      revertMs: Date.now() - started,
      ...(outcome.status === 'failed' ? { remedy: fault.remedy } : {}),
    });
    if (outcome.status === 'target-gone')
      this.recorder.log('warn', `${fault.target.name}: ${outcome.detail}`);
    if (outcome.problem)
      this.recorder.log(
        'error',
        `${fault.kind} on ${fault.target.name} did not act as asked: ${outcome.problem}`,
      );
    try {
      this.onReverted(fault, outcome);
    } catch (error) {
      this.recorder.log('warn', `could not record the revert of ${fault.id} in the ledger: ${String(error)}`);
    }
    killPoint('revert-recorded');
    return outcome;
  }
}
