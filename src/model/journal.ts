import type { DockerEndpoint } from '../docker/endpoint.js';
import type { Phase } from '../experiment/schema.js';
import type { LoadSeries } from '../load/types.js';
import type { WorkloadSeries } from '../probes/workload/report.js';
import type { Target } from '../targets/target.js';

/** One expectation compared with what was seen. */
export interface Check {
  /** What was checked, e.g. "status", "latency", "body contains" */
  name: string;
  expected: string;
  actual: string;
  ok: boolean;
}

export type ProbeStatus = 'pass' | 'fail' | 'error';

/** The outcome of one probe check (after its retries). */
export interface ProbeSample {
  probe: string;
  phase: Phase | 'method' | 'guard';
  status: ProbeStatus;
  /** One line: what was expected and what was seen, or why the probe could not run. */
  reason: string;
  checks: Check[];
  attempts: number;
  startedAt: string;
  durationMs: number;
}

/** How a detection check ended: when it first passed after the first fault started, if it did. */
export interface Detection {
  probe: string;
  withinMs: number;
  /** From the start of the first fault's injection to the start of the first passing sample. */
  detectedAfterMs: number | null;
  /** What the first passing sample (or the last one, when none passed) said. */
  reason: string;
}

export type RunPhase = 'resolve' | 'setup' | 'before' | 'method' | 'revert' | 'after' | 'rollbacks';

export type JournalEvent =
  | { type: 'phase'; phase: RunPhase }
  | { type: 'targets'; step: string; selector: string; targets: Target[] }
  | { type: 'step-start'; step: string; label: string }
  | {
      type: 'step-end';
      step: string;
      label: string;
      status: 'done' | 'failed' | 'skipped';
      durationMs: number;
      error?: string;
    }
  | {
      type: 'fault-injected';
      faultId: string;
      fault: string;
      target: Target;
      detail: string;
      /** How long the step holds it; absent when it is held until the method ends. */
      holdMs?: number;
    }
  | {
      type: 'fault-reverted';
      faultId: string;
      fault: string;
      target: Target;
      status: 'reverted' | 'already-reverted' | 'target-gone' | 'failed';
      detail: string;
      /**
       * How long the fault may have been in effect on this target: from the start of its Docker call
       * (or first command) to the end of its revert.
       */
      heldMs: number;
      /** How long the revert took; it started `heldMs - revertMs` after the injection's call. */
      revertMs?: number;
      /** What the user can run to finish the job when status is failed. */
      remedy?: string;
    }
  | { type: 'probe'; sample: ProbeSample }
  /**
   * A guard stopped the run: it failed, or (`errored`) it could not be checked; `beforeFaults` when
   * that was before the first fault, so nothing was injected.
   */
  | { type: 'guard'; probe: string; reason: string; errored?: boolean; beforeFaults?: boolean }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

/** Every entry carries a wall-clock time and the milliseconds since the run started. */
export type JournalEntry = JournalEvent & { at: string; t: number };

export type Outcome = 'passed' | 'deviated' | 'errored' | 'aborted' | 'revert-failed' | 'interrupted';

export interface FaultRecord {
  faultId: string;
  fault: string;
  target: Target;
  injectedAt: string;
  revertedAt?: string;
  status: 'active' | 'reverted' | 'already-reverted' | 'target-gone' | 'failed';
  detail: string;
  remedy?: string;
  /** What kept the fault from acting as asked (the run is errored). */
  problem?: string;
}

export interface ProbeSummary {
  probe: string;
  phase: Phase | 'method';
  status: ProbeStatus | 'not-run';
  samples: number;
  failures: number;
  /** The first failing sample's reason, or the last sample's when all passed. */
  reason: string;
}

export interface RunResult {
  file: string;
  title: string;
  description?: string | undefined;
  tags: string[];
  seed: number;
  /** The Docker Engine the run used: its address and what chose it. */
  engine?: DockerEndpoint | undefined;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  outcome: Outcome;
  /**
   * The outcome the experiment expects (`expect:`), when it says: with `deviated`, a deviated run
   * exits 0 and a passed one 1 (the summary says so); other outcomes keep their exit codes.
   */
  expected?: 'passed' | 'deviated' | undefined;
  exitCode: number;
  /** One sentence for humans: why this outcome. */
  summary: string;
  faults: FaultRecord[];
  probes: ProbeSummary[];
  /** Every request of each load probe, for timelines. */
  load?: LoadSeries[] | undefined;
  /** Each workload probe's writes and what became of them. */
  workload?: WorkloadSeries[] | undefined;
  /** Each detection check: how long after the first fault started it passed, if it did. */
  detect?: Detection[] | undefined;
  /** When a guard stopped the run: which, why, and how fast every fault was reverted after it. */
  guard?: { probe: string; reason: string; trippedAt: string; revertedWithinMs: number } | undefined;
  journal: JournalEntry[];
}

export interface SessionResult {
  runs: RunResult[];
  /** Files that failed validation, with their messages. */
  invalid: { file: string; message: string }[];
  exitCode: number;
  startedAt: string;
  durationMs: number;
}
