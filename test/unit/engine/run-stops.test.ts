import { afterEach, describe, expect, it, vi } from 'vitest';
import { effectiveMaxHold, HoldLimitError, refuseLongerThan } from '../../../src/engine/hold-limit.js';
import type { PlannedStep } from '../../../src/engine/plan.js';
import { DeadlineExceeded, Interrupted, RunStop } from '../../../src/engine/run-stops.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('RunStop', () => {
  it('is interrupted at once when the caller signal is already aborted', () => {
    const outer = new AbortController();
    outer.abort();
    const stop = new RunStop();
    stop.begin(outer.signal, 60_000);
    expect(stop.signal.reason).toBeInstanceOf(Interrupted);
    expect(stop.errorOf(new Error('thrown by a phase'))).toBe(stop.signal.reason);
    stop.dispose();
  });

  it('is interrupted when the caller signal aborts, and no longer once disposed', () => {
    const outer = new AbortController();
    const stop = new RunStop();
    stop.begin(outer.signal, 60_000);
    const thrown = new Error('thrown by a phase');
    expect(stop.errorOf(thrown)).toBe(thrown);
    outer.abort();
    expect(stop.signal.reason).toBeInstanceOf(Interrupted);
    stop.dispose();

    const later = new AbortController();
    const disposed = new RunStop();
    disposed.begin(later.signal, 60_000);
    disposed.dispose();
    later.abort();
    expect(disposed.signal.aborted).toBe(false);
  });

  it('times out with the run timeout in the message, not before begin and not after dispose', () => {
    vi.useFakeTimers();
    const stop = new RunStop();
    vi.advanceTimersByTime(10_000);
    expect(stop.signal.aborted).toBe(false);
    stop.begin(new AbortController().signal, 5_000);
    vi.advanceTimersByTime(4_999);
    expect(stop.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(stop.signal.reason).toBeInstanceOf(DeadlineExceeded);
    expect((stop.signal.reason as Error).message).toBe('the run exceeded its timeout of 5s');

    const disposed = new RunStop();
    disposed.begin(new AbortController().signal, 5_000);
    disposed.dispose();
    vi.advanceTimersByTime(10_000);
    expect(disposed.signal.aborted).toBe(false);
  });
});

describe('hold limit', () => {
  const step = (path: string, durationMs: number | undefined) =>
    ({ kind: 'fault', path, faultKind: 'pause', durationMs }) as PlannedStep;

  it('takes the lowest limit that is set', () => {
    expect(effectiveMaxHold(undefined, undefined)).toBeUndefined();
    expect(effectiveMaxHold(30_000, undefined)).toBe(30_000);
    expect(effectiveMaxHold(30_000, 10_000)).toBe(10_000);
  });

  it('refuses a fault, also in a parallel step, that lasts longer than the limit', () => {
    const steps = [
      step('method[0]', 5_000),
      { kind: 'parallel', path: 'method[1]', steps: [step('method[1].parallel[0]', 20_000)] } as PlannedStep,
      step('method[2]', undefined),
    ];
    expect(() => refuseLongerThan(undefined, steps)).not.toThrow();
    expect(() => refuseLongerThan(20_000, steps)).not.toThrow();
    expect(() => refuseLongerThan(10_000, steps)).toThrow(HoldLimitError);
    expect(() => refuseLongerThan(10_000, steps)).toThrow(
      'method[1].parallel[0] pause lasts 20s, longer than max-hold (10s); nothing was injected',
    );
  });
});
