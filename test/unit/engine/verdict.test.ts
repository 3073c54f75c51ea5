import { describe, expect, it } from 'vitest';
import { HoldLimitError } from '../../../src/engine/hold-limit.js';
import {
  DeadlineExceeded,
  GuardTripped,
  HoldLimitReached,
  Interrupted,
  isExplained,
} from '../../../src/engine/run-stops.js';
import { decide, guardReport, type VerdictInput } from '../../../src/engine/verdict.js';
import type { InjectedFault } from '../../../src/faults/fault.js';
import type { FaultRecord, ProbeSummary } from '../../../src/model/journal.js';
import { OUTCOME_EXIT_CODES } from '../../../src/model/outcomes.js';

const target = { id: 'c0ffee', name: 'shop-api-1' };

function fault(status: FaultRecord['status'], extra: Partial<FaultRecord> = {}): FaultRecord {
  return {
    faultId: `f-${status}`,
    fault: 'pause',
    target,
    injectedAt: '2026-01-01T00:00:00.000Z',
    revertedAt: '2026-01-01T00:00:02.000Z',
    status,
    detail: status === 'failed' ? 'docker unpause: connection refused' : 'unpaused',
    ...(status === 'failed' ? { remedy: 'docker unpause shop-api-1' } : {}),
    ...extra,
  };
}

function probe(
  name: string,
  phase: ProbeSummary['phase'],
  status: ProbeSummary['status'],
  reason = status === 'pass' ? 'HTTP 200' : 'HTTP 503',
): ProbeSummary {
  const failures = status === 'pass' || status === 'not-run' ? 0 : 1;
  return { probe: name, phase, status, samples: 4, failures, reason };
}

const healthy: ProbeSummary[] = [
  probe('api', 'before', 'pass'),
  probe('api', 'during', 'pass'),
  probe('api', 'after', 'pass'),
];

function input(overrides: Partial<VerdictInput> = {}): VerdictInput {
  return {
    faults: [fault('reverted')],
    probes: healthy,
    error: undefined,
    baselineMissed: false,
    rollbackErrors: [],
    ...overrides,
  };
}

const injected = { kind: 'pause', target, injectedAt: new Date() } as unknown as InjectedFault;

