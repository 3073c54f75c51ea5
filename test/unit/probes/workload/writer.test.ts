import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WriteAction, WriteResult } from '../../../../src/probes/workload/write-action.js';
import { WorkloadWriter } from '../../../../src/probes/workload/writer.js';

const ACK: WriteResult = { outcome: 'acknowledged', told: { kind: 'http', status: 201, body: '' } };

/** A write that the fake system answers `after` ms later (never, when undefined). */
function answeringAfter(
  after: number | undefined,
  result: WriteResult = ACK,
): WriteAction & { ids: string[] } {
  const ids: string[] = [];
  const action = (id: string) => {
    ids.push(id);
    return new Promise<WriteResult>((resolve) => {
      if (after !== undefined) setTimeout(() => resolve(result), after);
    });
  };
  return Object.assign(action, { ids });
}

function writer(
  action: WriteAction,
  overrides: Partial<ConstructorParameters<typeof WorkloadWriter>[0]> = {},
) {
  return new WorkloadWriter({
    rate: 10,
    concurrency: 100,
    writes: 1000,
    timeout: 1000,
    action,
    prefix: 'fltest',
    now: () => Date.now(),
    ...overrides,
  });
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the workload writer', () => {
  it('sends writes at the rate asked, each due i/rate after the start, with ids of its own', async () => {
    const action = answeringAfter(5);
    const workload = writer(action);
    workload.start();
    await vi.advanceTimersByTimeAsync(1000);
    const run = await stopNow(workload);
    expect(run.records.map((record) => record.startedAt - run.startedAt)).toEqual([
      0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000,
    ]);
    expect(action.ids).toEqual(Array.from({ length: 11 }, (_, seq) => `fltest-${seq}`));
    expect(run.records.every((record) => record.outcome === 'acknowledged' && record.durationMs === 5)).toBe(
      true,
    );
    expect(run.skipped).toEqual([]);
  });

  it('skips a write due while the concurrency bound is full, instead of queueing it', async () => {
    const workload = writer(answeringAfter(1000), { concurrency: 2 });
    workload.start();
    await vi.advanceTimersByTimeAsync(450);
    expect(workload.sent).toBe(2);
    await vi.advanceTimersByTimeAsync(600); // the first two answer at 1000 and 1100; 1000 is due then too
    const run = await stopNow(workload);
    expect(run.records.map((record) => record.startedAt - run.startedAt)).toEqual([0, 100, 1000]);
    expect(run.skipped.map((skip) => skip.dueAt - run.startedAt)).toEqual([
      200, 300, 400, 500, 600, 700, 800, 900,
    ]);
  });

  it('sends no more than `writes` writes in all', async () => {
    const workload = writer(answeringAfter(1), { writes: 5 });
    workload.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(workload.exhausted).toBe(true);
    const run = await stopNow(workload);
    expect(run.records).toHaveLength(5);
    expect(run.skipped).toEqual([]);
  });

  it('records the phase each write started in, as marked from outside', async () => {
    const workload = writer(answeringAfter(1));
    workload.start();
    await vi.advanceTimersByTimeAsync(250);
    workload.mark('during');
    await vi.advanceTimersByTimeAsync(200);
    workload.mark('after');
    await vi.advanceTimersByTimeAsync(100);
    const run = await stopNow(workload);
    expect(run.records.map((record) => record.phase)).toEqual([
      'before',
      'before',
      'before',
      'during',
      'during',
      'after',
    ]);
  });

  it('waits on stop for the writes in flight, and keeps what they were told', async () => {
    const refused: WriteResult = { outcome: 'refused', told: { kind: 'http', status: 503, body: 'busy' } };
    const workload = writer(answeringAfter(300, refused));
    workload.start();
    await vi.advanceTimersByTimeAsync(50);
    let stopped = false;
    const stopping = workload.stop().then((run) => {
      stopped = true;
      return run;
    });
    await vi.advanceTimersByTimeAsync(249);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const run = await stopping;
    expect(run.records).toEqual([
      expect.objectContaining({ id: 'fltest-0', outcome: 'refused', durationMs: 300, told: refused.told }),
    ]);
  });

  it('gives up on stop one second past the deadline: a write still out then is indeterminate', async () => {
    const workload = writer(answeringAfter(undefined), { timeout: 500 });
    workload.start();
    const stopping = workload.stop();
    await vi.advanceTimersByTimeAsync(1500);
    const run = await stopping;
    expect(run.records).toEqual([
      expect.objectContaining({
        outcome: 'indeterminate',
        told: { kind: 'error', message: 'still unanswered when the workload stopped' },
      }),
    ]);
  });

  it('counts a write whose attempt throws as indeterminate, and keeps going', async () => {
    let calls = 0;
    const workload = writer(async () => {
      calls++;
      if (calls === 1) throw new Error('socket exploded');
      return ACK;
    });
    workload.start();
    await vi.advanceTimersByTimeAsync(100);
    const run = await stopNow(workload);
    expect(run.records.map((record) => record.outcome)).toEqual(['indeterminate', 'acknowledged']);
    expect(run.records[0]!.told).toEqual({ kind: 'error', message: 'socket exploded' });
  });

  it('refuses a rate, concurrency, count or timeout that is not a positive number', () => {
    const action = answeringAfter(1);
    expect(() => writer(action, { rate: 0 })).toThrow('rate must be a positive number, got 0');
    expect(() => writer(action, { concurrency: Number.NaN })).toThrow(
      'concurrency must be a positive number',
    );
    expect(() => writer(action, { writes: -1 })).toThrow('writes must be a positive number');
    expect(() => writer(action, { timeout: Number.POSITIVE_INFINITY })).toThrow(
      'timeout must be a positive number',
    );
  });

  it('starts only once, and a writer stopped before it started has nothing to report', async () => {
    const workload = writer(answeringAfter(1));
    const run = await workload.stop();
    expect(run).toEqual({ prefix: 'fltest', startedAt: 0, records: [], skipped: [] });
    expect(() => workload.start()).toThrow('a workload starts only once');
  });
});

/** Stops and lets the fake clock run until every write in flight has settled. */
async function stopNow(workload: WorkloadWriter) {
  const stopping = workload.stop();
  await vi.advanceTimersByTimeAsync(5000);
  return stopping;
}
