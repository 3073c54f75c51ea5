import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../../src/model/journal.js';
import {
  OUTCOME_COLOURS,
  OUTCOME_EXIT_CODES,
  OUTCOME_WORDS,
  outcomeLabel,
  verdictForExitCode,
  verdictForOutcome,
} from '../../../src/model/outcomes.js';

describe('outcomes', () => {
  it('maps every outcome to the exit code the README promises', () => {
    expect(OUTCOME_EXIT_CODES).toEqual({
      passed: 0,
      deviated: 1,
      errored: 3,
      'revert-failed': 4,
      aborted: 5,
      interrupted: 130,
    });
  });

  it('names each outcome in words, as a label and in a colour', () => {
    const outcomes = Object.keys(OUTCOME_EXIT_CODES) as Outcome[];
    expect(outcomes.map((outcome) => outcomeLabel(outcome))).toEqual([
      'PASSED',
      'DEVIATED',
      'ERRORED',
      'ABORTED',
      'REVERT FAILED',
      'INTERRUPTED',
    ]);
    expect(OUTCOME_WORDS['revert-failed']).toBe('revert failed');
    expect(OUTCOME_COLOURS).toMatchObject({ passed: 'green', deviated: 'red', errored: 'magenta' });
  });

  it('gives a session verdict for every exit code, and says when it does not know one', () => {
    expect(verdictForExitCode(2)).toMatchObject({ label: 'INVALID', tone: 'invalid' });
    expect(verdictForOutcome('aborted')).toMatchObject({ label: 'ABORTED BY A GUARD', tone: 'aborted' });
    expect(verdictForOutcome('revert-failed').tone).toBe('revert-failed');
    expect(verdictForExitCode(42)).toMatchObject({ label: 'EXIT 42', tone: 'errored' });
  });
});
