import { FaultlineError } from '../errors.js';
import type { FaultRecord, Outcome, ProbeSummary, RunResult } from '../model/journal.js';
import { retryWindowMs } from '../safety/lease.js';
import { formatDuration } from '../util/duration.js';
import { GuardTripped, HoldLimitReached, Interrupted } from './run-stops.js';

/** What the verdict is decided from: plain values gathered by the run's phases. */
export interface VerdictInput {
  faults: readonly FaultRecord[];
  probes: readonly ProbeSummary[];
  /** What ended the run early: a stop (run-stops.ts) or an error thrown by a phase. */
  error: unknown;
  baselineMissed: boolean;
  rollbackErrors: readonly string[];
  /** The watchdog that keeps retrying a failed revert, if the run has one. */
  watchdogPid?: number | undefined;
}

export interface Verdict {
  outcome: Outcome;
  summary: string;
}

/**
 * The run's outcome, in order of precedence: a fault left behind outranks everything, then why the
 * run stopped early, then a fault that did not act as asked, then a baseline that did not hold, a probe that could not run, a failed rollback,
 * and last the hypothesis itself.
 */
export function decide(input: VerdictInput): Verdict {
  const verdict = decideOutcome(input);
  if (verdict.outcome === 'revert-failed' && input.watchdogPid !== undefined) {
    verdict.summary += `; the watchdog (pid ${input.watchdogPid}) keeps retrying for up to ${formatDuration(retryWindowMs())} (FAULTLINE_RETRY_WINDOW), then \`faultline status\` shows what is left`;
  }
  return verdict;
}

function decideOutcome(input: VerdictInput): Verdict {
  const failedReverts = input.faults.filter((record) => record.status === 'failed');
  if (failedReverts.length > 0) {
    const list = failedReverts.map(
      (record) => `${record.fault} on ${record.target.name} (${record.detail}; undo: ${record.remedy})`,
    );
    return {
      outcome: 'revert-failed',
      summary: `could not revert ${failedReverts.length} fault(s): ${list.join('; ')}`,
    };
  }
  if (input.error) return stoppedEarly(input.error, input.faults.length > 0);
  const misfired = input.faults.filter((record) => record.problem);
  if (misfired.length > 0) {
    return {
      outcome: 'errored',
      summary: `a fault did not act as asked, so the hypothesis was not tested against it: ${misfired.map((record) => `${record.fault} on ${record.target.name}: ${record.problem}`).join('; ')}`,
    };
  }
  if (input.baselineMissed) {
    return {
      outcome: 'errored',
      summary: `baseline not met, nothing was injected: ${baselineMisses(input.probes)}`,
    };
  }
  const errored = input.probes.filter((summary) => summary.status === 'error');
  if (errored.length > 0) {
    return {
      outcome: 'errored',
      summary: `a probe could not run: ${errored.map((summary) => `${summary.probe} (${summary.phase}): ${summary.reason}`).join('; ')}`,
    };
  }
  if (input.rollbackErrors.length > 0)
    return { outcome: 'errored', summary: `a rollback failed: ${input.rollbackErrors.join('; ')}` };
  const failed = input.probes.filter((summary) => summary.status === 'fail');
  if (failed.length > 0) {
    return {
      outcome: 'deviated',
      summary: `the hypothesis did not hold: ${failed.map((summary) => `${summary.probe} (${summary.phase}, ${summary.failures}/${summary.samples} failed): ${summary.reason}`).join('; ')}`,
    };
  }
  return { outcome: 'passed', summary: 'the hypothesis held before, during and after the faults' };
}

/**
 * Why the baseline was not met: the system was not healthy (a probe saw it), or a probe could not
 * run at all (a refused query, a missing command), which says nothing about the system.
 */
function baselineMisses(probes: VerdictInput['probes']): string {
  const before = probes.filter((summary) => summary.phase === 'before');
  const listed = (status: string) =>
    before
      .filter((summary) => summary.status === status)
      .map((summary) => `${summary.probe}: ${summary.reason}`)
      .join('; ');
  const unhealthy = listed('fail');
  const errored = listed('error');
  return [
    ...(unhealthy ? [`the system was not healthy to begin with (${unhealthy})`] : []),
    ...(errored ? [`the baseline could not be checked (${errored})`] : []),
  ].join('; ');
}

/** A guard that failed or the hold limit aborts (a guard that could not be checked errors); Ctrl-C interrupts; anything else (the timeout too) is an error. */
function stoppedEarly(error: unknown, injected: boolean): Verdict {
  if (error instanceof GuardTripped) {
    // A guard that could not be checked says nothing about harm: the tool or the environment failed.
    const outcome = error.errored ? 'errored' : 'aborted';
    const stopped = error.errored ? 'stopped by a guard' : 'aborted by a guard';
    const after = injected ? 'every fault was reverted' : 'nothing was injected';
    return { outcome, summary: `${stopped}: ${error.message}; ${after}` };
  }
  if (error instanceof HoldLimitReached) {
    return {
      outcome: 'aborted',
      summary: `aborted by the hold limit: ${error.message}; every fault was reverted`,
    };
  }
  if (error instanceof Interrupted)
    return { outcome: 'interrupted', summary: 'interrupted; every injected fault was reverted' };
  const message = error instanceof Error ? error.message : String(error);
  const hint = error instanceof FaultlineError && error.hint ? ` (${error.hint})` : '';
  return { outcome: 'errored', summary: `${message}${hint}` };
}

/** The guard section of the result: which guard tripped, and how soon after every fault was reverted. */
export function guardReport(error: unknown, faults: readonly FaultRecord[]): RunResult['guard'] {
  if (!(error instanceof GuardTripped)) return undefined;
  const reverted = faults.map((record) => (record.revertedAt ? Date.parse(record.revertedAt) : error.at));
  return {
    probe: error.probe,
    reason: error.reason,
    trippedAt: new Date(error.at).toISOString(),
    revertedWithinMs: Math.max(0, ...reverted.map((at) => at - error.at)),
  };
}
