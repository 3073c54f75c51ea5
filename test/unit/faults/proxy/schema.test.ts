import { describe, expect, it } from 'vitest';
import { type ExperimentProblem, parseExperiment } from '../../../../src/experiment/load.js';

const HEAD = 'title: t\nhypothesis:\n  - name: p\n    command: [node, -v]\nmethod:\n';

function problemsOf(step: string): ExperimentProblem[] {
  try {
    parseExperiment(`${HEAD}${step}`, 'exp.yaml', {});
  } catch (error) {
    return (error as { problems: ExperimentProblem[] }).problems;
  }
  return [];
}

/** file:line:column path: message, as the user sees it. */
const shown = (step: string) =>
  problemsOf(step).map(
    (problem) => `${problem.file}:${problem.line}:${problem.column} ${problem.path}: ${problem.message}`,
  );

function stepOf(step: string) {
  return parseExperiment(`${HEAD}${step}`, 'exp.yaml', {}).experiment.method[0] as {
    kind: string;
    spec: unknown;
  };
}

describe('proxy steps in the experiment file', () => {
  it('reads an http-abort with its match, percent and answer', () => {
    const step = stepOf(`  - http-abort:
      target: { service: api }
      port: 8080
      status: 503
      body: busy
      headers: { Retry-After: "1" }
      percent: 25%
      match: { method: [get, POST], path: /checkout, path-pattern: '^/checkout/[0-9]+$', headers: { X-Tenant: a } }
`);
    expect(step.kind).toBe('http-abort');
    expect(step.spec).toMatchObject({
      port: [8080],
      status: 503,
      body: 'busy',
      percent: 25,
      match: { method: ['GET', 'POST'], path: '/checkout', 'path-pattern': '^/checkout/[0-9]+$' },
    });
  });

  it('reads a tcp toxic aimed at peers and their ports', () => {
    const step = stepOf(
      '  - tcp-latency: { target: { service: api }, to: { service: db }, ports: [5432, 5433], latency: 200ms, direction: both }\n',
    );
    expect(step.spec).toMatchObject({
      to: [{ service: 'db' }],
      ports: [5432, 5433],
      latency: 200,
      direction: 'both',
    });
  });

  it('refuses port and to together, at the line of to', () => {
    expect(
      shown(
        '  - http-reset:\n      target: { service: api }\n      port: 80\n      to: { service: db }\n      ports: 5432\n',
      ),
    ).toEqual([
      'exp.yaml:9:11 method[0].http-reset.to: use either port (traffic the target receives) or to with ports (traffic it sends), not both',
    ]);
  });

  it('refuses a step with neither port nor to, at the step', () => {
    const [problem, ...rest] = shown('  - tcp-reset-peer: { target: { service: api } }\n');
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      /^exp\.yaml:6:\d+ method\[0\]\.tcp-reset-peer: a proxy fault needs port .* or to with ports/,
    );
  });

  it('refuses to without ports, and ports without to', () => {
    expect(shown('  - tcp-timeout: { target: { service: api }, to: { service: db } }\n')).toEqual([
      "exp.yaml:6:50 method[0].tcp-timeout.to: to needs ports: the peers' ports to proxy, e.g. ports: 5432",
    ]);
    expect(shown('  - tcp-timeout: { target: { service: api }, port: 80, ports: 81 }\n')).toEqual([
      "exp.yaml:6:63 method[0].tcp-timeout.ports: ports goes with to (the peers' ports); the target's own ports are port",
    ]);
  });

  it('refuses a bad regular expression in path-pattern', () => {
    const [problem] = shown(
      "  - http-delay:\n      target: { service: api }\n      port: 80\n      latency: 1s\n      match: { path-pattern: '(' }\n",
    );
    expect(problem).toMatch(
      /^exp\.yaml:10:\d+ method\[0\]\.http-delay\.match\.path-pattern: not a valid regular expression: /,
    );
  });

  it.each([99, 600, 503.5, '"abc"'])('refuses the status %s', (status) => {
    const [problem] = shown(
      `  - http-abort:\n      target: { service: api }\n      port: 80\n      status: ${status}\n`,
    );
    expect(problem).toMatch(/^exp\.yaml:9:15 method\[0\]\.http-abort\.status: expected /);
    if (typeof status === 'number') expect(problem).toContain('expected an HTTP status from 100 to 599');
  });

  it('refuses unknown keys, in the step and in its match', () => {
    const problems = shown(
      '  - http-slow-body:\n      target: { service: api }\n      port: 80\n      rate: 1mbit\n      latency: 1s\n      match: { verb: GET }\n',
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^exp\.yaml:10:\d+ method\[0\]\.http-slow-body.*latency/);
    expect(problems[1]).toMatch(/^exp\.yaml:11:\d+ method\[0\]\.http-slow-body\.match.*verb/);
  });

  it('refuses a bad rate, a bad path and a slicer variation as large as its size', () => {
    expect(
      shown('  - tcp-bandwidth: { target: { service: api }, port: 80, rate: fast }\n').join('\n'),
    ).toContain('method[0].tcp-bandwidth.rate: expected a rate such as 1mbit');
    expect(
      shown('  - http-reset: { target: { service: api }, port: 80, match: { path: checkout } }\n').join('\n'),
    ).toContain('expected a path starting with /');
    expect(
      shown('  - tcp-slicer: { target: { service: api }, port: 80, average-size: 10, size-variation: 10 }\n'),
    ).toEqual([
      expect.stringMatching(
        /method\[0\]\.tcp-slicer\.size-variation: expected a size-variation below average-size$/,
      ),
    ]);
  });
});
