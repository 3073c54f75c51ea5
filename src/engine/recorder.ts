import type { JournalEntry, JournalEvent } from '../model/journal.js';

/** Keeps the run's journal and forwards each entry, as it happens, to a sink (the reporters). */
export class Recorder {
  readonly entries: JournalEntry[] = [];
  private readonly origin = performance.now();

  constructor(private readonly sink: (entry: JournalEntry) => void | Promise<void>) {}

  /** Records an event as happening now, or at `atMs` (epoch ms) for one that began earlier. */
  record(event: JournalEvent, atMs?: number): JournalEntry {
    const ago = atMs === undefined ? 0 : Math.max(0, Date.now() - atMs);
    const entry = {
      ...event,
      at: new Date(Date.now() - ago).toISOString(),
      t: Math.round(performance.now() - ago - this.origin),
    } as JournalEntry;
    this.entries.push(entry);
    try {
      void Promise.resolve(this.sink(entry)).catch(() => undefined);
    } catch {
      // A sink error is the multiplexer's to report; recording goes on.
    }
    return entry;
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.record({ type: 'log', level, message });
  }
}
