import { newRunPrefix, writeId } from './ids.js';
import type { SkippedWrite, WorkloadPhase, WorkloadRun, WriteRecord } from './types.js';
import type { WriteAction } from './write-action.js';

export interface WorkloadWriterOptions {
  /** Writes per second. */
  rate: number;
  /** Writes in flight at most. */
  concurrency: number;
  /** Writes sent at most. */
  writes: number;
  /** Each write's deadline (ms); stop() waits at most this long (and a second) for writes in flight. */
  timeout: number;
  action: WriteAction;
  /** This run's id prefix; a fresh random one when absent. */
  prefix?: string;
  /** Epoch ms; the monotonic clock when absent. */
  now?: () => number;
}

const monotonic = (): number => performance.timeOrigin + performance.now();
/** How long past a write's deadline stop() still waits for it before recording it as indeterminate. */
const STOP_GRACE_MS = 1000;

interface InFlight {
  seq: number;
  phase: WorkloadPhase;
  dueAt: number;
  startedAt: number;
}

/**
 * Writes unique values at a fixed rate, open model: slot i is due at t0 + i/rate (always from t0, so
 * rounding never adds up into drift) and its write leaves then, whether or not earlier ones were
 * answered. At most `concurrency` writes are in flight: a slot that falls due while that many are
 * out is counted as skipped, never queued, so a stalled system cannot make writes pile up and leave in
 * a burst when it comes back. At most `writes` writes leave in all; then the writer idles until stop().
 * The phase each write started in is the one last set by mark().
 */
export class WorkloadWriter {
  readonly prefix: string;
  readonly #options: WorkloadWriterOptions;
  readonly #now: () => number;
  readonly #records: WriteRecord[] = [];
  readonly #skipped: SkippedWrite[] = [];
  readonly #inFlight = new Map<number, { write: InFlight; settled: Promise<void> }>();
  #phase: WorkloadPhase = 'before';
  #t0 = 0;
  #slot = 0;
  #sent = 0;
  #timer: NodeJS.Timeout | undefined;
  #state: 'idle' | 'running' | 'stopped' = 'idle';

  constructor(options: WorkloadWriterOptions) {
    for (const key of ['rate', 'concurrency', 'writes', 'timeout'] as const) {
      const value = options[key];
      if (!(value > 0 && Number.isFinite(value)))
        throw new RangeError(`${key} must be a positive number, got ${value}`);
    }
    this.#options = options;
    this.prefix = options.prefix ?? newRunPrefix();
    this.#now = options.now ?? monotonic;
  }

  /** Writes sent so far (answered or not). */
  get sent(): number {
    return this.#sent;
  }

  /** Whether every write allowed has been sent. */
  get exhausted(): boolean {
    return this.#sent >= this.#options.writes;
  }

  start(): void {
    if (this.#state !== 'idle') throw new Error('a workload starts only once');
    this.#state = 'running';
    this.#t0 = this.#now();
    this.#tick();
  }

  /** The phase the writes sent from now on belong to. */
  mark(phase: WorkloadPhase): void {
    this.#phase = phase;
  }

  /**
   * Stops sending and waits for the writes in flight, each up to its deadline (and a second more: one
   * still out then is recorded as indeterminate). Returns every write and skip, in schedule order.
   */
  async stop(): Promise<WorkloadRun> {
    if (this.#state === 'running') {
      this.#sendDue();
      clearTimeout(this.#timer);
    }
    this.#state = 'stopped';
    if (this.#inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#options.timeout + STOP_GRACE_MS);
      });
      await Promise.race([Promise.all([...this.#inFlight.values()].map((entry) => entry.settled)), bound]);
      clearTimeout(timer);
    }
    for (const { write } of this.#inFlight.values()) {
      this.#record(write, {
        outcome: 'indeterminate',
        told: { kind: 'error', message: 'still unanswered when the workload stopped' },
      });
    }
    this.#inFlight.clear();
    const records = [...this.#records].sort((a, b) => a.seq - b.seq);
    return { prefix: this.prefix, startedAt: this.#t0, records, skipped: [...this.#skipped] };
  }

  #dueAt(slot: number): number {
    return this.#t0 + (slot * 1000) / this.#options.rate;
  }

  #tick = (): void => {
    if (this.#state !== 'running') return;
    this.#sendDue();
    if (this.exhausted) return;
    // Timers fire on whole milliseconds and never early: round up so a wake-up finds its slot due.
    const wait = this.#dueAt(this.#slot) - this.#now();
    this.#timer = setTimeout(this.#tick, Math.max(1, Math.ceil(wait)));
  };

  #sendDue(): void {
    const now = this.#now();
    while (!this.exhausted && this.#dueAt(this.#slot) <= now) {
      if (this.#inFlight.size >= this.#options.concurrency) {
        this.#skipped.push({ phase: this.#phase, dueAt: this.#dueAt(this.#slot) });
      } else {
        this.#send(this.#dueAt(this.#slot));
      }
      this.#slot++;
    }
  }

  #send(dueAt: number): void {
    const write: InFlight = { seq: this.#sent++, phase: this.#phase, dueAt, startedAt: this.#now() };
    const settled = this.#options
      .action(writeId(this.prefix, write.seq))
      .catch((error: unknown) => ({
        outcome: 'indeterminate' as const,
        told: { kind: 'error' as const, message: error instanceof Error ? error.message : String(error) },
      }))
      .then((result) => {
        if (!this.#inFlight.delete(write.seq)) return;
        this.#record(write, result);
      });
    this.#inFlight.set(write.seq, { write, settled });
  }

  #record(write: InFlight, result: Pick<WriteRecord, 'outcome' | 'told' | 'toolError'>): void {
    this.#records.push({
      seq: write.seq,
      id: writeId(this.prefix, write.seq),
      phase: write.phase,
      dueAt: write.dueAt,
      startedAt: write.startedAt,
      durationMs: this.#now() - write.startedAt,
      ...result,
    });
  }
}
