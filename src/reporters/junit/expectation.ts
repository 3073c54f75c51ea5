import type { RunResult } from '../../model/journal.js';
import type { JunitCase } from './suites.js';

/**
 * A negative test's cases (`expect: deviated`): the deviations it expects are not failures, and a
 * hypothesis that held is one, so a CI test view agrees with the exit code.
 */
export function expectationCases(run: RunResult, cases: JunitCase[]): JunitCase[] {
  if (run.expected !== 'deviated') return cases;
  if (run.outcome === 'deviated') {
    return cases.map((testcase) => {
      if (testcase.verdict?.type !== 'deviation') return testcase;
      const { verdict, ...rest } = testcase;
      return { ...rest, systemOut: `deviated as expected (expect: deviated): ${verdict.message}` };
    });
  }
  if (run.outcome !== 'passed') return cases;
  const failure = { kind: 'failure' as const, type: 'expectation', message: run.summary, body: run.summary };
  return [
    ...cases,
    {
      name: 'expect: deviated',
      classname: run.file,
      file: run.file,
      timeMs: run.durationMs,
      verdict: failure,
    },
  ];
}
