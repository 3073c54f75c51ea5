import { afterEach, describe, expect, it } from 'vitest';
import { parseWorkloadThreshold } from '../../../src/probes/workload/thresholds.js';
import type { WorkloadSpec } from '../../../src/probes/workload/types.js';
import { judgeWorkloadRun, startWorkload } from '../../../src/probes/workload/workload-probe.js';
import { type KvStore, type StoreAction, startKvStore } from './kv-store.js';

const stores: KvStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const deps = { cwd: process.cwd(), signal: new AbortController().signal };

function spec(store: KvStore, overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return {
    write: { http: { url: `${store.url}/kv/\${id}`, method: 'PUT', body: { value: '${id}' } } },
    read: { http: { url: `${store.url}/kv`, values: '$.values', next: '$.next' } },
    rate: 50,
    concurrency: 16,
    writes: 1000,
    timeout: 300,
    ...overrides,
  };
}

const THRESHOLDS = [
  'lost == 0',
  'duplicates == 0',
  'available.before > 90%',
  'available.during > 50%',
  'available.after > 90%',
].map(parseWorkloadThreshold);

function idsWhere(store: KvStore, ...actions: StoreAction[]): string[] {
  return [...store.actions].filter(([, action]) => actions.includes(action)).map(([id]) => id);
}

describe('the workload probe against a real HTTP store', () => {
  it('counts lost and duplicated writes exactly, never takes an indeterminate one for lost, and sees refusals', async () => {
    const store = await startKvStore({
      drop: (seq) => seq % 10 === 3,
      double: (seq) => seq % 10 === 7,
      delay: (seq) => seq % 25 === 11,
      delayStores: (seq) => seq % 2 === 1,
      delayMs: 1500,
      pageSize: 7,
    });
    stores.push(store);
    const workload = startWorkload(spec(store, { timeout: 1000 }), { cwd: process.cwd() });
    // The store refuses exactly the writes sent while the phase is `during`: writes leave in order, so
    // the count sent when a phase is marked is the first id of that phase.
    let window = { from: Number.POSITIVE_INFINITY, to: Number.POSITIVE_INFINITY };
    store.switches.refuse = (seq) => seq >= window.from && seq < window.to;
    await sleep(1200);
    workload.mark('during');
    window = { ...window, from: workload.sent };
    await sleep(1000);
    workload.mark('after');
    window = { ...window, to: workload.sent };
    await sleep(1200);
    const run = await workload.stop();
    const result = await judgeWorkloadRun(spec(store), run, THRESHOLDS, deps);

    const dropped = idsWhere(store, 'dropped');
    const doubled = idsWhere(store, 'doubled');
    const delayed = idsWhere(store, 'delayed-stored', 'delayed-dropped');
    expect(dropped.length).toBeGreaterThan(3);
    expect(doubled.length).toBeGreaterThan(3);
    expect(idsWhere(store, 'delayed-dropped').length).toBeGreaterThan(0);
    expect(store.pagesServed).toBeGreaterThan(10);

    const report = result.report!;
    expect(report.lost.count).toBe(dropped.length);
    expect(report.lost.examples.map((write) => write.id)).toEqual(dropped.slice(0, 10));
    expect(report.lost.examples.every((write) => write.told === '201 stored')).toBe(true);
    expect(report.duplicates).toMatchObject({ ids: doubled.length, extraCopies: doubled.length });
    expect(report.indeterminate).toEqual({
      count: delayed.length,
      present: idsWhere(store, 'delayed-stored').length,
    });
    const lostIds = new Set(report.lost.examples.map((write) => write.id));
    expect(delayed.some((id) => lostIds.has(id))).toBe(false);
    expect(report.unexpected.count).toBe(0);

    const refused = idsWhere(store, 'refused').length;
    expect(refused).toBeGreaterThan(30);
    expect(report.totals.during).toMatchObject({ attempted: refused, refused, acknowledged: 0 });
    expect(report.totals.before.refused + report.totals.after.refused).toBe(0);
    expect(result.status).toBe('fail');
    expect(result.checks).toEqual([
      { name: 'lost', expected: '== 0', actual: String(dropped.length), ok: false },
      { name: 'duplicates', expected: '== 0', actual: String(doubled.length), ok: false },
      expect.objectContaining({ name: 'available.before', ok: true }),
      { name: 'available.during', expected: '> 50%', actual: '0%', ok: false },
      expect.objectContaining({ name: 'available.after', ok: true }),
    ]);
    const seconds = report.timeline.length;
    expect(seconds).toBeGreaterThanOrEqual(3);
    expect(report.timeline.reduce((sum, bucket) => sum + bucket.refused, 0)).toBe(refused);
  });

  it('passes a store that keeps every acknowledged write once', async () => {
    const store = await startKvStore({ pageSize: 50 });
    stores.push(store);
    const workload = startWorkload(spec(store, { rate: 100, writes: 120 }), { cwd: process.cwd() });
    await sleep(1500);
    expect(workload.exhausted).toBe(true);
    const run = await workload.stop();
    const result = await judgeWorkloadRun(spec(store), run, THRESHOLDS.slice(0, 3), deps);
    expect(result.status).toBe('pass');
    expect(result.reason).toBe('120 of 120 writes acknowledged; lost 0, duplicates 0, available.before 100%');
    expect(new Set(store.values).size).toBe(120);
    expect(store.values.every((value) => value.startsWith(`${run.prefix}-`))).toBe(true);
  });

  it('keeps two runs against one store apart, and makes a failed read-back a probe error', async () => {
    const store = await startKvStore();
    stores.push(store);
    const first = startWorkload(spec(store, { writes: 20, rate: 200 }), { cwd: process.cwd() });
    const second = startWorkload(spec(store, { writes: 20, rate: 200 }), { cwd: process.cwd() });
    await sleep(300);
    const [one, two] = [await first.stop(), await second.stop()];
    expect(one.prefix).not.toBe(two.prefix);
    const judged = await judgeWorkloadRun(spec(store), one, THRESHOLDS.slice(0, 2), deps);
    expect(judged).toMatchObject({ status: 'pass' });
    expect(judged.report).toMatchObject({ unexpected: { count: 0 }, duplicates: { ids: 0 } });

    const broken = spec(store, { read: { http: { url: `${store.url}/nothing`, values: '$.values' } } });
    const failed = await judgeWorkloadRun(broken, one, THRESHOLDS.slice(0, 1), deps);
    expect(failed).toEqual({
      status: 'error',
      reason: `the read-back from ${store.url}/nothing answered 404: no such path`,
      checks: [],
    });
  });
});