describe('decide', () => {
  it('passes (exit 0) when every probe passed and every fault was reverted', () => {
    const verdict = decide(input());
    expect(verdict).toEqual({
      outcome: 'passed',
      summary: 'the hypothesis held before, during and after the faults',
    });
    expect(OUTCOME_EXIT_CODES[verdict.outcome]).toBe(0);
  });

  it('counts a fault found already reverted or gone as reverted', () => {
    const verdict = decide(input({ faults: [fault('already-reverted'), fault('target-gone')] }));
    expect(verdict.outcome).toBe('passed');
  });

  it('deviates (exit 1) when a probe failed, naming it, its phase, the failed samples and the reason', () => {
    const verdict = decide(
      input({ probes: [probe('api', 'before', 'pass'), probe('api', 'during', 'fail', 'took 2.1s')] }),
    );
    expect(verdict.outcome).toBe('deviated');
    expect(OUTCOME_EXIT_CODES[verdict.outcome]).toBe(1);
    expect(verdict.summary).toBe('the hypothesis did not hold: api (during, 1/4 failed): took 2.1s');
  });

  it('errors (exit 3) when a probe could not run, even if another one failed: a probe error is never a verdict on the system', () => {
    const verdict = decide(
      input({
        probes: [probe('api', 'during', 'fail'), probe('db', 'after', 'error', 'spawn psql ENOENT')],
      }),
    );
    expect(verdict.outcome).toBe('errored');
    expect(OUTCOME_EXIT_CODES[verdict.outcome]).toBe(3);
    expect(verdict.summary).toBe('a probe could not run: db (after): spawn psql ENOENT');
  });

  it('errors (exit 3) when a fault did not act as asked, even if every probe passed: the hypothesis was not tested', () => {
    const verdict = decide(
      input({
        faults: [
          fault('reverted', {
            fault: 'http-delay',
            problem: 'traffic to 10.0.0.2:5432 is not plaintext HTTP/1.x',
          }),
        ],
        probes: [probe('api', 'during', 'pass')],
      }),
    );
    expect(verdict.outcome).toBe('errored');
    expect(OUTCOME_EXIT_CODES[verdict.outcome]).toBe(3);
    expect(verdict.summary).toBe(
      'a fault did not act as asked, so the hypothesis was not tested against it: http-delay on shop-api-1: traffic to 10.0.0.2:5432 is not plaintext HTTP/1.x',
    );
  });

  it('errors when the baseline was missed, listing the probes that missed it, before the probe errors', () => {
    const verdict = decide(
      input({
        baselineMissed: true,
        faults: [],
        probes: [
          probe('api', 'before', 'fail', 'HTTP 503'),
          probe('db', 'before', 'pass'),
          probe('db', 'during', 'error', 'never sampled'),
        ],
      }),
    );
    expect(verdict).toEqual({
      outcome: 'errored',
      summary:
        'baseline not met, nothing was injected: the system was not healthy to begin with (api: HTTP 503)',
    });
  });

  it('says a baseline probe that could not run is not an unhealthy system', () => {
    const verdict = decide(
      input({
        baselineMissed: true,
        faults: [],
        probes: [
          probe('errors', 'before', 'error', 'Prometheus refused the query (bad_data)'),
          probe('db', 'before', 'pass'),
        ],
      }),
    );
    expect(verdict.summary).toBe(
      'baseline not met, nothing was injected: the baseline could not be checked (errors: Prometheus refused the query (bad_data))',
    );
    const both = decide(
      input({
        baselineMissed: true,
        faults: [],
        probes: [probe('api', 'before', 'fail', 'HTTP 503'), probe('errors', 'before', 'error', 'refused')],
      }),
    );
    expect(both.summary).toBe(
      'baseline not met, nothing was injected: the system was not healthy to begin with (api: HTTP 503); the baseline could not be checked (errors: refused)',
    );
  });

  it('errors when a rollback failed, though the hypothesis held', () => {
    const verdict = decide(input({ rollbackErrors: ['rollbacks[0] command: exited with 1'] }));
    expect(verdict).toEqual({
      outcome: 'errored',
      summary: 'a rollback failed: rollbacks[0] command: exited with 1',
    });
  });

  it('lets a failed hypothesis wait for a failed rollback: the rollback error decides', () => {
    const verdict = decide(
      input({ probes: [probe('api', 'during', 'fail')], rollbackErrors: ['rollbacks[0] x: exited with 1'] }),
    );
    expect(verdict.outcome).toBe('errored');
  });

  it('errors with the message and the hint of a known error (an environment that broke)', () => {
    const verdict = decide(input({ error: new HoldLimitError(['method[0] pause lasts 2m']) }));
    expect(verdict.outcome).toBe('errored');
    expect(verdict.summary).toBe(
      'method[0] pause lasts 2m; nothing was injected (Shorten the fault, or raise --max-hold / safety.max-hold: a fault is never held longer than it.)',
    );
  });

  it('errors with the message of an unexpected error, and over a failed probe', () => {
    const verdict = decide(input({ error: new TypeError('boom'), probes: [probe('api', 'during', 'fail')] }));
    expect(verdict).toEqual({ outcome: 'errored', summary: 'boom' });
    expect(decide(input({ error: 'a thrown string' })).summary).toBe('a thrown string');
  });

  it('errors when the run timed out', () => {
    const verdict = decide(input({ error: new DeadlineExceeded('the run exceeded its timeout of 5s') }));
    expect(verdict).toEqual({ outcome: 'errored', summary: 'the run exceeded its timeout of 5s' });
  });

  it('is interrupted (exit 130) on Ctrl-C, whatever the probes said', () => {
    const verdict = decide(
      input({ error: new Interrupted('interrupted'), probes: [probe('api', 'during', 'fail')] }),
    );
    expect(verdict).toEqual({
      outcome: 'interrupted',
      summary: 'interrupted; every injected fault was reverted',
    });
    expect(OUTCOME_EXIT_CODES[verdict.outcome]).toBe(130);
  });

  it('is aborted (exit 5) by a guard, naming it', () => {
    const verdict = decide(input({ error: new GuardTripped('error-budget', 'HTTP 500', Date.now()) }));
    expect(verdict).toEqual({
      outcome: 'aborted',
      summary: 'aborted by a guard: guard "error-budget" failed: HTTP 500; every fault was reverted',
    });
    expect(OUTCOME_EXIT_CODES[verdict.outcome]).toBe(5);
  });

  it('errors (exit 3), not aborts, when a guard could not be checked: nothing says harm started', () => {
    const error = new GuardTripped(
      'error-budget',
      'Prometheus refused the query (bad_data)',
      Date.now(),
      true,
    );
    const verdict = decide(input({ error }));
    expect(verdict).toEqual({
      outcome: 'errored',
      summary:
        'stopped by a guard: guard "error-budget" could not be checked: Prometheus refused the query (bad_data); every fault was reverted',
    });
    expect(OUTCOME_EXIT_CODES[verdict.outcome]).toBe(3);
    expect(guardReport(error, [])).toMatchObject({ probe: 'error-budget' });
  });

  it('says nothing was injected when a guard failed before the first fault', () => {
    const verdict = decide(
      input({ error: new GuardTripped('error-budget', 'HTTP 500', Date.now()), faults: [] }),
    );
    expect(verdict).toEqual({
      outcome: 'aborted',
      summary: 'aborted by a guard: guard "error-budget" failed: HTTP 500; nothing was injected',
    });
  });

  it('is aborted by the hold limit', () => {
    const verdict = decide(input({ error: new HoldLimitReached(injected, 2000) }));
    expect(verdict.outcome).toBe('aborted');
    expect(verdict.summary).toBe(
      'aborted by the hold limit: pause on shop-api-1 reached max-hold (2s) and was reverted; the experiment did not run as written; every fault was reverted',
    );
  });

  it('is revert-failed (exit 4) when a fault could not be reverted, over any other reason, with the undo command', () => {
    for (const error of [undefined, new Interrupted('interrupted'), new GuardTripped('g', 'down', 0)]) {
      const verdict = decide(input({ error, faults: [fault('reverted'), fault('failed')] }));
      expect(verdict).toEqual({
        outcome: 'revert-failed',
        summary:
          'could not revert 1 fault(s): pause on shop-api-1 (docker unpause: connection refused; undo: docker unpause shop-api-1)',
      });
      expect(OUTCOME_EXIT_CODES[verdict.outcome]).toBe(4);
    }
  });

  it('says the watchdog keeps retrying a failed revert, only when there is one', () => {
    const verdict = decide(input({ faults: [fault('failed')], watchdogPid: 4242 }));
    expect(verdict.summary).toMatch(
      /; the watchdog \(pid 4242\) keeps retrying for up to .+ \(FAULTLINE_RETRY_WINDOW\), then `faultline status` shows what is left$/,
    );
    expect(decide(input({ watchdogPid: 4242 })).summary).not.toContain('watchdog');
  });
});

