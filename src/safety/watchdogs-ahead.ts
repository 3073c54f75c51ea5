import { newRunId, spawnWatchdog, type Watchdog } from './lease.js';

/**
 * The watchdogs of one invocation's experiments, each started ahead of its run: the first at once,
 * the next as soon as the one before it watches (its start-up then overlaps the run before's faults
 * and probes). Each experiment still has its own watchdog, lease and ledger.
 */
export class WatchdogsAhead {
  private next: Watchdog | undefined;

  constructor(readonly dir: string) {
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
