import { describe, expect, it } from 'vitest';
import { ExperimentInvalidError, parseExperiment } from '../../../src/experiment/load.js';
import { emptyWindows } from '../../../src/load/window-check.js';

function experiment(load: string): string {
  return `title: t
hypothesis:
  - name: api
    load: { url: "http://127.0.0.1:8080/", rate: 2/s, ${load} }
    expect: { thresholds: ["error_rate < 1%"] }
method:
  - wait: 1s
`;
}

describe('load windows too short to hold a request', () => {
  it('are refused at validation, each pointing at its line, column and key', () => {
    let problems: { line: number; column: number; path: string; message: string }[] = [];
    try {
      parseExperiment(experiment('before: 300ms, after: 2s, window: 100ms'), 'load.yaml', {});
    } catch (error) {
      expect(error).toBeInstanceOf(ExperimentInvalidError);
      problems = (error as ExperimentInvalidError).problems;
    }
    expect(problems.map((problem) => [problem.line, problem.path, problem.message])).toEqual([
      [
        4,
        'hypothesis[0].load.before',
        '300ms holds no request at 2/s (one every 500ms): make before at least 500ms or raise the rate',
      ],
      [
        4,
        'hypothesis[0].load.window',
        '100ms holds no request at 2/s (one every 500ms): make window at least 500ms or raise the rate',
      ],
    ]);
    expect(problems[0]!.column).toBeGreaterThan(40);
  });

  it('accepts windows that hold at least one request, and zero (no window)', () => {
    expect(() =>
      parseExperiment(experiment('before: 500ms, after: 0s, window: 1s'), 'load.yaml', {}),
    ).not.toThrow();
  });

  it('speaks per minute for slow rates', () => {
    expect(emptyWindows({ rate: 0.5, after: 1000 })).toEqual([
      {
        key: 'after',
        message: '1s holds no request at 30/m (one every 2s): make after at least 2s or raise the rate',
      },
    ]);
  });
});

describe('the default windows', () => {
  it('are checked too: 5s holds no request at 6/m', () => {
    expect(emptyWindows({ rate: 0.1 }).map((issue) => issue.message)).toEqual([
      'the default of 5s holds no request at 6/m (one every 10s): make before at least 10s or raise the rate',
      'the default of 5s holds no request at 6/m (one every 10s): make after at least 10s or raise the rate',
    ]);
  });
});
