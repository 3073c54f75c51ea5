import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandExperimentFiles } from '../../../src/cli/files.js';
import {
  ExperimentInvalidError,
  type ExperimentProblem,
  formatProblem,
  loadExperimentFile,
  parseExperiment,
  parseExperimentBytes,
} from '../../../src/experiment/load.js';
import { MAX_EXPERIMENT_BYTES } from '../../../src/experiment/read-source.js';

const FILE = 'hostile.yaml';
const LIMIT = 'is longer than the longest duration faultline can hold, 24d 20h 31m 23s (2147483647ms)';

const HEAD = `title: t
hypothesis:
  - name: p
    command: [node, -v]
`;
const VALID = `${HEAD}method:\n  - wait: 1s\n`;

function problemsOf(text: string, env: Record<string, string | undefined> = {}): ExperimentProblem[] {
  try {
    parseExperiment(text, FILE, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ExperimentInvalidError);
    return (error as ExperimentInvalidError).problems;
  }
  throw new Error('expected the experiment to be rejected');
}

function onlyProblem(text: string, env: Record<string, string | undefined> = {}): ExperimentProblem {
  const problems = problemsOf(text, env);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

function bytesProblem(bytes: Uint8Array): { problem: ExperimentProblem; error: ExperimentInvalidError } {
  try {
    parseExperimentBytes(bytes, FILE, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ExperimentInvalidError);
    const invalid = error as ExperimentInvalidError;
    expect(invalid.problems).toHaveLength(1);
    return { problem: invalid.problems[0]!, error: invalid };
  }
  throw new Error('expected the bytes to be rejected');
}

describe('durations longer than a timer can hold are refused in every kind of field', () => {
  const target = '{ target: { name: x } }';
  const cases: [string, string, string][] = [
    [
      'fault duration',
      `${HEAD}method:\n  - pause: { target: { name: x }, duration: 600h }\n`,
      'method[0].pause.duration',
    ],
    [
      'network fault duration',
      `${HEAD}method:\n  - loss: { target: { name: x }, percent: 5%, duration: 600h }\n`,
      'method[0].loss.duration',
    ],
    [
      'partition duration',
      `${HEAD}method:\n  - partition: { groups: [[{ name: a }], [{ name: b }]], duration: 600h }\n`,
      'method[0].partition.duration',
    ],
    [
      'stop grace',
      `${HEAD}method:\n  - stop: { target: { name: x }, grace: 600h }\n`,
      'method[0].stop.grace',
    ],
    [
      'restart grace',
      `${HEAD}method:\n  - restart: { target: { name: x }, grace: 600h }\n`,
      'method[0].restart.grace',
    ],
    [
      'delay latency',
      `${HEAD}method:\n  - delay: { target: { name: x }, latency: 600h }\n`,
      'method[0].delay.latency',
    ],
    [
      'delay jitter',
      `${HEAD}method:\n  - delay: { target: { name: x }, latency: 1s, jitter: 600h }\n`,
      'method[0].delay.jitter',
    ],
    [
      'reorder latency',
      `${HEAD}method:\n  - reorder: { target: { name: x }, percent: 5%, latency: 600h }\n`,
      'method[0].reorder.latency',
    ],
    ['wait', `${HEAD}method:\n  - wait: 600h\n`, 'method[0].wait'],
    [
      'action timeout',
      `${HEAD}method:\n  - action: { command: [node], timeout: 600h }\n`,
      'method[0].action.timeout',
    ],
    [
      'probe step timeout',
      `${HEAD}method:\n  - probe: { name: q, command: [node], timeout: 600h }\n`,
      'method[0].probe.timeout',
    ],
    ['run timeout', `${VALID}timeout: 600h\n`, 'timeout'],
    ['recovery', `${VALID}recovery: 600h\n`, 'recovery'],
    ['max-hold', `${VALID}safety: { max-hold: 600h }\n`, 'safety.max-hold'],
    ['probe timeout', `${HEAD}    timeout: 600h\nmethod:\n  - pause: ${target}\n`, 'hypothesis[0].timeout'],
    ['probe every', `${HEAD}    every: 600h\nmethod:\n  - pause: ${target}\n`, 'hypothesis[0].every'],
    [
      'probe interval',
      `${HEAD}    interval: 600h\nmethod:\n  - pause: ${target}\n`,
      'hypothesis[0].interval',
    ],
    [
      'guard timeout',
      `${VALID}guards:\n  - { name: g, command: [node], timeout: 600h }\n`,
      'guards[0].timeout',
    ],
    [
      'rollback timeout',
      `${VALID}rollbacks:\n  - { command: [node], timeout: 600h }\n`,
      'rollbacks[0].timeout',
    ],
  ];
  const load = (extra: string) =>
    `title: t\nhypothesis:\n  - name: l\n    load: { url: "http://127.0.0.1:1/", rate: 1/s, ${extra} }\n    expect: { thresholds: ["p95 < 1s"] }\nmethod:\n  - wait: 1s\n`;
  cases.push(
    ['load before', load('before: 600h'), 'hypothesis[0].load.before'],
    ['load after', load('after: 600h'), 'hypothesis[0].load.after'],
    ['load window', load('window: 600h'), 'hypothesis[0].load.window'],
  );

  it.each(cases)('%s', (_kind, text, pathText) => {
    const problem = onlyProblem(text);
    expect(problem.path).toBe(pathText);
    expect(problem.message).toBe(`600h ${LIMIT}`);
    expect(problem.line).toBeGreaterThan(1);
  });

  it('accepts the longest duration a timer holds, to the millisecond, and refuses one more', () => {
    const at = (ms: string) => `${VALID}timeout: ${ms}\n`;
    expect(parseExperiment(at('2147483647ms'), FILE, {}).experiment.timeout).toBe(2_147_483_647);
    expect(onlyProblem(at('2147483648ms')).message).toBe(`2147483648ms ${LIMIT}`);
  });

  it('refuses a duration too long to be a number at all, without echoing all of it', () => {
    const problem = onlyProblem(`${VALID}timeout: ${'9'.repeat(500)}h\n`);
    expect(problem.path).toBe('timeout');
    expect(problem.message).toBe(`${'9'.repeat(20)}... ${LIMIT}`);
  });
});

describe('YAML aliases', () => {
  it('an alias bomb is invalid input with a location, not a crash', () => {
    const bomb = [
      'title: t',
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
      'f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
      'hypothesis: *f',
      'method: *f',
    ].join('\n');
    const problem = onlyProblem(bomb);
    expect(problem).toMatchObject({ line: 3, column: 8 });
    expect(problem.message).toBe(
      'YAML aliases expand to too much data (more than 100 copies); write the values out instead',
    );
  });

  it('an undefined alias names itself', () => {
    const problem = onlyProblem(`${HEAD}method:\n  - wait: *later\n`);
    expect(formatProblem(problem)).toBe(
      'hostile.yaml:6:11 method[0].wait: YAML alias *later has no anchor &later before it',
    );
  });

  it('an alias inside the value it refers to (a loop) is refused', () => {
    const problem = onlyProblem(`${HEAD}method: &steps\n  - parallel: *steps\n`);
    expect(problem).toMatchObject({ line: 6, column: 15, path: 'method[0].parallel' });
    expect(problem.message).toBe('YAML alias *steps refers to a value that contains it (a loop)');
  });

  it('ordinary anchors and aliases still work', () => {
    const { experiment } = parseExperiment(
      `${HEAD}method:\n  - pause: { target: &api { service: api } }\n  - kill: { target: *api }\n`,
      FILE,
      {},
    );
    expect(experiment.method).toHaveLength(2);
  });
});

describe('YAML structure', () => {
  it('a second document is an error, not silently dropped', () => {
    const problem = onlyProblem(`${VALID}---\ntitle: other\n`);
    expect(formatProblem(problem)).toBe(
      'hostile.yaml:7:1 YAML syntax: a second YAML document (after ---); an experiment file holds one',
    );
  });

  it('keys that become the same text are duplicates', () => {
    const problem = onlyProblem(`${VALID}vars: { 1: a, "1": b }\n`);
    expect(problem).toMatchObject({ line: 7, column: 15, message: 'YAML syntax: Map keys must be unique' });
  });

  it('many keys are checked for duplicates in linear time', () => {
    const keys = Array.from({ length: 30_000 }, (_, index) => `  k${index}: v`).join('\n');
    const started = performance.now();
    const problem = onlyProblem(`${VALID}vars:\n${keys}\n  k7: again\n`);
    expect(problem).toMatchObject({
      line: 30_008,
      column: 3,
      message: 'YAML syntax: Map keys must be unique',
    });
    // The parser's own check compares every key with every other: about a minute for these.
    expect(performance.now() - started).toBeLessThan(8000);
  }, 30_000);

  it('a flood of syntax errors stops at the first, without composing the rest', () => {
    const started = performance.now();
    const problem = onlyProblem(`${VALID}${'[]]]]]]]]]\n'.repeat(80_000)}`);
    expect(problem).toMatchObject({ line: 7, column: 3 });
    expect(problem.message).toMatch(/^YAML syntax: /);
    // Composing the 700,000 errors of this file took over 20 s (and 1 GB).
    expect(performance.now() - started).toBeLessThan(15_000);
  }, 40_000);
});

describe('YAML 1.1 features stay off', () => {
  it('a %YAML 1.1 merge key with a scalar is an unknown key, not a crash', () => {
    const problem = onlyProblem(`%YAML 1.1\n---\n${VALID}<<: 5\n`);
    expect(formatProblem(problem)).toMatch(/^hostile\.yaml:9:1 <<: unknown key "<<"/);
  });

  it('a %YAML 1.1 !!set is read as a plain mapping', () => {
    const problem = onlyProblem(`%YAML 1.1\n---\n${VALID}tags: !!set { a }\n`);
    expect(problem).toMatchObject({ path: 'tags', message: 'expected a list, found a mapping' });
  });
});

describe('keys that would reach object prototypes', () => {
  it('__proto__ at the top is an unknown key, and its content is not applied', () => {
    const problem = onlyProblem(`${VALID}__proto__: { timeout: 1ms, polluted: yes }\n`);
    expect(formatProblem(problem)).toBe(
      'hostile.yaml:7:1 __proto__: unknown key "__proto__"; it is not accepted anywhere in an experiment',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    [
      'in a probe',
      `${HEAD}    __proto__: { retries: 5 }\nmethod:\n  - wait: 1s\n`,
      'hypothesis[0].__proto__',
    ],
    ['in a step', `${HEAD}method:\n  - __proto__: { wait: 1s }\n`, 'method[0].__proto__'],
    [
      'in headers',
      `${HEAD}    http: { url: "http://a/", headers: { __proto__: { x: y } } }\n`,
      'hypothesis[0].http.headers.__proto__',
    ],
    ['in vars', `vars: { __proto__: { name: x } }\n${VALID}`, 'vars.__proto__'],
    [
      'in labels',
      `${HEAD}method:\n  - pause: { target: { labels: { __proto__: { a: b } } } }\n`,
      'method[0].pause.target.labels.__proto__',
    ],
    ['quoted, in JSON', '{"title": "t", "__proto__": {"a": 1}}', '__proto__'],
  ])('__proto__ %s is an unknown key', (_where, text, pathText) => {
    const problem = problemsOf(text).find((found) => found.path === pathText);
    expect(problem?.message).toBe('unknown key "__proto__"; it is not accepted anywhere in an experiment');
  });

  it('constructor and prototype are unknown keys like any other', () => {
    const problems = problemsOf(`${VALID}constructor: 1\nprototype: { a: 1 }\n`);
    expect(problems.map(formatProblem)).toEqual([
      'hostile.yaml:7:1 constructor: unknown key "constructor", "prototype"; check the spelling (`faultline schema` lists the keys)',
    ]);
  });

  it('constructor as a label or header name is an ordinary name', () => {
    const { experiment } = parseExperiment(
      `${HEAD}method:\n  - pause: { target: { labels: { constructor: x } } }\n`,
      FILE,
      {},
    );
    const step = experiment.method[0] as {
      kind: 'pause';
      spec: { target: { labels: Record<string, string> } };
    };
    expect(Object.entries(step.spec.target.labels)).toEqual([['constructor', 'x']]);
  });

  it('${env:constructor} reads the environment, not Object.prototype', () => {
    const problem = onlyProblem(`title: "\${env:constructor}"\n${VALID.slice('title: t\n'.length)}`);
    expect(problem.message).toBe('${env:constructor}: environment variable constructor is not set');
  });

  it('a key that is a list or a mapping is refused where it is', () => {
    const problem = onlyProblem(`${VALID}? [a, b]\n: c\n`);
    expect(problem).toMatchObject({ line: 7, column: 3 });
    expect(problem.message).toBe('expected a key that is text, found a list');
  });
});

describe('a scalar where a step belongs says what it is', () => {
  const KINDS = /; a step is an object with one key of kill, stop, pause, restart, .*, parallel$/;
  it.each([
    ['5', 'a number (5)'],
    ['"pause"', 'a string "pause" (write the kind as a key: "- pause: ...")'],
    ['hello', 'a string "hello"'],
    ['true', 'true'],
    ['null', 'null'],
    ['[wait, 1s]', 'a list'],
  ])('- %s', (value, found) => {
    const problem = onlyProblem(`${HEAD}method:\n  - ${value}\n`);
    expect(problem).toMatchObject({ line: 6, column: 5, path: 'method[0]' });
    expect(problem.message.startsWith(`expected a step, found ${found}; `)).toBe(true);
    expect(problem.message).toMatch(KINDS);
  });
});

describe('files that are not UTF-8 text', () => {
  const utf16le = (text: string) => Buffer.from(text, 'utf16le');
  const NOT_UTF8 = 'the file is not UTF-8 text';

  it.each([
    [
      'UTF-16 LE with a byte order mark',
      Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(VALID)]),
      'UTF-16 LE',
    ],
    [
      'UTF-16 BE with a byte order mark',
      Buffer.concat([Buffer.from([0xfe, 0xff]), utf16le(VALID).swap16()]),
      'UTF-16 BE',
    ],
    ['UTF-16 LE without one', utf16le(VALID), 'UTF-16 LE'],
    ['UTF-16 BE without one', utf16le(VALID).swap16(), 'UTF-16 BE'],
    ['UTF-32 LE', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.alloc(8)]), 'UTF-32 LE'],
  ])('%s: named, never echoed', (_name, bytes, encoding) => {
    const { problem, error } = bytesProblem(bytes);
    expect(formatProblem(problem)).toBe(
      `hostile.yaml:1:1 ${NOT_UTF8} (looks like ${encoding}): save it as UTF-8`,
    );
    expect(error.message).not.toContain('hypothesis');
    expect(error.hint).toMatch(/iconv/);
  });

  it('a 1 MB UTF-16 file gives a short message', () => {
    const big = Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(`${VALID}#${'x'.repeat(500_000)}\n`)]);
    const { error } = bytesProblem(big);
    expect(error.message.length).toBeLessThan(200);
  });

  it('a NUL byte is located', () => {
    const { problem } = bytesProblem(Buffer.from(`${HEAD}method:\n  - wait: 1\0s\n`));
    expect(formatProblem(problem)).toBe(
      `hostile.yaml:6:12 ${NOT_UTF8} (it holds a NUL byte, as binary files do): save it as UTF-8`,
    );
  });

  it('a Latin-1 byte is located, counting characters before it', () => {
    const bytes = Buffer.concat([Buffer.from('title: "é'), Buffer.from([0xe9]), Buffer.from('"\n')]);
    const { problem } = bytesProblem(bytes);
    expect(formatProblem(problem)).toBe(
      `hostile.yaml:1:10 ${NOT_UTF8} (byte 0xe9 is not valid UTF-8, as in Latin-1 or Windows-1252 text): save it as UTF-8`,
    );
  });

  it.each([
    ['an overlong encoding', [0xc0, 0xaf]],
    ['a surrogate', [0xed, 0xa0, 0x80]],
    ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
  ])('%s is not UTF-8', (_name, sequence) => {
    const { problem } = bytesProblem(Buffer.concat([Buffer.from('title: '), Buffer.from(sequence)]));
    expect(problem.message.startsWith(NOT_UTF8)).toBe(true);
    expect(problem).toMatchObject({ line: 1, column: 8 });
  });

  it('UTF-8 with a byte order mark and any Unicode text is fine', () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(VALID.replace('title: t', 'title: 日本 ✓ 😀')),
    ]);
    expect(parseExperimentBytes(bytes, FILE, {}).experiment.title).toBe('日本 ✓ 😀');
  });
});

