import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/model/journal.js';
import { faultImpacts } from '../../../src/report/impact.js';
import { recoveryOf } from '../../../src/report/recovery.js';
import { realReport } from './data/reports.js';

const fragile = () => realReport('fragile-pause').runs[0]!;
const resilient = () => realReport('resilient-pause').runs[0]!;

describe('what a fault did to users, from a real run', () => {
  it('shows the fragile gateway failing a third of the load while backend-a was paused', () => {
    const [pause] = faultImpacts(fragile());
    expect(pause).toMatchObject({ fault: 'pause', target: 'faultline-h7_backend-a_1' });
    const load = pause!.probes.find((probe) => probe.kind === 'load')!;
    expect(load.before).toMatchObject({ errorRate: 0, samples: 41 });
    expect(load.during.errorRate).toBe(0.35);
    expect(load.during.p95).toBeGreaterThan(1900);
    expect(load.after).toMatchObject({ errorRate: 0 });
    expect(load.after.p95).toBeLessThan(100);
    // The HTTP probe missed every check while the fault was in place: the worst change.
    expect(pause!.worst?.text).toBe('error rate 0% → 100% (+100 pts)');
  });

  it('windows the fault from its Docker call to the end of its revert, as the journal records', () => {
    const run = fragile();
    const reverted = run.journal.find((entry) => entry.type === 'fault-reverted');
    const [pause] = faultImpacts(run);
    expect(reverted?.type).toBe('fault-reverted');
    if (reverted?.type !== 'fault-reverted') return;
    expect(pause!.revertedMs).toBe(reverted.t);
    expect(pause!.injectedMs).toBe(reverted.t - reverted.heldMs);
    expect(pause!.probes[0]!.during).toMatchObject({ from: pause!.injectedMs, to: reverted.t });
  });

  it('measures the time to recover: the first sample after the revert from which all met the hypothesis', () => {
    const [pause] = faultImpacts(fragile());
    const http = pause!.probes.find((probe) => probe.kind === 'probe')!;
    const firstAfter = fragile().journal.find(
      (entry) =>
        entry.type === 'probe' && entry.sample.phase === 'after' && entry.sample.probe === http.probe,
    );
    if (firstAfter?.type !== 'probe') throw new Error('the report has no after sample');
    const expected =
      Date.parse(firstAfter.sample.startedAt) - Date.parse(fragile().startedAt) - pause!.revertedMs!;
    expect(http.recovery).toEqual({ status: 'recovered', ms: Math.round(expected) });
    expect(pause!.recovery.ms).toBe(Math.max(...pause!.probes.map((probe) => probe.recovery.ms ?? 0)));
  });

  it('shows the resilient gateway slower but never failing, p95 as the worst change', () => {
    const [pause] = faultImpacts(resilient());
    for (const probe of pause!.probes) expect(probe.during.errorRate).toBe(0);
    expect(pause!.worst).toMatchObject({ metric: 'p95', probe: 'checkout under load' });
    expect(pause!.worst?.text).toBe('p95 20ms → 322ms (+302ms)');
    expect(pause!.recovery.status).toBe('recovered');
  });
});

describe('recovery of a load probe', () => {
  const origin = Date.parse('2025-03-01T10:00:00.000Z');
  /** 20 requests a second from 0 to 8 s; those sent in [failFrom, failTo) fail. */
  function loadRun(failFrom: number, failTo: number, status: RunResult['faults'][0]['status'] = 'reverted') {
    const records = Array.from({ length: 160 }, (_, i) => {
      const at = i * 50;
      const ok = at < failFrom || at >= failTo;
      return { scheduledAt: origin + at, startedAt: origin + at, latencyMs: ok ? 10 : 2000, ok };
    });
    const run = {
      ...resilient(),
      startedAt: new Date(origin).toISOString(),
      durationMs: 8000,
      faults: [{ ...resilient().faults[0]!, status }],
      journal: [
        { type: 'phase', phase: 'method', t: 2000, at: '' },
        {
          type: 'fault-reverted',
          faultId: 'pause-1',
          fault: 'pause',
          status,
          detail: '',
          heldMs: 2000,
          t: 4000,
          at: '',
          target: resilient().faults[0]!.target,
        },
      ],
      load: [{ probe: 'load', url: 'http://x', ratePerSecond: 20, thresholds: ['error_rate < 1%'], records }],
    } as RunResult;
    return faultImpacts(run)[0]!;
  }

  it('counts the time the load kept failing after the revert', () => {
    const impact = loadRun(2000, 5500);
    expect(impact.probes[0]!.recovery).toEqual({ status: 'recovered', ms: 1500 });
    expect(impact.recovery).toEqual({ status: 'recovered', ms: 1500 });
  });

  it('says not recovered when the load still fails at the end of the run', () => {
    expect(loadRun(2000, 9000).recovery).toEqual({ status: 'not-recovered', ms: null });
  });

  it('says not reverted for a fault whose revert failed', () => {
    expect(loadRun(2000, 4000, 'failed').recovery).toEqual({ status: 'not-reverted', ms: null });
  });
});

describe('recoveryOf', () => {
  it('restarts the clock at a miss after a pass: the hypothesis must stay met', () => {
    const checks = [100, 300, 500, 700, 900].map((atMs, i) => ({ atMs, ok: i !== 0 && i !== 2 }));
    expect(recoveryOf(checks, 0)).toEqual({ status: 'recovered', ms: 700 });
  });

  it('is not recovered when the last check misses, and not measured without a check', () => {
    expect(
      recoveryOf(
        [
          { atMs: 10, ok: true },
          { atMs: 20, ok: false },
        ],
        0,
      ).status,
    ).toBe('not-recovered');
    expect(recoveryOf([], 0)).toEqual({ status: 'not-measured', ms: null });
  });
});
