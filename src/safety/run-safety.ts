import { FaultlineError } from '../errors.js';
import type { RevertOutcome, RevertRecipe } from '../faults/fault.js';
import type { Target } from '../targets/target.js';
import { type Lease, startWatchdog } from './lease.js';
import { Ledger, LedgerUnwritableError } from './ledger.js';
import { acquireLocks, releaseLocks } from './locks.js';

export interface SafetyOptions {
  stateDir: string;
  /** Start a watchdog process that reverts the faults if this process dies (on by default in the CLI). */
  watchdog: boolean;
  /** No fault is held longer than this, whatever the experiment says (the hard maximum). */
  maxHoldMs?: number | undefined;
}

/** Extra time a watchdog gives a fault past its planned end before it reverts it itself. */
export const DEADLINE_GRACE_MS = 5000;

/**
 * Everything that makes a run crash-safe, in one place: the container locks, the write-ahead ledger,
 * and the watchdog holding the run's lease. Opened before anything is injected; every step failing
 * here ends the run before any fault exists.
 */
export class RunSafety {
  private constructor(
    private readonly options: SafetyOptions,
    readonly runId: string,
    private readonly ledger: Ledger,
    private readonly lease: Lease | undefined,
    private readonly runDeadline: number,
  ) {}

  static async open(
    options: SafetyOptions,
    run: {
      runId: string;
      file: string;
      via?: string | undefined;
      helperImage?: string | undefined;
      targets: Target[];
      runDeadline: number;
    },
  ): Promise<RunSafety> {
    try {
      acquireLocks(options.stateDir, run.runId, run.file, run.targets);
    } catch (error) {
      if (error instanceof FaultlineError) throw error;
      throw new LedgerUnwritableError(options.stateDir, error);
    }
    let ledger: Ledger | undefined;
    try {
      ledger = Ledger.create(options.stateDir, {
        runId: run.runId,
        pid: process.pid,
        file: run.file,
        startedAt: new Date().toISOString(),
        via: run.via,
        helperImage: run.helperImage,
      });
      const lease = options.watchdog ? await startWatchdog(ledger.file, options.stateDir) : undefined;
      return new RunSafety(options, run.runId, ledger, lease, run.runDeadline);
    } catch (error) {
      ledger?.append({ type: 'end', outcome: 'not-started', at: new Date().toISOString() });
      ledger?.close();
      releaseLocks(options.stateDir, run.runId);
      throw error;
    }
  }

  get ledgerFile(): string {
    return this.ledger.file;
  }

  get watchdogPid(): number | undefined {
    return this.lease?.pid;
  }

  /**
   * Records a fault before it is injected. Its deadline is the end of its duration (or of the run)
   * plus a grace period, and never later than the hard maximum.
   */
  announce(
    faultId: string,
    kind: string,
    target: Target,
    recipe: RevertRecipe,
    durationMs: number | undefined,
  ): void {
    const now = Date.now();
    const planned = durationMs !== undefined ? now + durationMs : this.runDeadline;
    const hardMax =
      this.options.maxHoldMs !== undefined ? now + this.options.maxHoldMs : Number.POSITIVE_INFINITY;
    this.ledger.append({
      type: 'intent',
      faultId,
      kind,
      target,
      revert: recipe,
      deadline: Math.min(planned + DEADLINE_GRACE_MS, hardMax),
      at: new Date(now).toISOString(),
    });
  }

  reverted(faultId: string, outcome: RevertOutcome | { status: 'not-injected' }): void {
    this.ledger.append({
      type: 'reverted',
      faultId,
      status: outcome.status,
      by: 'run',
      at: new Date().toISOString(),
    });
  }

  /** The run is over: ends the ledger, lets the watchdog go, frees the containers. */
  close(outcome: string): void {
    try {
      this.ledger.append({ type: 'end', outcome, at: new Date().toISOString() });
    } finally {
      this.ledger.close();
      this.lease?.release();
      releaseLocks(this.options.stateDir, this.runId);
    }
  }
}
