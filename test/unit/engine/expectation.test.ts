import { describe, expect, it } from 'vitest';
import { judge } from '../../../src/engine/expectation.js';
import type { Outcome } from '../../../src/model/journal.js';

const verdict = (outcome: Outcome, summary = 'what happened') => ({ outcome, summary });

describe('the exit code of a verdict, given expect', () => {
  it('without expect, or expect: passed, every outcome keeps its own code and summary', () => {
    for (const expected of [undefined, 'passed'] as const) {
      expect(judge(verdict('passed'), expected)).toEqual({ exitCode: 0, summary: 'what happened' });
      expect(judge(verdict('deviated'), expected)).toEqual({ exitCode: 1, summary: 'what happened' });
    }
  });

  it('expect: deviated turns a deviated run into exit 0, saying it was expected', () => {
    expect(judge(verdict('deviated', 'the hypothesis did not hold'), 'deviated')).toEqual({
      exitCode: 0,
      summary: 'as expected (expect: deviated): the hypothesis did not hold',
    });
  });

  it('expect: deviated turns a passed run into exit 1, saying the negative test no longer finds its weakness', () => {
    const judged = judge(verdict('passed', 'the hypothesis held'), 'deviated');
    expect(judged.exitCode).toBe(1);
    expect(judged.summary).toBe(
      'expected to deviate (expect: deviated), but the hypothesis held: this negative test no longer finds the weakness it is about',
    );
  });

  it('a broken environment, an abort, a fault left behind or an interrupt is never expected', () => {
    const codes: [Outcome, number][] = [
      ['errored', 3],
      ['revert-failed', 4],
      ['aborted', 5],
      ['interrupted', 130],
    ];
    for (const [outcome, code] of codes) {
      expect(judge(verdict(outcome), 'deviated')).toEqual({ exitCode: code, summary: 'what happened' });
    }
  });
});
