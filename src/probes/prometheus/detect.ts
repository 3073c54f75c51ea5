import type { Check } from '../../model/journal.js';
import type { Comparison } from '../../util/comparison.js';
import { sleep as realSleep } from '../../util/sleep.js';
import { ProbeFailure } from '../observation.js';
import { PrometheusError, type QueryResult } from './answer.js';
import { judgeValue } from './judge.js';

/**
 * Errors no later query can get past: a query that does not parse, one that gives a range vector or a
 * string, a header the client refuses. They are the author's to fix.
 */
const AUTHOR_ERRORS = new Set(['bad_data', 'result', 'request']);

export interface DetectOptions {
  /** One instant query; rejects with a ProbeFailure (or anything else) when it gets no result. */
  query: (signal: AbortSignal) => Promise<QueryResult>;
  bound: Comparison;
  /** Time between the starts of two queries; a slow answer delays the next, never overlaps it. */
  intervalMs: number;
  /** When the time to detect starts (the first fault's start), on the `now` clock. */
  startedAt: number;
  /** The last moment a query may be sent, on the `now` clock: one is sent at this moment at the latest. */
  deadline: number;
  signal: AbortSignal;
  /** The clock, Date.now unless a test gives its own, and the wait between queries. */
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** One query: when it was sent (ms after startedAt) and its judged value, or why it gave none. */
export type DetectPoll = { atMs: number; check: Check } | { atMs: number; error: string };

export type DetectResult =
  | { detected: true; afterMs: number; check: Check; polls: number; errors: DetectPoll[] }
  | { detected: false; last: DetectPoll; polls: number; errors: DetectPoll[] };

/**
 * Polls a query until its value meets the bound, or until the deadline. The time to detect is measured
 * from `startedAt` to the moment the query that met the bound was sent: Prometheus evaluates an
 * instant query at the time it arrives. A query that gets no result (server down, an evaluation that
 * fails on the data) is recorded in `errors` and polling goes on (when no query got a result, every
 * poll is in `errors`). A query that can never give a value (see AUTHOR_ERRORS) is thrown at once: the
 * author's to fix, never a pass nor a miss.
 * Rejects with a ProbeFailure 'cancelled' when `signal` aborts.
 */
export async function detect(options: DetectOptions): Promise<DetectResult> {
  const { bound, intervalMs, startedAt, deadline, signal } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const errors: DetectPoll[] = [];
  let polls = 0;
  for (;;) {
    const sentAt = now();
    const atMs = sentAt - startedAt;
    let last: DetectPoll;
    try {
      const check = judgeValue(await options.query(signal), bound);
      last = { atMs, check };
    } catch (error) {
      if (signal.aborted) throw new ProbeFailure('cancelled', 'error');
      if (error instanceof PrometheusError && AUTHOR_ERRORS.has(error.errorType)) throw error;
      last = { atMs, error: error instanceof Error ? error.message : String(error) };
      errors.push(last);
    }
    polls += 1;
    if ('check' in last && last.check.ok) {
      return { detected: true, afterMs: atMs, check: last.check, polls, errors };
    }
    if (sentAt >= deadline) return { detected: false, last, polls, errors };
    const next = Math.min(sentAt + intervalMs, deadline);
    try {
      await sleep(Math.max(0, next - now()), signal);
    } catch {
      throw new ProbeFailure('cancelled', 'error');
    }
  }
}
