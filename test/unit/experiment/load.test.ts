import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import {
  ExperimentInvalidError,
  type ExperimentProblem,
  formatProblem,
  loadExperimentFile,
  parseExperiment,
  toDotPath,
} from '../../../src/experiment/load.js';

const FILE = 'checkout.yaml';

/** The problems parseExperiment reports for `text`; fails the test when the text is accepted. */
function problemsOf(text: string, env: Record<string, string | undefined> = {}): ExperimentProblem[] {
  try {
    parseExperiment(text, FILE, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ExperimentInvalidError);
    return (error as ExperimentInvalidError).problems;
  }
  throw new Error('expected the experiment to be rejected');
}

const BASE_STEP_KINDS = ['kill', 'stop', 'pause', 'restart', 'wait', 'probe', 'action', 'parallel'];

/** The step kinds an error message lists after its last colon or "of". */
function listedKinds(message: string): string[] {
  return message
    .replace(/^.*(: | of )/, '')
    .split(', ')
    .map((kind) => kind.trim());
}

function onlyProblem(text: string): ExperimentProblem {
  const problems = problemsOf(text);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

/** A valid hypothesis (lines 1-4) to which a test appends its method. */
const HEAD = `title: t
hypothesis:
  - name: p
    command: [node, -v]
`;

const FULL = `title: Checkout survives a paused backend
description: The gateway fails over.
tags: [gateway, failover]
scope:
  compose: shop
hypothesis:
  - name: checkout answers
    http:
      url: http://127.0.0.1:8080/checkout
      headers: { accept: application/json }
    expect:
      status: [200, 201]
      latency: < 500ms
      body: { contains: ok, json: { path: $.ok, equals: true } }
    every: 250ms
    timeout: 2s
    retries: 2
    interval: 100ms
  - name: database port
    tcp: { host: 127.0.0.1, port: 5432 }
    expect: { connects: true, latency: "<= 1s" }
    when: [before, after]
  - name: api healthy inside
    exec:
      target: { service: api }
      command: [wget, -qO-, http://localhost/health]
    expect: { exit: [0, 1], stdout: { matches: "^ok" } }
  - name: host check
    command: [node, -e, "process.exit(0)"]
    expect: { exit: 0, stderr: { equals: "" } }
  - name: db keeps running
    container: { target: { service: db, project: shop } }
    expect: { state: running, health: healthy, restarts: "< 3" }
method:
  - kill: { target: { service: api, count: 1 } }
  - stop: { target: { name: shop-db-1 }, grace: 2s, duration: 1m30s }
  - pause: { target: { labels: { tier: backend }, percent: 50 }, duration: 1.5s, background: true }
  - restart: { target: { pattern: "^shop-web-" } }
  - wait: 500ms
  - probe:
      name: mid-way
      http: { url: "https://example.test/" }
  - action:
      name: load
      command: [node, -e, "1"]
      timeout: 10s
      background: true
  - parallel:
      - pause: { target: { id: abc123 } }
      - kill: { target: { service: web }, signal: SIGTERM }
      - wait: 1h
rollbacks:
  - exec: { target: { service: api }, command: [rm, -f, /tmp/lock] }
  - http: { url: "http://127.0.0.1:8080/reset", method: POST, body: { all: true } }
recovery: 10s
timeout: 5m
`;

describe('parseExperiment: a valid experiment', () => {
  const loaded = parseExperiment(FULL, 'experiments/full.yaml', {});
  const { experiment } = loaded;

  it('keeps the file and resolves its directory (relative host commands run there)', () => {
    expect(loaded.file).toBe('experiments/full.yaml');
    expect(loaded.directory).toBe(path.resolve('experiments'));
  });

  it('reads the header fields', () => {
    expect(experiment.title).toBe('Checkout survives a paused backend');
    expect(experiment.description).toBe('The gateway fails over.');
    expect(experiment.tags).toEqual(['gateway', 'failover']);
    expect(experiment.scope).toEqual({ compose: 'shop' });
    expect(experiment.recovery).toBe(10_000);
    expect(experiment.timeout).toBe(300_000);
  });

  it('reads every probe kind, with durations in milliseconds and bounds parsed', () => {
    const [http, tcp, exec, command, container] = experiment.hypothesis;
    expect(http).toEqual({
      name: 'checkout answers',
      http: { url: 'http://127.0.0.1:8080/checkout', method: 'GET', headers: { accept: 'application/json' } },
      expect: {
        status: [200, 201],
        latency: { op: '<', value: 500, text: '< 500ms' },
        body: { contains: 'ok', json: { path: '$.ok', equals: true } },
      },
      every: 250,
      timeout: 2000,
      retries: 2,
      interval: 100,
    });
    expect(tcp).toEqual({
      name: 'database port',
      tcp: { host: '127.0.0.1', port: 5432 },
      expect: { connects: true, latency: { op: '<=', value: 1000, text: '<= 1s' } },
      when: ['before', 'after'],
    });
    expect(exec).toEqual({
      name: 'api healthy inside',
      exec: { target: { service: 'api' }, command: ['wget', '-qO-', 'http://localhost/health'] },
      expect: { exit: [0, 1], stdout: { matches: '^ok' } },
    });
    expect(command).toEqual({
      name: 'host check',
      command: ['node', '-e', 'process.exit(0)'],
      expect: { exit: 0, stderr: { equals: '' } },
    });
    expect(container).toEqual({
      name: 'db keeps running',
      container: { target: { service: 'db', project: 'shop' } },
      expect: { state: 'running', health: 'healthy', restarts: { op: '<', value: 3, text: '< 3' } },
    });
  });

  it('reads every step kind, normalised to {kind, spec}, and applies defaults (SIGKILL, GET)', () => {
    expect(experiment.method).toEqual([
      { kind: 'kill', spec: { target: { service: 'api', count: 1 }, signal: 'SIGKILL' } },
      { kind: 'stop', spec: { target: { name: 'shop-db-1' }, grace: 2000, duration: 90_000 } },
      {
        kind: 'pause',
        spec: { target: { labels: { tier: 'backend' }, percent: 50 }, duration: 1500, background: true },
      },
      { kind: 'restart', spec: { target: { pattern: '^shop-web-' } } },
      { kind: 'wait', spec: 500 },
      { kind: 'probe', spec: { name: 'mid-way', http: { url: 'https://example.test/', method: 'GET' } } },
      {
        kind: 'action',
        spec: { name: 'load', command: ['node', '-e', '1'], timeout: 10_000, background: true },
      },
      {
        kind: 'parallel',
        spec: [
          { kind: 'pause', spec: { target: { id: 'abc123' } } },
          { kind: 'kill', spec: { target: { service: 'web' }, signal: 'SIGTERM' } },
          { kind: 'wait', spec: 3_600_000 },
        ],
      },
    ]);
  });

  it('reads rollbacks', () => {
    expect(experiment.rollbacks).toEqual([
      { exec: { target: { service: 'api' }, command: ['rm', '-f', '/tmp/lock'] } },
      { http: { url: 'http://127.0.0.1:8080/reset', method: 'POST', body: { all: true } } },
    ]);
  });

  it('leaves optional settings unset so the engine applies its defaults', () => {
    const minimal = parseExperiment(`${HEAD}method:\n  - wait: 1s\n`, FILE, {}).experiment;
    expect(minimal).toEqual({
      title: 't',
      hypothesis: [{ name: 'p', command: ['node', '-v'] }],
      method: [{ kind: 'wait', spec: 1000 }],
    });
  });

  it('accepts JSON', () => {
    const json = JSON.stringify({
      title: 't',
      hypothesis: [{ name: 'p', tcp: { host: 'db', port: 5432 } }],
      method: [{ pause: { target: { service: 'db' }, duration: '2s' } }],
    });
    expect(parseExperiment(json, 'exp.json', {}).experiment.method).toEqual([
      { kind: 'pause', spec: { target: { service: 'db' }, duration: 2000 } },
    ]);
  });

  it('accepts a $schema key (for editors)', () => {
    const text = `$schema: ../faultline.schema.json\n${HEAD}method:\n  - wait: 1s\n`;
    expect(parseExperiment(text, FILE, {}).experiment.$schema).toBe('../faultline.schema.json');
  });
});

describe('parseExperiment: problems point at file:line:column and the path', () => {
  it('an unknown key at the top level', () => {
    const problem = onlyProblem(`title: t
timeuot: 5m
hypothesis:
  - name: p
    command: [node]
method:
  - wait: 1s
`);
    expect(problem).toEqual({
      file: FILE,
      line: 2,
      column: 1,
      path: 'timeuot',
      message: 'unknown key "timeuot"; did you mean "timeout"?',
    });
  });

  it('an unknown key in a probe', () => {
    const problem = onlyProblem(`title: t
hypothesis:
  - name: p
    command: [node, -v]
    timeuot: 2s
method:
  - wait: 1s
`);
    expect(formatProblem(problem)).toBe(
      'checkout.yaml:5:5 hypothesis[0].timeuot: unknown key "timeuot"; did you mean "timeout"?',
    );
  });

  it('a misspelt key in a target inside a parallel step', () => {
    const problems = problemsOf(`${HEAD}method:
  - parallel:
      - wait: 1s
      - pause:
          target: { servce: api }
`);
    const typo = problems.find((problem) => problem.path.endsWith('servce'));
    expect(typo).toMatchObject({ line: 9, column: 21, path: 'method[0].parallel[1].pause.target.servce' });
    expect(typo?.message).toContain('unknown key "servce"');
    // Without its selector the target names nothing: that is reported too, at the target.
    expect(problems).toContainEqual(
      expect.objectContaining({
        line: 9,
        column: 19,
        path: 'method[0].parallel[1].pause.target',
        message: 'a target needs one of: name, id, service, labels, pattern',
      }),
    );
  });

  it('a bad duration', () => {
    expect(
      onlyProblem(`${HEAD}method:
  - pause:
      target: { service: api }
      duration: 5x
`),
    ).toMatchObject({
      line: 8,
      column: 17,
      path: 'method[0].pause.duration',
      message: 'expected a duration such as 500ms, 2s, 1m30s or 1h',
    });
  });

  it('a zero duration where time must pass', () => {
    expect(onlyProblem(`${HEAD}method:\n  - wait: 0s\n`)).toMatchObject({
      line: 6,
      column: 11,
      path: 'method[0].wait',
      message: 'expected a duration above zero',
    });
  });

  it('an unknown step kind', () => {
    const problem = onlyProblem(`${HEAD}method:
  - wait: 1s
  - freeze: 2s
`);
    expect(problem.path).toBe('method[1].freeze');
    expect(problem.line).toBe(7);
    expect(problem.message).toMatch(/^unknown step "freeze"; expected one of: [a-z, -]+$/);
    expect(listedKinds(problem.message)).toEqual(expect.arrayContaining(BASE_STEP_KINDS));
  });

  it('a step with two kinds', () => {
    expect(
      onlyProblem(`${HEAD}method:
  - wait: 1s
    pause: { target: { service: api } }
`),
    ).toEqual({
      file: FILE,
      line: 6,
      column: 5,
      path: 'method[0]',
      message: 'a step has exactly one kind, found wait and pause (use parallel to run steps together)',
    });
  });

  it('a step that is not an object', () => {
    const problem = onlyProblem(`${HEAD}method:\n  - wait 1s\n`);
    expect(problem).toMatchObject({ line: 6, column: 5, path: 'method[0]' });
    expect(problem.message).toMatch(
      /^expected a step, found a string "wait 1s"; a step is an object with one key of [a-z, -]+$/,
    );
    expect(listedKinds(problem.message)).toEqual(expect.arrayContaining(BASE_STEP_KINDS));
  });

  it('an expectation that does not apply to the probe kind', () => {
    expect(
      onlyProblem(`title: t
hypothesis:
  - name: p
    http: { url: "http://localhost/" }
    expect:
      exit: 0
method:
  - wait: 1s
`),
    ).toEqual({
      file: FILE,
      line: 6,
      column: 13,
      path: 'hypothesis[0].expect.exit',
      message: '"exit" does not apply to an http probe; it can expect: status, latency, body',
    });
  });

  it('a container probe expecting a status', () => {
    expect(
      onlyProblem(`title: t
hypothesis:
  - name: p
    container: { target: { service: db } }
    expect: { status: 200 }
method:
  - wait: 1s
`),
    ).toMatchObject({
      line: 5,
      column: 23,
      path: 'hypothesis[0].expect.status',
      message: '"status" does not apply to a container probe; it can expect: state, health, restarts',
    });
  });

  it('a probe with no kind', () => {
    expect(
      onlyProblem(`title: t
hypothesis:
  - name: p
    expect: { exit: 0 }
method:
  - wait: 1s
`),
    ).toEqual({
      file: FILE,
      line: 3,
      column: 5,
      path: 'hypothesis[0]',
      message:
        'a probe needs exactly one of: http, tcp, exec, command, container, load, prometheus, workload',
    });
  });

  it('a probe with two kinds', () => {
    expect(
      onlyProblem(`title: t
hypothesis:
  - name: ok
    command: [node]
  - name: p
    command: [node]
    tcp: { host: h, port: 1 }
method:
  - wait: 1s
`),
    ).toMatchObject({
      line: 5,
      column: 5,
      path: 'hypothesis[1]',
      message: 'a probe has exactly one kind, found tcp and command',
    });
  });

  it('a target with no selector', () => {
    expect(
      onlyProblem(`${HEAD}method:
  - kill:
      target: { count: 1 }
`),
    ).toMatchObject({
      line: 7,
      column: 15,
      path: 'method[0].kill.target',
      message: 'a target needs one of: name, id, service, labels, pattern',
    });
  });

  it('count and percent together', () => {
    expect(
      onlyProblem(`${HEAD}method:
  - kill:
      target:
        service: api
        count: 1
        percent: 50
`),
    ).toMatchObject({
      line: 10,
      column: 18,
      path: 'method[0].kill.target.percent',
      message: 'use either count or percent, not both',
    });
  });

  it('an invalid regular expression in a target pattern', () => {
    const problem = onlyProblem(`${HEAD}method:
  - kill:
      target: { pattern: "api[" }
`);
    expect(problem).toMatchObject({ line: 7, column: 26, path: 'method[0].kill.target.pattern' });
    expect(problem.message).toMatch(/^not a valid regular expression: .*api\[/);
  });

  it('an invalid regular expression in stdout.matches and body.matches', () => {
    const problems = problemsOf(`title: t
hypothesis:
  - name: p
    command: [node]
    expect:
      stdout: { matches: "(a" }
  - name: q
    http: { url: "http://localhost/" }
    expect:
      body:
        matches: "*x"
method:
  - wait: 1s
`);
    expect(problems.map(({ line, column, path }) => ({ line, column, path }))).toEqual([
      { line: 6, column: 26, path: 'hypothesis[0].expect.stdout.matches' },
      { line: 11, column: 18, path: 'hypothesis[1].expect.body.matches' },
    ]);
    for (const problem of problems) expect(problem.message).toMatch(/^not a valid regular expression: /);
  });

  it('a URL that is not http(s)', () => {
    expect(
      onlyProblem(`title: t
hypothesis:
  - name: p
    http: { url: "localhost:8080/health" }
method:
  - wait: 1s
`),
    ).toMatchObject({
      line: 4,
      column: 18,
      path: 'hypothesis[0].http.url',
      message: 'expected an http:// or https:// URL',
    });
  });

  it.each(['ftp://example.test/', 'http://', 'http:// spaced.test/'])('rejects the URL %j', (url) => {
    const problem = onlyProblem(
      `title: t\nhypothesis:\n  - name: p\n    http: { url: "${url}" }\nmethod:\n  - wait: 1s\n`,
    );
    expect(problem.path).toBe('hypothesis[0].http.url');
  });

  it('a status outside 100-599 and a bad status class', () => {
    const problems = problemsOf(`title: t
hypothesis:
  - name: p
    http: { url: "http://localhost/" }
    expect: { status: 700 }
  - name: q
    http: { url: "http://localhost/" }
    expect: { status: 2XX }
method:
  - wait: 1s
`);
    expect(problems.map((problem) => [problem.line, problem.path])).toEqual([
      [5, 'hypothesis[0].expect.status'],
      [8, 'hypothesis[1].expect.status'],
    ]);
  });

  it('missing sections point at the top of the file', () => {
    const problems = problemsOf('title: t\n');
    expect(problems.map(({ line, column, path }) => ({ line, column, path }))).toEqual([
      { line: 1, column: 1, path: 'hypothesis' },
      { line: 1, column: 1, path: 'method' },
    ]);
    expect(problems[0]!.message).toMatch(/^is required \(expected a list\)/);
  });

  it('empty lists say what is missing', () => {
    expect(problemsOf('title: t\nhypothesis: []\nmethod: []\n')).toEqual([
      {
        file: FILE,
        line: 2,
        column: 13,
        path: 'hypothesis',
        message: 'expected at least one probe: what must stay true?',
      },
      {
        file: FILE,
        line: 3,
        column: 9,
        path: 'method',
        message: 'expected at least one step: what do we break?',
      },
    ]);
  });

  it('an unknown key in JSON input points into the JSON text', () => {
    const json = `{
  "title": "t",
  "hypothesis": [
    { "name": "p", "command": ["node"], "timeuot": "1s" }
  ],
  "method": [{ "wait": "1s" }]
}`;
    expect(onlyProblem(json)).toMatchObject({ line: 4, column: 41, path: 'hypothesis[0].timeuot' });
  });
});

describe('parseExperiment: YAML that does not parse', () => {
  it('an unclosed bracket', () => {
    const problems = problemsOf('title: [a, b\nmethod: []\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ file: FILE, line: 2, column: 1, path: '' });
    expect(problems[0]!.message).toMatch(/^YAML syntax: .*\]/);
  });

  it('bad indentation', () => {
    const problems = problemsOf(`${HEAD}method:
  - pause:
      target: { service: api }
     duration: 2s
`);
    expect(problems).toEqual([
      {
        file: FILE,
        line: 8,
        column: 1,
        path: '',
        message: 'YAML syntax: All mapping items must start at the same column',
      },
    ]);
  });

  it('a duplicate key', () => {
    expect(
      problemsOf(`title: t\ntitle: u\n${HEAD.slice('title: t\n'.length)}method:\n  - wait: 1s\n`),
    ).toEqual([
      { file: FILE, line: 2, column: 1, path: '', message: 'YAML syntax: Map keys must be unique' },
    ]);
  });

  it('a duplicate key deep inside a step', () => {
    const problem = onlyProblem(`${HEAD}method:
  - pause:
      target: { service: api }
      duration: 1s
      duration: 2s
`);
    expect(problem).toMatchObject({ line: 9, column: 7, message: 'YAML syntax: Map keys must be unique' });
  });

  it('an empty file', () => {
    for (const text of ['', '\n\n', '# only a comment\n']) {
      expect(problemsOf(text)).toEqual([
        {
          file: FILE,
          line: 1,
          column: 1,
          path: '',
          message: 'the file is empty; expected an experiment (title, hypothesis, method)',
        },
      ]);
    }
  });

  it('a document that is not a mapping', () => {
    const problem = onlyProblem('- just\n- a list\n');
    expect(problem).toMatchObject({ line: 1, column: 1, path: '' });
    expect(problem.message).toMatch(/^expected a mapping, found a list/);
  });
});

describe('ExperimentInvalidError', () => {
  const text = `title: ""
hypothesis:
  - name: p
    command: [node]
    timeout: 5x
method:
  - wait: soon
  - pause:
      target: { service: api }
      duraton: 1s
`;

  it('lists every problem, in file order, not only the first', () => {
    expect(problemsOf(text).map((problem) => `${problem.line}:${problem.column} ${problem.path}`)).toEqual([
      '1:8 title',
      '5:14 hypothesis[0].timeout',
      '7:11 method[0].wait',
      '10:7 method[1].pause.duraton',
    ]);
  });

  it('is an invalid-input error: exit code 2, a stable code, a hint, and every line in its message', () => {
    let caught: unknown;
    try {
      parseExperiment(text, FILE, {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    const error = caught as ExperimentInvalidError;
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe('EXPERIMENT_INVALID');
    expect(error.hint).toContain('faultline schema');
    expect(error.message.split('\n')).toEqual([
      'checkout.yaml is not a valid experiment:',
      'checkout.yaml:1:8 title: expected a non-empty string',
      'checkout.yaml:5:14 hypothesis[0].timeout: expected a duration such as 500ms, 2s, 1m30s or 1h',
      'checkout.yaml:7:11 method[0].wait: expected a duration such as 500ms, 2s, 1m30s or 1h',
      'checkout.yaml:10:7 method[1].pause.duraton: unknown key "duraton"; did you mean "duration"?',
    ]);
  });
});

describe('formatProblem and toDotPath', () => {
  it('writes file:line:column, then the path when there is one', () => {
    const problem = { file: 'a.yaml', line: 3, column: 7, path: 'method[0].wait', message: 'bad' };
    expect(formatProblem(problem)).toBe('a.yaml:3:7 method[0].wait: bad');
    expect(formatProblem({ ...problem, path: '' })).toBe('a.yaml:3:7 bad');
  });

  it('joins keys with dots and indexes with brackets', () => {
    expect(toDotPath(['method', 2, 'pause', 'target', 'service'])).toBe('method[2].pause.target.service');
    expect(toDotPath([0, 'a'])).toBe('[0].a');
    expect(toDotPath([])).toBe('');
  });
});

describe('loadExperimentFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'faultline-load-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and validates a file, with the environment given', async () => {
    const file = path.join(dir, 'exp.yaml');
    await writeFile(
      file,
      'title: ${env:TITLE}\nhypothesis:\n  - name: p\n    command: [node]\nmethod:\n  - wait: 1s\n',
    );
    const loaded = await loadExperimentFile(file, { TITLE: 'from env' });
    expect(loaded.experiment.title).toBe('from env');
    expect(loaded.directory).toBe(dir);
  });

  it('names a missing file, with exit code 2', async () => {
    const file = path.join(dir, 'missing.yaml');
    await expect(loadExperimentFile(file, {})).rejects.toMatchObject({
      code: 'EXPERIMENT_UNREADABLE',
      exitCode: 2,
      message: `${file}: no such file`,
    });
  });

  it('refuses a folder as a file without crashing', async () => {
    await expect(loadExperimentFile(dir, {})).rejects.toMatchObject({
      code: 'EXPERIMENT_NOT_A_FILE',
      exitCode: 2,
      message: `${dir} is a folder, not a regular file: faultline reads experiments only from regular files`,
    });
  });
});

describe('parseExperiment: messages a user can act on', () => {
  it('points an unknown step kind at its key, not at its value', () => {
    const problem = onlyProblem(
      `${HEAD}method:\n  - wait: 1s\n  - freeze:\n      target: { service: api }\n`,
    );
    expect(problem).toMatchObject({ line: 7, column: 5, path: 'method[1].freeze' });
    expect(problem.message).toMatch(/^unknown step "freeze"/);
  });

  it('says what type was found, not "nothing"', () => {
    const problem = onlyProblem(
      `title: 5\nhypothesis:\n  - name: p\n    command: [node, -v]\nmethod:\n  - wait: 1s\n`,
    );
    expect(problem.message).toBe('expected a string, found a number (5)');
    const list = onlyProblem(`${HEAD}method:\n  - wait: 1s\nrollbacks:\n  - command: echo\n`);
    expect(list.message).toBe('expected a list, found a string ("echo")');
  });

  it('says a missing value is required', () => {
    const problem = onlyProblem(
      `title: t\nhypothesis:\n  - name: p\n    http: { url: "http://127.0.0.1:1/" }\n    expect: { body: { json: { path: $.ok } } }\nmethod:\n  - wait: 1s\n`,
    );
    expect(problem).toMatchObject({
      path: 'hypothesis[0].expect.body.json.equals',
      message: 'is required (expected a value)',
    });
  });

  it('reports one YAML syntax error, with a hint for an unquoted ${variable} in a flow mapping', () => {
    const problem = onlyProblem(
      `title: t\nvars: { port: 8080 }\nhypothesis:\n  - name: p\n    tcp: { host: 127.0.0.1, port: \${port} }\nmethod:\n  - wait: 1s\n`,
    );
    expect(problem.line).toBe(5);
    expect(problem.message).toContain('must be quoted: "${variable}"');
  });
});

describe('parseExperiment: variables in number fields', () => {
  it('reads a variable as a number where a number is expected and as text where text is', () => {
    const { experiment } = parseExperiment(
      `title: t\nvars: { port: 5432, n: 2 }\nhypothesis:\n  - name: db\n    tcp: { host: 127.0.0.1, port: "\${port}" }\n    retries: \${n}\n  - name: nc\n    command: [nc, -z, db, "\${port}"]\nmethod:\n  - pause: { target: { service: db, count: "\${n}" } }\n`,
      'vars.yaml',
      {},
    );
    expect(experiment.hypothesis[0]!.tcp!.port).toBe(5432);
    expect(experiment.hypothesis[0]!.retries).toBe(2);
    expect(experiment.hypothesis[1]!.command).toEqual(['nc', '-z', 'db', '5432']);
    expect((experiment.method[0] as { spec: { target: { count: number } } }).spec.target.count).toBe(2);
  });

  it('still rejects text that is not a number in a number field', () => {
    const problem = onlyProblem(
      `title: t\nhypothesis:\n  - name: db\n    tcp: { host: h, port: eighty }\nmethod:\n  - wait: 1s\n`,
    );
    expect(problem.path).toBe('hypothesis[0].tcp.port');
    expect(problem.message).toBe('expected a number, found a string ("eighty")');
  });
});