describe('errors quote at most an excerpt of the file', () => {
  it('a long value in a type error is cut short', () => {
    const problem = onlyProblem(`${VALID}safety: { max-targets: ${'x'.repeat(100_000)} }\n`);
    expect(formatProblem(problem).length).toBeLessThan(200);
  });

  it('a long unknown key is cut short, and control characters are escaped', () => {
    const key = `"\\e[2J${'k'.repeat(900)}"`;
    const line = formatProblem(onlyProblem(`${VALID}${key}: 1\n`));
    expect(line.length).toBeLessThan(700);
    expect(line).not.toContain('\u001b');
    expect(line).toContain('\\u001b[2J');
  });

  it('an invalid regular expression does not echo all of it', () => {
    const pattern = `(${'a'.repeat(50_000)}`;
    const line = formatProblem(
      onlyProblem(`${HEAD}method:\n  - pause: { target: { pattern: "${pattern}" } }\n`),
    );
    expect(line.length).toBeLessThan(500);
  });

  it('lists at most 20 problems, then says how many more', () => {
    const keys = Array.from({ length: 30 }, (_, index) => `extra${index}: "\${nope}"`).join('\n');
    let error: ExperimentInvalidError | undefined;
    try {
      parseExperiment(`${VALID}${keys}\n`, FILE, {});
    } catch (caught) {
      error = caught as ExperimentInvalidError;
    }
    expect(error?.problems).toHaveLength(30);
    const lines = error!.message.split('\n');
    expect(lines).toHaveLength(22);
    expect(lines.at(-1)).toBe('... and 10 more problems; fix these first');
  });

  it('flow collections nested deeper than 64 levels are refused before parsing, quickly', () => {
    const started = performance.now();
    const problem = onlyProblem(`${VALID}tags: ${'['.repeat(200_000)}\n`);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(formatProblem(problem)).toBe(
      'hostile.yaml:7:71 YAML nested more than 64 levels deep with [ and {; an experiment needs a few',
    );
  });

  it('brackets in comments and quoted strings do not count', () => {
    const deepText = '['.repeat(100);
    const text = `${VALID}# ${deepText}\ndescription: "${deepText}"\n`;
    expect(parseExperiment(text, FILE, {}).experiment.description).toBe(deepText);
  });
});

