/** What users saw in one window of a run, from one probe's samples or one load probe's requests. */
export interface WindowImpact {
  /** The window, in milliseconds since the run started: [from, to). */
  from: number;
  to: number;
  /** Probe samples (or load requests) that started in the window. */
  samples: number;
  /** Latency percentiles in milliseconds (nearest rank); null without samples. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** The fraction of samples that missed (a probe that failed or errored, a request that failed); null without samples. */
  errorRate: number | null;
}

/**
 * How long after the revert the hypothesis was met again:
 * - `recovered`: every sample from `ms` after the end of the revert to the end of the window met it;
 * - `not-recovered`: the last sample after the revert still missed it;
 * - `not-measured`: no sample started after the revert, so nothing says;
 * - `not-reverted`: the fault was not confirmed reverted.
 */
export interface Recovery {
  status: 'recovered' | 'not-recovered' | 'not-measured' | 'not-reverted';
  ms: number | null;
}

/** One probe (or load probe) around one fault. */
export interface SourceImpact {
  probe: string;
  kind: 'probe' | 'load';
  before: WindowImpact;
  during: WindowImpact;
  after: WindowImpact;
  recovery: Recovery;
}

/** The largest change users saw while a fault was in place, e.g. "p95 12ms → 840ms (+828ms)". */
export interface WorstChange {
  probe: string;
  metric: 'p95' | 'errorRate';
  before: number | null;
  during: number | null;
  text: string;
}

/** What one fault on one target did to users, and how long they took to get back to normal. */
export interface FaultImpact {
  faultId: string;
  fault: string;
  target: string;
  /** When the fault's Docker call started and its revert ended, in milliseconds since the run started. */
  injectedMs: number;
  revertedMs: number | null;
  probes: SourceImpact[];
  /** The slowest probe's recovery decides: the hypothesis is met when every probe meets it. */
  recovery: Recovery;
  worst: WorstChange | null;
}
