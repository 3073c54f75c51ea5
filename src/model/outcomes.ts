import { ExitCode } from '../errors.js';
import type { Outcome } from './journal.js';

/** The exit code CI gates on for each outcome of a run. */
export const OUTCOME_EXIT_CODES: Record<Outcome, number> = {
  passed: ExitCode.passed,
  deviated: ExitCode.deviated,
  errored: ExitCode.errored,
  aborted: ExitCode.aborted,
  'revert-failed': ExitCode.revertFailed,
  interrupted: ExitCode.interrupted,
};

/** A run's outcome as a word in running text, e.g. "revert failed". */
export const OUTCOME_WORDS: Record<Outcome, string> = {
  passed: 'passed',
  deviated: 'deviated',
  errored: 'errored',
  aborted: 'aborted',
  'revert-failed': 'revert failed',
  interrupted: 'interrupted',
};

/** A run's outcome as a short upper-case label next to its summary, e.g. "REVERT FAILED". */
export function outcomeLabel(outcome: Outcome): string {
  return OUTCOME_WORDS[outcome].toUpperCase();
}

/** The terminal colour of a run's outcome: green held, red fragile, magenta no verdict on resilience. */
export const OUTCOME_COLOURS: Record<Outcome, 'green' | 'red' | 'magenta'> = {
  passed: 'green',
  deviated: 'red',
  errored: 'magenta',
  aborted: 'magenta',
  'revert-failed': 'magenta',
  interrupted: 'magenta',
};

/** How a verdict is shown: a word, what it means to someone who never used faultline, and a tone. */
export interface Verdict {
  /** Short and upper case, e.g. "DEVIATED". */
  label: string;
  /** The verdict in a few words, e.g. "the system is fragile". */
  headline: string;
  /** One or two sentences for a reader who never used faultline. */
  meaning: string;
  /** The name that colours it in a report (the HTML report's `tone-*` class). */
  tone: Tone;
}

export type Tone =
  | 'passed'
  | 'deviated'
  | 'invalid'
  | 'errored'
  | 'revert-failed'
  | 'aborted'
  | 'interrupted';

const VERDICTS: Record<number, Verdict> = {
  [ExitCode.passed]: {
    label: 'PASSED',
    headline: 'the system held up',
    meaning:
      'Every expectation held before, during and after the faults: the system tolerated what was done to it.',
    tone: 'passed',
  },
  [ExitCode.deviated]: {
    label: 'DEVIATED',
    headline: 'the system is fragile',
    meaning:
      'At least one expectation failed while a fault was active or after it was reverted: the experiment ' +
      'found a weakness, the system did not tolerate the fault as hoped.',
    tone: 'deviated',
  },
  [ExitCode.invalid]: {
    label: 'INVALID',
    headline: 'an experiment file is wrong',
    meaning:
      'At least one file could not be read or failed validation, so it was not run. Fix it and run again.',
    tone: 'invalid',
  },
  [ExitCode.errored]: {
    label: 'ERRORED',
    headline: 'the tool or environment failed; no verdict on resilience',
    meaning:
      'The experiment could not be carried out (for example Docker did not answer, a target was not found, ' +
      'or the system did not work even before any fault). This says nothing about resilience either way.',
    tone: 'errored',
  },
  [ExitCode.revertFailed]: {
    label: 'REVERT FAILED',
    headline: 'a fault may still be in place',
    meaning:
      'At least one fault could not be undone: the system may still be degraded. Remove what is left with ' +
      'the command shown under Faults.',
    tone: 'revert-failed',
  },
  [ExitCode.aborted]: {
    label: 'ABORTED BY A GUARD',
    headline: 'stopped early for safety',
    meaning:
      'A guard (a safety check made before the first fault and watched while faults were active) failed, so ' +
      'the experiment was stopped and every fault reverted at once (or none injected). There is no verdict on ' +
      'the hypothesis.',
    tone: 'aborted',
  },
  [ExitCode.interrupted]: {
    label: 'INTERRUPTED',
    headline: 'the run was stopped before it finished',
    meaning:
      'The run was interrupted (Ctrl-C or a signal) and its faults were reverted. There is no verdict on ' +
      'resilience.',
    tone: 'interrupted',
  },
};

/** The verdict on a whole session (or a run) from its exit code; an unknown code says so. */
export function verdictForExitCode(exitCode: number): Verdict {
  return (
    VERDICTS[exitCode] ?? {
      label: `EXIT ${exitCode}`,
      headline: 'an unknown exit code',
      meaning: `faultline ended with exit code ${exitCode}, which this report does not know.`,
      tone: 'errored',
    }
  );
}

export function verdictForOutcome(outcome: Outcome): Verdict {
  return verdictForExitCode(OUTCOME_EXIT_CODES[outcome]);
}