describe('credentials in URLs are refused, never echoed', () => {
  const HINT =
    'the URL holds a user name or password, which requests refuse; send them in a header instead: headers: { Authorization: "Basic ${secret:API_BASIC}" }';
  it.each([
    [
      'an http probe',
      `${HEAD.replace('command: [node, -v]', 'http: { url: "http://user:s3cret@127.0.0.1:8080/" }')}method:\n  - wait: 1s\n`,
      'hypothesis[0].http.url',
      4,
    ],
    [
      'a user name alone',
      `${HEAD.replace('command: [node, -v]', 'http: { url: "https://s3cret@example.test/" }')}method:\n  - wait: 1s\n`,
      'hypothesis[0].http.url',
      4,
    ],
    [
      'a load probe',
      `title: t\nhypothesis:\n  - name: l\n    load: { url: "http://u:s3cret@127.0.0.1/", rate: 1/s }\n    expect: { thresholds: ["p95 < 1s"] }\nmethod:\n  - wait: 1s\n`,
      'hypothesis[0].load.url',
      4,
    ],
    [
      'an http action',
      `${VALID}rollbacks:\n  - http: { url: "http://u:s3cret@127.0.0.1/", method: POST }\n`,
      'rollbacks[0].http.url',
      8,
    ],
    [
      'a variable',
      `${HEAD.replace('command: [node, -v]', 'http: { url: "http://u:${env:PASS}@127.0.0.1/" }')}method:\n  - wait: 1s\n`,
      'hypothesis[0].http.url',
      4,
    ],
  ])('in %s', (_where, text, pathText, line) => {
    let message = '';
    try {
      parseExperiment(text, FILE, { PASS: 's3cret' });
    } catch (error) {
      expect(error).toBeInstanceOf(ExperimentInvalidError);
      const problem = (error as ExperimentInvalidError).problems.find((found) => found.path === pathText);
      expect(problem).toMatchObject({ line, message: HINT });
      message = (error as Error).message;
    }
    expect(message).not.toBe('');
    expect(message).not.toContain('s3cret');
  });
});

