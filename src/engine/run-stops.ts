import { FaultlineError } from '../errors.js';
import type { InjectedFault } from '../faults/fault.js';
import { formatDuration } from '../util/duration.js';

/**
 * Why a run stopped before its end. Each is the reason of the run's abort signal; the verdict reads
 * which one it was.
 */
export class Interrupted extends Error {}

/**
 * A guard stopped the run: it failed (harm started), or it could not be checked at all (`errored`: a
 * refused query, an unreachable server), and a run whose harm cannot be watched is stopped too.
 */
export class GuardTripped extends Error {
  constructor(
    readonly probe: string,
    readonly reason: string,
    readonly at: number,
    readonly errored = false,
  ) {
    super(`guard "${probe}" ${errored ? 'could not be checked' : 'failed'}: ${reason}`);
  }
}

export class DeadlineExceeded extends Error {}

/** A fault reached the run's hard maximum hold (`--max-hold`, `safety.max-hold`). */
export class HoldLimitReached extends Error {
  constructor(fault: InjectedFault, maxHoldMs: number) {
    super(
      `${fault.kind} on ${fault.target.name} reached max-hold (${formatDuration(maxHoldMs)}) and was reverted; the experiment did not run as written`,
    );
  }
}

/** An error the run expects and explains in its summary; anything else is logged with its stack. */
export function isExplained(error: unknown): boolean {
  return (
    error instanceof FaultlineError ||
    error instanceof Interrupted ||
    error instanceof DeadlineExceeded ||
    error instanceof GuardTripped ||
    error instanceof HoldLimitReached
  );
}

/**
 * The run's abort signal. From `begin` on it is aborted by the caller's signal (Ctrl-C / SIGTERM) or
 * by the run's timeout; `abort` stops it for any other reason (a guard, the hold limit). `dispose`
 * clears the deadline and the listener.
 */
export class RunStop {
  private readonly controller = new AbortController();
  private deadline: NodeJS.Timeout | undefined;
  private outer: AbortSignal | undefined;
  private readonly onInterrupt = () => this.abort(new Interrupted('interrupted'));

  begin(outer: AbortSignal, timeoutMs: number): void {
    this.outer = outer;
    if (outer.aborted) this.onInterrupt();
    outer.addEventListener('abort', this.onInterrupt, { once: true });
    this.deadline = setTimeout(
      () => this.abort(new DeadlineExceeded(`the run exceeded its timeout of ${formatDuration(timeoutMs)}`)),
      timeoutMs,
    );
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(reason: Error): void {
    this.controller.abort(reason);
  }

  /** The error that ended the run: the abort's reason when the run was aborted, else what was thrown. */
  errorOf(caught: unknown): unknown {
    const { signal } = this.controller;
    return signal.aborted && signal.reason instanceof Error ? signal.reason : caught;
  }

  dispose(): void {
    clearTimeout(this.deadline);
    this.outer?.removeEventListener('abort', this.onInterrupt);
  }
}
