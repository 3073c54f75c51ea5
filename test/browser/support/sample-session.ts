import type { LoadSeries, RequestRecord } from '../../../src/load/types.js';
import type { FaultRecord, JournalEntry, RunResult, SessionResult } from '../../../src/model/journal.js';
import type { Target } from '../../../src/targets/target.js';
import { at, entry, START, sample } from '../../unit/reporters/fixtures.js';

export const backendA: Target = { id: 'aa11aa11aa11aa11', name: 'backend-a', service: 'backend-a' };
export const backendB: Target = { id: 'bb22bb22bb22bb22', name: 'backend-b', service: 'backend-b' };

/** When each fault was in place, in ms since the run started: what the chart must shade. */
export const PAUSE_A = { startMs: 2000, endMs: 8000 };
export const DELAY_B = { startMs: 5000, endMs: 11_000 };
export const RUN_MS = 14_600;

/** A title a hostile experiment file could carry: shown as text, it must load nothing. */
export const HOSTILE_TITLE = 'Checkout survives losing a backend <img src="http://127.0.0.1:9/pixel.png">';

/**
 * A checkout behind two backends: backend-a is paused from 2 s to 8 s and backend-b slowed from 5 s to
 * 11 s. While both are hit, checkout fails; a load probe sends 20 requests a second all along.
 */
export function fragileCheckoutRun(): RunResult & { load: LoadSeries[] } {
  const pause: FaultRecord = {
    faultId: 'pause-a#1',
    fault: 'pause',
    target: backendA,
    injectedAt: at(PAUSE_A.startMs),
    revertedAt: at(PAUSE_A.endMs),
    status: 'reverted',
    detail: 'unpaused',
  };
  const delay: FaultRecord = {
    faultId: 'slow-b#1',
    fault: 'network-delay',
    target: backendB,
    injectedAt: at(DELAY_B.startMs),
    revertedAt: at(DELAY_B.endMs),
    status: 'reverted',
    detail: 'qdisc removed',
  };
  const journal: JournalEntry[] = [
    entry(0, { type: 'phase', phase: 'resolve' }),
    entry(40, { type: 'targets', step: 'pause-a', selector: 'service=backend-a', targets: [backendA] }),
    entry(100, { type: 'phase', phase: 'before' }),
    entry(130, { type: 'probe', sample: sample(100, { probe: 'checkout responds', durationMs: 30 }) }),
    entry(1500, { type: 'phase', phase: 'method' }),
    entry(PAUSE_A.startMs, {
      type: 'fault-injected',
      faultId: 'pause-a#1',
      fault: 'pause',
      target: backendA,
      detail: 'paused',
    }),
    entry(DELAY_B.startMs, {
      type: 'fault-injected',
      faultId: 'slow-b#1',
      fault: 'network-delay',
      target: backendB,
      detail: 'delay 200ms',
    }),
  ];
  for (let t = 2500; t < 11_000; t += 1000) {
    const bothHit = t > DELAY_B.startMs && t < PAUSE_A.endMs;
    journal.push(
      entry(t + 100, {
        type: 'probe',
        sample: sample(t, {
          phase: 'during',
          status: bothHit ? 'fail' : 'pass',
          reason: bothHit ? 'status: expected 200, saw 503' : 'status: expected 200, saw 200',
          checks: [
            { name: 'status', expected: '200', actual: bothHit ? '503' : '200', ok: !bothHit },
            { name: 'latency', expected: '< 500ms', actual: `${bothHit ? 240 : 40}ms`, ok: true },
          ],
          durationMs: bothHit ? 240 : t > DELAY_B.startMs ? 210 : 40,
        }),
      }),
      entry(t + 300, {
        type: 'probe',
        sample: sample(t + 200, { probe: 'error budget', phase: 'guard', durationMs: 8, checks: [] }),
      }),
    );
  }
  journal.push(
    entry(PAUSE_A.endMs, {
      type: 'fault-reverted',
      faultId: 'pause-a#1',
      fault: 'pause',
      target: backendA,
      status: 'reverted',
      detail: 'unpaused',
      heldMs: PAUSE_A.endMs - PAUSE_A.startMs,
    }),
    entry(DELAY_B.endMs, {
      type: 'fault-reverted',
      faultId: 'slow-b#1',
      fault: 'network-delay',
      target: backendB,
      status: 'reverted',
      detail: 'qdisc removed',
      heldMs: DELAY_B.endMs - DELAY_B.startMs,
    }),
    entry(11_100, { type: 'phase', phase: 'after' }),
    entry(12_140, { type: 'probe', sample: sample(12_100, { phase: 'after', durationMs: 35 }) }),
    entry(13_140, { type: 'probe', sample: sample(13_100, { phase: 'after', durationMs: 31 }) }),
  );
  return {
    file: 'experiments/checkout-backends.yaml',
    title: HOSTILE_TITLE,
    description: 'Checkout calls backend-a and falls back to backend-b: losing one must not be visible.',
    tags: ['checkout'],
    seed: 7,
    startedAt: START,
    finishedAt: at(RUN_MS),
    durationMs: RUN_MS,
    outcome: 'deviated',
    exitCode: 1,
    summary: 'The hypothesis did not hold: "checkout responds" failed during the method (3 of 9 samples).',
    faults: [pause, delay],
    probes: [
      { probe: 'checkout responds', phase: 'before', status: 'pass', samples: 1, failures: 0, reason: 'ok' },
      {
        probe: 'checkout responds',
        phase: 'during',
        status: 'fail',
        samples: 9,
        failures: 3,
        reason: 'status: expected 200, saw 503',
      },
      { probe: 'checkout responds', phase: 'after', status: 'pass', samples: 2, failures: 0, reason: 'ok' },
    ],
    journal,
    load: [
      {
        probe: 'checkout load',
        url: 'http://127.0.0.1:8080/checkout',
        ratePerSecond: 20,
        thresholds: ['p95 < 300ms', 'error_rate < 1%'],
        records: loadRecords(),
      },
    ],
  };
}

/** 20 requests a second from 0.5 s to 14 s, slower and failing while the faults overlap. Deterministic. */
function loadRecords(): RequestRecord[] {
  const origin = Date.parse(START);
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const records: RequestRecord[] = [];
  for (let ms = 500; ms < 14_000; ms += 50) {
    const paused = ms >= PAUSE_A.startMs && ms < PAUSE_A.endMs;
    const slowed = ms >= DELAY_B.startMs && ms < DELAY_B.endMs;
    const base = 18 + random() * 12;
    const latencyMs = base + (slowed ? 200 + random() * 40 : 0) + (paused && random() < 0.2 ? 120 : 0);
    const failed = paused && slowed && random() < 0.3;
    records.push({
      scheduledAt: origin + ms,
      startedAt: origin + ms + 0.4,
      latencyMs: failed ? 1000 : latencyMs,
      ...(failed ? { error: 'status 503', status: 503 } : { status: 200 }),
      ok: !failed,
    });
  }
  return records;
}

export function sampleSession(): SessionResult {
  const run: RunResult = fragileCheckoutRun();
  return { runs: [run], invalid: [], exitCode: 1, startedAt: START, durationMs: RUN_MS };
}
