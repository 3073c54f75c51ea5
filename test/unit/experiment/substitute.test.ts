import { describe, expect, it } from 'vitest';
import {
  ExperimentInvalidError,
  type ExperimentProblem,
  parseExperiment,
} from '../../../src/experiment/load.js';
import { substituteString } from '../../../src/experiment/substitute.js';

const FILE = 'vars.yaml';

function parse(text: string, env: Record<string, string | undefined> = {}) {
  return parseExperiment(text, FILE, env).experiment;
}

function problemsOf(text: string, env: Record<string, string | undefined> = {}): ExperimentProblem[] {
  try {
    parseExperiment(text, FILE, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ExperimentInvalidError);
    expect((error as ExperimentInvalidError).exitCode).toBe(2);
    return (error as ExperimentInvalidError).problems;
  }
  throw new Error('expected the experiment to be rejected');
}

/** An experiment whose only probe runs `argv` (a YAML flow list), so each test can look at the result. */
function withCommand(argv: string, vars = ''): string {
  return `title: t
${vars}hypothesis:
  - name: p
    command: ${argv}
method:
  - wait: 1s
`;
}

function commandOf(text: string, env: Record<string, string | undefined> = {}): string[] {
  return parse(text, env).hypothesis[0]!.command!;
}

describe('substitution through parseExperiment', () => {
  it('replaces ${name} with the value from vars, inside longer strings too', () => {
    const text = withCommand(
      '[curl, "${base}/health", "-H", "x-shop: ${shop}"]',
      'vars:\n  base: http://gw:8080\n  shop: eu\n',
    );
    expect(commandOf(text)).toEqual(['curl', 'http://gw:8080/health', '-H', 'x-shop: eu']);
  });

  it('replaces ${env:NAME} with the environment variable', () => {
    expect(commandOf(withCommand('[echo, "${env:REGION}-1"]'), { REGION: 'eu-west' })).toEqual([
      'echo',
      'eu-west-1',
    ]);
  });

  it('uses the fallback of ${env:NAME:-fallback} when NAME is unset or empty, and the value when set', () => {
    const text = withCommand(
      '[echo, "${env:UNSET:-a}", "${env:EMPTY:-b}", "${env:SET:-c}", "x${env:UNSET:-}y"]',
    );
    expect(commandOf(text, { EMPTY: '', SET: 'value' })).toEqual(['echo', 'a', 'b', 'value', 'xy']);
  });

  it('keeps a fallback that contains colons and slashes (a URL)', () => {
    const text = withCommand('[curl, "${env:GATEWAY:-http://127.0.0.1:18080}/checkout"]');
    expect(commandOf(text)).toEqual(['curl', 'http://127.0.0.1:18080/checkout']);
  });

  it('lets vars read the environment, with fallbacks', () => {
    const text = withCommand(
      '[curl, "${gateway}"]',
      'vars:\n  gateway: http://127.0.0.1:${env:PORT:-18080}\n',
    );
    expect(commandOf(text)).toEqual(['curl', 'http://127.0.0.1:18080']);
    expect(commandOf(text, { PORT: '9000' })).toEqual(['curl', 'http://127.0.0.1:9000']);
  });

  it('writes $${literal} as a literal ${literal}', () => {
    expect(commandOf(withCommand('[sh, "$${HOME}", "a $${b} c"]'))).toEqual(['sh', '${HOME}', 'a ${b} c']);
  });

  it('substitutes in every section (title, scope, probe names, targets, durations)', () => {
    const experiment = parse(
      `title: Pause \${svc}
vars:
  svc: api
  project: shop
  hold: 2s
scope:
  compose: \${project}
hypothesis:
  - name: \${svc} is up
    container: { target: { service: "\${svc}" } }
method:
  - pause:
      target: { service: "\${svc}" }
      duration: \${hold}
`,
    );
    expect(experiment.title).toBe('Pause api');
    expect(experiment.scope).toEqual({ compose: 'shop' });
    expect(experiment.hypothesis[0]!.name).toBe('api is up');
    expect(experiment.hypothesis[0]!.container).toEqual({ target: { service: 'api' } });
    expect(experiment.method).toEqual([
      { kind: 'pause', spec: { target: { service: 'api' }, duration: 2000 } },
    ]);
  });

  it('keeps the type of a number variable used alone, so `port: ${port}` stays a number', () => {
    const experiment = parse(`title: t
vars:
  port: 5432
hypothesis:
  - name: db port
    tcp:
      host: db
      port: \${port}
method:
  - wait: 1s
`);
    expect(experiment.hypothesis[0]!.tcp).toEqual({ host: 'db', port: 5432 });
  });

  it('writes a number variable as text inside a longer string', () => {
    expect(commandOf(withCommand('[curl, "http://db:${port}/"]', 'vars:\n  port: 5432\n'))).toEqual([
      'curl',
      'http://db:5432/',
    ]);
  });

  it('reports an undefined variable with its path and line', () => {
    const problems = problemsOf(`title: t
hypothesis:
  - name: p
    command: [echo, "\${nope}"]
method:
  - wait: 1s
`);
    expect(problems).toEqual([
      {
        file: FILE,
        line: 4,
        column: 21,
        path: 'hypothesis[0].command[1]',
        message: '${nope}: variable "nope" is not defined: declare it under vars, or pass --var nope=VALUE',
      },
    ]);
  });

  it('reports an unset environment variable with its path and line, never an empty string', () => {
    const problems = problemsOf(`title: t
hypothesis:
  - name: p
    command: [echo]
method:
  - wait: 1s
  - action:
      command: [echo, "\${env:MISSING}"]
`);
    expect(problems).toEqual([
      {
        file: FILE,
        line: 8,
        column: 23,
        path: 'method[1].action.command[1]',
        message: '${env:MISSING}: environment variable MISSING is not set',
      },
    ]);
  });

  it('treats an empty environment variable without a fallback as set (to the empty string)', () => {
    expect(commandOf(withCommand('[echo, "a${env:EMPTY}b"]'), { EMPTY: '' })).toEqual(['echo', 'ab']);
  });

  it('reports every missing reference, not only the first', () => {
    const problems = problemsOf(`title: \${a}
hypothesis:
  - name: p
    command: [echo, "\${b} \${env:C}"]
method:
  - wait: 1s
`);
    expect(problems.map((problem) => [problem.line, problem.path, problem.message])).toEqual([
      [1, 'title', '${a}: variable "a" is not defined: declare it under vars, or pass --var a=VALUE'],
      [
        4,
        'hypothesis[0].command[1]',
        '${b}: variable "b" is not defined: declare it under vars, or pass --var b=VALUE',
      ],
      [4, 'hypothesis[0].command[1]', '${env:C}: environment variable C is not set'],
    ]);
  });

  it('does not let vars reference other vars', () => {
    const problems = problemsOf(`title: t
vars:
  a: one
  b: "\${a}-two"
hypothesis:
  - name: p
    command: [echo, "\${b}"]
method:
  - wait: 1s
`);
    expect(problems).toEqual([
      {
        file: FILE,
        line: 4,
        column: 6,
        path: 'vars.b',
        message:
          '${a}: variable "a" is not defined in vars (vars may only use ${env:NAME} and ${secret:NAME})',
      },
    ]);
  });

  it('reports a malformed reference', () => {
    const problems = problemsOf(withCommand('[echo, "${not valid}"]'));
    expect(problems).toEqual([
      {
        file: FILE,
        line: 4,
        column: 21,
        path: 'hypothesis[0].command[1]',
        message: '${not valid} is not a valid reference; use ${name}, ${env:NAME} or ${secret:NAME}',
      },
    ]);
  });

  it('does not read a variable name as an environment variable', () => {
    const problems = problemsOf(withCommand('[echo, "${HOME}"]'), { HOME: '/root' });
    expect(problems[0]!.message).toBe(
      '${HOME}: variable "HOME" is not defined: declare it under vars, or pass --var HOME=VALUE',
    );
  });
});

describe('substituteString', () => {
  it('returns the text, the missing names and the malformed references', () => {
    expect(substituteString('${a}/${b}/${env:X}/${1bad}', { a: 'A' }, {})).toEqual({
      value: 'A/${b}/${env:X}/${1bad}',
      missing: ['b', 'env:X'],
      malformed: ['1bad'],
      secrets: [],
      fromEnv: true,
    });
  });

  it('leaves text without references alone, including a lone $ or braces', () => {
    expect(substituteString('cost: $5 {x} $ {y}', {}, {})).toEqual({
      value: 'cost: $5 {x} $ {y}',
      missing: [],
      malformed: [],
      secrets: [],
      fromEnv: false,
    });
  });
});
