import type { DockerEndpoint } from '../docker/endpoint.js';
import { FaultlineError } from '../errors.js';
import type { FamilyRecipe } from '../faults/driver.js';
import type { RevertOutcome } from '../faults/fault.js';
import type { Target } from '../targets/target.js';
import { killPoint } from '../util/kill-points.js';
import { retryWindowMs, type Watchdog } from './lease.js';
import { Ledger, LedgerUnwritableError, type RevertedRecord, readRecords } from './ledger.js';
import { acquireLocks, releaseLocks } from './locks.js';
import { thisHost } from './process-identity.js';

export interface SafetyOptions {
  stateDir: string;
  /** Start a watchdog process that reverts the faults if this process dies (on by default in the CLI). */
  watchdog: boolean;
  /**
   * Starts the watchdog of a run, which names the run (by default `spawnWatchdog` with a new run id);
   * a folder run hands over the watchdog it started ahead for its next experiment.
   */
  startWatchdog?: (() => Watchdog) | undefined;
  /** No fault is held longer than this, whatever the experiment says (the hard maximum). */
  maxHoldMs?: number | undefined;
}

/** Extra time a watchdog gives a fault past its planned end before it reverts it itself. */
export const DEADLINE_GRACE_MS = 5000;

/**
 * When a run's locks lapse for readers on another machine (who cannot check its pid): by then the run
 * has timed out, its watchdog has reverted every fault whose deadline passed (the run's end plus the
 * grace), and a watchdog left retrying a failed revert has given up (its retry window). A local reader
 * goes by the pid, as before.
 */
export function lockExpiry(runDeadline: number): number {
  return runDeadline + DEADLINE_GRACE_MS + retryWindowMs();
}

/**
 * Everything that makes a run crash-safe, in one place: the container locks, the write-ahead ledger,
 * and the watchdog holding the run's lease. Opened before anything is injected; every step failing
 * here ends the run before any fault exists. The watchdog starts watching when the ledger is opened
 * and the run goes on meanwhile (its baseline checks); `watched()` waits for it, and nothing can be
 * announced (so nothing injected) before it resolved.
 */
export class RunSafety {
  private held: boolean;
  private readonly watching: Promise<unknown> | undefined;

  private constructor(
    private readonly options: SafetyOptions,
    readonly runId: string,
    private readonly ledger: Ledger,
    private readonly lease: Watchdog | undefined,
    private readonly runDeadline: number,
  ) {
    this.held = lease === undefined;
    // A watchdog that fails is told by `watched()`, not as an unhandled rejection meanwhile.
    this.watching = lease?.watch().then(
      () => {
        this.held = true;
      },
      (error: unknown) => error,
    );
  }

  static async open(
    options: SafetyOptions,
    run: {
      /** The run's watchdog, started ahead; it is told to watch once the ledger is on disk. */
      watchdog?: Watchdog | undefined;
      runId: string;
      file: string;
      via?: string | undefined;
      helperImage?: string | undefined;
      endpoint?: DockerEndpoint | undefined;
      targets: Target[];
      runDeadline: number;
    },
  ): Promise<RunSafety> {
    try {
      acquireLocks(options.stateDir, run.runId, run.file, run.targets, {
        endpoint: run.endpoint,
        expiresAt: lockExpiry(run.runDeadline),
      });
    } catch (error) {
      if (error instanceof FaultlineError) throw error;
      throw new LedgerUnwritableError(options.stateDir, error);
    }
    try {
      const ledger = Ledger.create(options.stateDir, {
        runId: run.runId,
        pid: process.pid,
        file: run.file,
        startedAt: new Date().toISOString(),
        via: run.via,
        helperImage: run.helperImage,
        endpoint: run.endpoint,
        hostname: thisHost(),
      });
      return new RunSafety(options, run.runId, ledger, run.watchdog, run.runDeadline);
    } catch (error) {
      run.watchdog?.release();
      releaseLocks(options.stateDir, run.runId);
      throw error;
    }
  }

  /**
   * Waits until the watchdog holds the run's lease (at once without a watchdog); throws the
   * WatchdogError of a watchdog that could not start. Called before the first injection.
   */
  async watched(): Promise<void> {
    const failed = await this.watching;
    if (failed !== undefined) throw failed;
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
    recipe: FamilyRecipe,
    durationMs: number | undefined,
  ): void {
    // The invariant behind every injection: the watchdog watches before anything is announced.
    if (!this.held) throw new Error(`${faultId} announced before the watchdog held the lease`);
    const now = Date.now();
    const planned = durationMs !== undefined ? now + durationMs : this.runDeadline;
    const hardMax =
      this.options.maxHoldMs !== undefined ? now + this.options.maxHoldMs : Number.POSITIVE_INFINITY;
    try {
      this.ledger.append({
        type: 'intent',
        faultId,
        kind,
        target,
        revert: recipe,
        deadline: Math.min(planned + DEADLINE_GRACE_MS, hardMax),
        at: new Date(now).toISOString(),
      });
    } catch (error) {
      throw new LedgerUnwritableError(this.ledger.file, error);
    }
    killPoint('intent-written');
  }

  /** Whether something other than this run (its watchdog) reverted a fault, and when. */
  revertedByOthers(faultId: string): { by: string; at: Date } | undefined {
    const record = readRecords(this.ledger.file).findLast(
      (entry): entry is RevertedRecord =>
        entry.type === 'reverted' &&
        entry.faultId === faultId &&
        entry.by !== 'run' &&
        entry.status === 'reverted',
    );
    return record ? { by: record.by, at: new Date(record.at) } : undefined;
  }

  /** Records that every change of an announced fault was made (no call of it is still in flight). */
  injected(faultId: string): void {
    // Not flushed: it is written while other targets' hold timers run, and losing it in a machine
    // crash only makes an undo watch a little longer for a call that might still land.
    this.ledger.append({ type: 'injected', faultId, at: new Date().toISOString() }, { flush: 'never' });
  }

  /**
   * Records how a fault's revert ended. Flushed in the background, off the path to the recovery
   * probes: a crash before it reaches the disk leaves what a crash just before the revert returned
   * leaves (the fault open in the ledger, its undo run again from the container's state); the next
   * intent and the run's end are flushed after it.
   */
  reverted(faultId: string, outcome: RevertOutcome | { status: 'not-injected' }): void {
    this.ledger.append(
      { type: 'reverted', faultId, status: outcome.status, by: 'run', at: new Date().toISOString() },
      { flush: 'soon' },
    );
  }

  /**
   * The run is over: ends the ledger, lets the watchdog go and frees the containers. When a revert
   * failed (`leftBehind`), the watchdog is not let go: it keeps retrying what is left for its retry
   * window and frees the containers itself.
   */
  close(outcome: string, leftBehind = false): void {
    const handOver = leftBehind && this.lease !== undefined;
    try {
      this.ledger.append({ type: 'end', outcome, at: new Date().toISOString() });
    } finally {
      this.ledger.close();
      if (handOver) this.lease.handOver();
      else this.lease?.release();
      if (!handOver) releaseLocks(this.options.stateDir, this.runId);
    }
  }
}
