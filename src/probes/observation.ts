import type { PrometheusObservation } from './prometheus/query.js';

/** What a probe saw, before any expectation is applied. */
export type Observation =
  | { kind: 'http'; status: number; body: string; latencyMs: number }
  | { kind: 'tcp'; connected: boolean; latencyMs: number; error?: string }
  | { kind: 'process'; exitCode: number; stdout: string; stderr: string; latencyMs: number }
  | { kind: 'container'; state: string; health: string; restarts: number; latencyMs: number }
  | PrometheusObservation;

/**
 * A probe that could not observe: `unreachable` is the system's fault (refused, timed out, container
 * not running) and counts as a failed expectation; `error` is the tool's or environment's fault
 * (Docker down, a host command that does not exist) and is never a pass nor a deviation.
 */
export class ProbeFailure extends Error {
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'error',
  ) {
    super(message);
    this.name = 'ProbeFailure';
  }
}