describe('guardReport', () => {
  it('reports the guard and how long after it tripped the last fault was reverted', () => {
    const at = Date.parse('2026-01-01T00:00:01.000Z');
    const report = guardReport(new GuardTripped('error-budget', 'HTTP 500', at), [
      fault('reverted', { revertedAt: '2026-01-01T00:00:01.120Z' }),
      fault('reverted', { revertedAt: '2026-01-01T00:00:01.250Z' }),
    ]);
    expect(report).toEqual({
      probe: 'error-budget',
      reason: 'HTTP 500',
      trippedAt: '2026-01-01T00:00:01.000Z',
      revertedWithinMs: 250,
    });
  });

  it('has nothing to report when no guard tripped', () => {
    expect(guardReport(new Interrupted('interrupted'), [fault('reverted')])).toBeUndefined();
    expect(guardReport(undefined, [])).toBeUndefined();
  });
});

describe('isExplained', () => {
  it('explains the stops and known errors in the summary, and nothing else', () => {
    expect(isExplained(new Interrupted('x'))).toBe(true);
    expect(isExplained(new DeadlineExceeded('x'))).toBe(true);
    expect(isExplained(new GuardTripped('g', 'r', 0))).toBe(true);
    expect(isExplained(new HoldLimitReached(injected, 1000))).toBe(true);
    expect(isExplained(new HoldLimitError(['x']))).toBe(true);
    expect(isExplained(new TypeError('x'))).toBe(false);
  });
});
