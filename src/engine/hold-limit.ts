import { EnvironmentError } from '../errors.js';
import type { InjectedFault } from '../faults/fault.js';
import { formatDuration } from '../util/duration.js';
import type { FaultRegistry } from './fault-registry.js';
import type { PlannedStep } from './plan.js';

/** The lowest of the hold limits that are set (`--max-hold`, `safety.max-hold`), if any is. */
export function effectiveMaxHold(...limits: (number | undefined)[]): number | undefined {
  const set = limits.filter((limit): limit is number => limit !== undefined);
  return set.length > 0 ? Math.min(...set) : undefined;
}

export class HoldLimitError extends EnvironmentError {
  constructor(problems: string[]) {
    super('HOLD_LIMIT', `${problems.join('; ')}; nothing was injected`, {
      hint: 'Shorten the fault, or raise --max-hold / safety.max-hold: a fault is never held longer than it.',
    });
  }
}

/** A fault whose duration is longer than the hold limit could never run as written: refuse it up front. */
export function refuseLongerThan(maxHoldMs: number | undefined, steps: readonly PlannedStep[]): void {
  if (maxHoldMs === undefined) return;
  const problems = faultSteps(steps)
    .filter((step) => step.durationMs !== undefined && step.durationMs > maxHoldMs)
    .map(
      (step) =>
        `${step.path} ${step.faultKind} lasts ${formatDuration(step.durationMs!)}, longer than max-hold (${formatDuration(maxHoldMs)})`,
    );
  if (problems.length > 0) throw new HoldLimitError(problems);
}

function faultSteps(steps: readonly PlannedStep[]): (PlannedStep & { kind: 'fault' })[] {
  return steps.flatMap((step) =>
    step.kind === 'fault' ? [step] : step.kind === 'parallel' ? faultSteps(step.steps) : [],
  );
}

/**
 * The run's own enforcement of the hold limit: a fault still in place when it has been held for
 * max-hold stops the run (everything is reverted at once). The watchdog enforces the same limit from
 * outside, for a run that is frozen.
 */
export class HoldLimit {
  private readonly timers = new Set<NodeJS.Timeout>();
  private limit: { ms: number; registry: FaultRegistry; reached: (fault: InjectedFault) => void } | undefined;

  arm(ms: number | undefined, registry: FaultRegistry, reached: (fault: InjectedFault) => void): void {
    if (ms !== undefined) this.limit = { ms, registry, reached };
  }

  start(fault: InjectedFault): void {
    const limit = this.limit;
    if (!limit) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (limit.registry.active().includes(fault)) limit.reached(fault);
      },
      Math.max(0, fault.injectedAt.getTime() + limit.ms - Date.now()),
    );
    this.timers.add(timer);
  }

  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