describe('what is read from disk', () => {
  let dir: string;
  let server: Server;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'faultline-hostile-'));
    execFileSync('mkfifo', [path.join(dir, 'pipe.yaml')]);
    server = createServer();
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'socket.yaml'), resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['pipe.yaml', 'a named pipe (FIFO)'],
    ['socket.yaml', 'a socket or a device'],
  ])('%s is refused at once, not read', async (name, kind) => {
    const file = path.join(dir, name);
    const started = performance.now();
    await expect(loadExperimentFile(file, {})).rejects.toMatchObject({
      code: 'EXPERIMENT_NOT_A_FILE',
      exitCode: 2,
      message: `${file} is ${kind}, not a regular file: faultline reads experiments only from regular files`,
    });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a character device is refused', async () => {
    await expect(loadExperimentFile('/dev/zero', {})).rejects.toMatchObject({
      code: 'EXPERIMENT_NOT_A_FILE',
      message: expect.stringMatching(/^\/dev\/zero is a character device, not a regular file/),
    });
  });

  it('a FIFO or socket given on the command line is refused before it is opened', async () => {
    await expect(expandExperimentFiles([path.join(dir, 'pipe.yaml')])).rejects.toMatchObject({
      code: 'EXPERIMENT_NOT_A_FILE',
      exitCode: 2,
      message: expect.stringContaining('is a named pipe (FIFO), not a regular file'),
    });
    await expect(expandExperimentFiles([path.join(dir, 'socket.yaml')])).rejects.toMatchObject({
      message: expect.stringContaining('is a socket, not a regular file'),
    });
  });

  it('a FIFO in a folder is refused, and a link to an experiment in a folder is read', async () => {
    const folder = path.join(dir, 'folder');
    await mkdir(folder);
    await writeFile(path.join(dir, 'real.yaml'), VALID);
    await writeFile(path.join(folder, 'a.yaml'), VALID);
    await symlink(path.join(dir, 'real.yaml'), path.join(folder, 'b.yaml'));
    expect(await expandExperimentFiles([folder])).toEqual([
      path.join(folder, 'a.yaml'),
      path.join(folder, 'b.yaml'),
    ]);
    execFileSync('mkfifo', [path.join(folder, 'c.yaml')]);
    await expect(expandExperimentFiles([folder])).rejects.toMatchObject({
      code: 'EXPERIMENT_NOT_A_FILE',
      message: expect.stringContaining(`${path.join(folder, 'c.yaml')} is a named pipe (FIFO)`),
    });
  });

  it('a file above 1 MiB is refused from its size, with the size and the limit', async () => {
    const file = path.join(dir, 'big.yaml');
    await writeFile(file, `${VALID}#${'x'.repeat(20 * 1024 * 1024)}\n`);
    await expect(loadExperimentFile(file, {})).rejects.toMatchObject({
      code: 'EXPERIMENT_TOO_LARGE',
      exitCode: 2,
      message: `${file} is 20.0 MiB; an experiment file may be at most 1 MiB (1048576 bytes)`,
    });
  });

  it('a file of exactly 1 MiB is read', async () => {
    const file = path.join(dir, 'limit.yaml');
    const padding = MAX_EXPERIMENT_BYTES - Buffer.byteLength(VALID) - 2;
    await writeFile(file, `${VALID}#${'x'.repeat(padding)}\n`);
    expect((await loadExperimentFile(file, {})).experiment.title).toBe('t');
  });
});
