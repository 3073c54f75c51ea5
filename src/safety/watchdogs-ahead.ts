import { leaseOn, newRunId, spawnWatchdog, type Watchdog } from './lease.js';
import type { StartedWatchdog } from './watchdog-process.js';

/**
 * The watchdogs of one invocation's experiments, each started ahead of its run: the first at once,
 * the next as soon as the one before it watches (its start-up then overlaps the run before's faults
 * and probes). Each experiment still has its own watchdog, lease and ledger.
 */
export class WatchdogsAhead {
  private next: Watchdog | undefined;

  /**
   * `early`, a watchdog started before the CLI was loaded, is the first one if it keeps its state in
   * `dir`; otherwise it is let go and another is started.
   */
  constructor(
    readonly dir: string,
    early?: StartedWatchdog,
  ) {
    if (early?.stateDir === dir) {
      this.next = leaseOn(early);
      return;
    }
    if (early) leaseOn(early).release();
    this.next = spawnWatchdog(dir, newRunId());
  }

  take(more: boolean): Watchdog {
    const taken = this.next ?? spawnWatchdog(this.dir, newRunId());
    this.next = undefined;
    if (!more) return taken;
    return {
      ...taken,
      watch: async () => {
        await taken.watch();
        this.next ??= spawnWatchdog(this.dir, newRunId());
      },
    };
  }

  /** Lets a watchdog started for an experiment that will not run go. */
  dispose(): void {
    this.next?.release();
    this.next = undefined;
  }
}
