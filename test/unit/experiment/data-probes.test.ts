import { describe, expect, it } from 'vitest';
import { type ExperimentProblem, parseExperiment } from '../../../src/experiment/load.js';

/** The workload and prometheus probe kinds and the detect list, as the experiment file reads them. */

const METHOD = `method:
  - pause: { target: { name: api }, duration: 1s }
`;

function parse(text: string) {
  return parseExperiment(`title: t\n${text}${METHOD}`, 'exp.yaml', {});
}

function problemsOf(text: string): string[] {
  try {
    parse(text);
  } catch (error) {
    return (error as { problems: ExperimentProblem[] }).problems.map(
      (problem) => `${problem.line}:${problem.column} ${problem.path}: ${problem.message}`,
    );
  }
  return [];
}

const WORKLOAD = `hypothesis:
  - name: writes
    workload:
      write:
        http: { url: "http://127.0.0.1:8080/kv/\${id}", method: PUT, body: { value: "\${id}" } }
      read:
        http: { url: "http://127.0.0.1:8080/kv", values: $.values, next: $.next, cursor-param: from }
      rate: 20/s
`;

describe('the workload probe in a file', () => {
  it('keeps ${id} for each write, applies the defaults and reads the read-back options', () => {
    const probe = parse(WORKLOAD).experiment.hypothesis[0]!;
    expect(probe.workload).toEqual({
      write: { http: { url: 'http://127.0.0.1:8080/kv/${id}', method: 'PUT', body: { value: '${id}' } } },
      read: {
        http: {
          url: 'http://127.0.0.1:8080/kv',
          method: undefined,
          headers: undefined,
          values: '$.values',
          value: undefined,
          next: '$.next',
          cursorParam: 'from',
        },
        timeout: undefined,
      },
      rate: 20,
      concurrency: 8,
      writes: 10_000,
      timeout: 2000,
      ack: undefined,
      before: 2000,
      after: 2000,
    });
  });

  it('still reads ${name} from vars outside the write, and refuses an unknown one there', () => {
    const withVars = `vars: { store: "http://127.0.0.1:9" }\n${WORKLOAD.replace('http://127.0.0.1:8080/kv", values', '${store}/kv", values')}`;
    expect(parse(withVars).experiment.hypothesis[0]!.workload!.read.http!.url).toBe('http://127.0.0.1:9/kv');
    expect(problemsOf(WORKLOAD.replace('http://127.0.0.1:8080/kv", values', '${nope}/kv", values'))).toEqual([
      expect.stringMatching(/^8:\d+ hypothesis\[0\]\.workload\.read\.http\.url: \$\{nope\}: /),
    ]);
  });

  it('points at each wrong threshold, a write of two kinds and an unbounded rate', () => {
    const text = WORKLOAD.replace('rate: 20/s', 'rate: 9000/s\n      concurrency: 0').replace(
      '      write:\n',
      '      write:\n        command: [./write, "${id}"]\n',
    );
    expect(problemsOf(text)).toEqual([
      expect.stringMatching(
        /^6:9 hypothesis\[0\]\.workload\.write: a workload write needs exactly one of: http, command, exec$/,
      ),
      expect.stringMatching(/hypothesis\[0\]\.workload\.rate: expected a rate above 0 and at most 5000\/s$/),
      expect.stringMatching(/hypothesis\[0\]\.workload\.concurrency: .*1/),
    ]);
    // Thresholds are read once the probe's own shape is right.
    const thresholds = `${WORKLOAD}    expect:\n      thresholds: ["lots == 0", "available.during < 0%"]\n`;
    expect(problemsOf(thresholds)).toEqual([
      expect.stringMatching(/hypothesis\[0\]\.expect\.thresholds\[0\]: "lots == 0": unknown metric/),
      expect.stringMatching(
        /hypothesis\[0\]\.expect\.thresholds\[1\]: "available\.during < 0%": .*never be below 0/,
      ),
    ]);
  });

  it('refuses when on a workload, which is judged once after recovery', () => {
    expect(problemsOf(`${WORKLOAD}    when: [before]\n`)).toEqual([
      expect.stringMatching(/hypothesis\[0\]\.when: a workload is judged once, after recovery/),
    ]);
  });
});

const DETECT = `hypothesis:
  - name: up
    http: { url: "http://127.0.0.1:8080/health" }
detect:
  - name: the error rate rises
    prometheus: { url: "http://127.0.0.1:19090", query: "sum(rate(errors_total[15s]))" }
    expect: { value: "> 0.05" }
    within: 30s
`;

describe('prometheus probes and detection checks in a file', () => {
  it('reads a detection with its deadline and its bound', () => {
    const detect = parse(DETECT).experiment.detect![0]!;
    expect(detect.within).toBe(30_000);
    expect(detect.prometheus).toEqual({
      url: 'http://127.0.0.1:19090',
      query: 'sum(rate(errors_total[15s]))',
    });
    expect(detect.expect?.value).toMatchObject({ op: '>', value: 0.05 });
  });

  it('needs a deadline, a bound, a sampled kind and an expect key that applies', () => {
    expect(problemsOf(DETECT.replace('    within: 30s\n', ''))).toEqual([
      expect.stringMatching(/^6:5 detect\[0\]\.within: /),
    ]);
    expect(problemsOf(DETECT.replace('    expect: { value: "> 0.05" }\n', ''))).toEqual([
      expect.stringMatching(/detect\[0\]\.expect: a prometheus probe needs expect\.value/),
    ]);
    expect(problemsOf(DETECT.replace('value: "> 0.05"', 'status: 200'))).toEqual(
      [
        expect.stringMatching(
          /detect\[0\]\.expect\.status: "status" does not apply to a prometheus probe; it can expect: value$/,
        ),
        expect.stringMatching(/detect\[0\]\.expect: a prometheus probe needs expect\.value/),
      ].reverse(),
    );
    expect(
      problemsOf(
        DETECT.replace(
          '    prometheus: { url: "http://127.0.0.1:19090", query: "sum(rate(errors_total[15s]))" }\n    expect: { value: "> 0.05" }\n',
          '    load: { url: "http://127.0.0.1:8080/", rate: 10/s }\n    expect: { thresholds: ["p95 < 1s"] }\n',
        ),
      ),
    ).toEqual([expect.stringMatching(/detect\[0\]\.load: a detection is sampled until it passes/)]);
  });

  it('refuses a prometheus address that is not http', () => {
    expect(problemsOf(DETECT.replace('http://127.0.0.1:19090', 'localhost:19090'))).toEqual([
      expect.stringMatching(
        /detect\[0\]\.prometheus\.url: expected the http:\/\/ or https:\/\/ address of a Prometheus server/,
      ),
    ]);
  });
});
