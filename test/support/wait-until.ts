import type { Check } from '../../src/model/journal.js';
import { PrometheusError, type QueryResult } from '../../src/probes/prometheus/answer.js';
import { judgeValue } from '../../src/probes/prometheus/judge.js';
import { type PrometheusQuery, queryPrometheus } from '../../src/probes/prometheus/query.js';
import type { Comparison } from '../../src/util/comparison.js';
import { sleep } from '../../src/util/sleep.js';

/** Refusals no later query gets past (a query that does not parse, gives a string, a bad header). */
const REFUSED = new Set(['bad_data', 'result', 'request']);

/** One instant query as a function of a signal: only its result, for waitUntilValue to poll. */
export function instantQuery(spec: PrometheusQuery, timeoutMs: number) {
  return async (signal: AbortSignal): Promise<QueryResult> =>
    (await queryPrometheus(spec, timeoutMs, signal)).result;
}

export interface WaitForValue {
  /** One instant query, e.g. instantQuery(...) above. */
  query: (signal: AbortSignal) => Promise<QueryResult>;
  bound: Comparison;
  /** Between the starts of two queries; a slow answer delays the next one. */
  intervalMs: number;
  /** Epoch ms the wait is measured from. */
  startedAt: number;
  /** Epoch ms of the last query. */
  deadline: number;
  signal: AbortSignal;
}

/** A query: when it was sent (ms after startedAt) and its judged value, or why it gave none. */
export type Poll = { atMs: number; check: Check } | { atMs: number; error: string };

export type WaitResult =
  | { detected: true; afterMs: number; check: Check; polls: number; errors: Poll[] }
  | { detected: false; last: Poll; polls: number; errors: Poll[] };

/**
 * Waits until a Prometheus query's value meets the bound, as a test waits for scrapes to catch up or
 * measures how long a rise takes to show. Queries that get no answer are kept in `errors` and the wait
 * goes on; a query Prometheus refuses is thrown at once.
 */
export async function waitUntilValue(options: WaitForValue): Promise<WaitResult> {
  const { bound, intervalMs, startedAt, deadline, signal } = options;
  const errors: Poll[] = [];
  for (let polls = 1; ; polls++) {
    const sentAt = Date.now();
    let last: Poll;
    try {
      last = { atMs: sentAt - startedAt, check: judgeValue(await options.query(signal), bound) };
    } catch (error) {
      if (error instanceof PrometheusError && REFUSED.has(error.errorType)) throw error;
      last = { atMs: sentAt - startedAt, error: error instanceof Error ? error.message : String(error) };
      errors.push(last);
    }
    if ('check' in last && last.check.ok)
      return { detected: true, afterMs: last.atMs, check: last.check, polls, errors };
    if (sentAt >= deadline || signal.aborted) return { detected: false, last, polls, errors };
    await sleep(Math.max(0, Math.min(sentAt + intervalMs, deadline) - Date.now()), signal);
  }
}
