import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSampler } from '../../../src/engine/hypothesis.js';
import type { ProbeEnvironment } from '../../../src/probes/run-probe.js';
import { FakeDocker } from '../support/fake-docker.js';

const env = (signal: AbortSignal): ProbeEnvironment => ({
  docker: new FakeDocker(),
  cwd: process.cwd(),
  signal,
  targetsOf: () => [],
});

/** Whether `promise` has settled once every pending callback that needs no timer has run. */
async function settledWithoutTimers(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => {
    settled = true;
  });
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await vi.advanceTimersByTimeAsync(0);
  return settled;
}

describe('startSampler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('stops at once, without waiting out the tick it sleeps between samples', async () => {
    const sampler = startSampler(
      [],
      'during',
      env(new AbortController().signal),
      () => false,
      () => {},
    );
    await vi.advanceTimersByTimeAsync(10);
    // The loop sleeps between ticks: stopping wakes it, so the next phase is not held up.
    expect(await settledWithoutTimers(sampler.stop())).toBe(true);
  });

  it('still stops when the run is aborted', async () => {
    const run = new AbortController();
    const sampler = startSampler(
      [],
      'guard',
      env(run.signal),
      () => false,
      () => {},
    );
    run.abort(new Error('interrupted'));
    expect(await settledWithoutTimers(sampler.stop())).toBe(true);
  });
});
