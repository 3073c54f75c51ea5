import { ExitCode } from '../errors.js';
import type { Outcome } from '../model/journal.js';
import { OUTCOME_EXIT_CODES } from '../model/outcomes.js';
import type { Verdict } from './verdict.js';

/** What an experiment's `expect:` asks its verdict to be. */
export type Expected = 'passed' | 'deviated';

/**
 * The exit code and summary of a verdict, given what the experiment expects. A negative test
 * (`expect: deviated`) exits 0 when the hypothesis broke and 1 when it held; every other outcome keeps
 * its own code, because a broken environment, an abort or a fault left behind is never expected.
 */
export function judge(
  verdict: Verdict,
  expected: Expected | undefined,
): { exitCode: number; summary: string } {
  const exitCode = OUTCOME_EXIT_CODES[verdict.outcome];
  if (expected !== 'deviated') return { exitCode, summary: verdict.summary };
  return expectDeviated(verdict.outcome, verdict.summary) ?? { exitCode, summary: verdict.summary };
}

function expectDeviated(
  outcome: Outcome,
  summary: string,
): { exitCode: number; summary: string } | undefined {
  if (outcome === 'deviated') {
    return { exitCode: ExitCode.passed, summary: `as expected (expect: deviated): ${summary}` };
  }
  if (outcome === 'passed') {
    return {
      exitCode: ExitCode.deviated,
      summary: `expected to deviate (expect: deviated), but ${summary}: this negative test no longer finds the weakness it is about`,
    };
  }
  return undefined;
}
