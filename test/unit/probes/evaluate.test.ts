import { describe, expect, it } from 'vitest';
import { type Expectation, expectation } from '../../../src/experiment/schema.js';
import type { Check } from '../../../src/model/journal.js';
import { evaluate, primaryExpectation } from '../../../src/probes/evaluate.js';
import type { Observation } from '../../../src/probes/observation.js';

/** Parses an expectation the way an experiment file would be parsed (bounds, durations). */
const expecting = (input: Record<string, unknown>): Expectation => expectation().parse(input);

const http = (status: number, body = '', latencyMs = 20): Observation => ({
  kind: 'http',
  status,
  body,
  latencyMs,
});
const proc = (exitCode: number, stdout = '', stderr = '', latencyMs = 5): Observation => ({
  kind: 'process',
  exitCode,
  stdout,
  stderr,
  latencyMs,
});
const container = (state: string, health = 'none', restarts = 0): Observation => ({
  kind: 'container',
  state,
  health,
  restarts,
  latencyMs: 1,
});

const failing = (checks: Check[]) => checks.filter((check) => !check.ok);

describe('evaluate: http', () => {
  it('expects a 2xx status by default', () => {
    expect(evaluate('http', undefined, http(204))).toEqual([
      { name: 'status', expected: '2xx', actual: '204', ok: true },
    ]);
    expect(evaluate('http', undefined, http(503))).toEqual([
      { name: 'status', expected: '2xx', actual: '503', ok: false },
    ]);
    expect(evaluate('http', undefined, http(301))[0]!.ok).toBe(false);
  });

  it('checks an exact status, a list of statuses and a status class', () => {
    expect(evaluate('http', expecting({ status: 200 }), http(201))).toEqual([
      { name: 'status', expected: '200', actual: '201', ok: false },
    ]);
    expect(evaluate('http', expecting({ status: [200, 204] }), http(204))).toEqual([
      { name: 'status', expected: '200 or 204', actual: '204', ok: true },
    ]);
    expect(evaluate('http', expecting({ status: [200, 204] }), http(500))[0]!.ok).toBe(false);
    expect(evaluate('http', expecting({ status: '3xx' }), http(302))).toEqual([
      { name: 'status', expected: '3xx', actual: '302', ok: true },
    ]);
    expect(evaluate('http', expecting({ status: '4xx' }), http(503))[0]!.ok).toBe(false);
  });

  it('checks a latency bound and shows the measured latency as a duration', () => {
    const expect500 = expecting({ latency: '< 500ms' });
    expect(evaluate('http', expect500, http(200, '', 612))).toContainEqual({
      name: 'latency',
      expected: '< 500ms',
      actual: '612ms',
      ok: false,
    });
    expect(evaluate('http', expect500, http(200, '', 499.6))).toContainEqual({
      name: 'latency',
      expected: '< 500ms',
      actual: '500ms',
      ok: true,
    });
    expect(evaluate('http', expecting({ latency: '<= 1s' }), http(200, '', 1000))).toContainEqual(
      expect.objectContaining({ name: 'latency', actual: '1s', ok: true }),
    );
    expect(evaluate('http', expecting({ latency: '1s' }), http(200, '', 1500))).toContainEqual(
      expect.objectContaining({ name: 'latency', expected: '1s', actual: '1.5s', ok: false }),
    );
  });

  it('checks that the body contains a text', () => {
    const checks = evaluate(
      'http',
      expecting({ body: { contains: '"ok":true' } }),
      http(200, '{"ok":false}'),
    );
    expect(checks).toContainEqual({
      name: 'body contains',
      expected: '"\\"ok\\":true"',
      actual: '{"ok":false}',
      ok: false,
    });
    expect(
      failing(evaluate('http', expecting({ body: { contains: 'ready' } }), http(200, 'all ready'))),
    ).toEqual([]);
  });

  it('checks that the body matches a regular expression, line by line', () => {
    const checks = evaluate(
      'http',
      expecting({ body: { matches: '^status: up$' } }),
      http(200, 'name: api\nstatus: up\n'),
    );
    expect(checks).toContainEqual({
      name: 'body matches',
      expected: '/^status: up$/',
      actual: 'name: api status: up',
      ok: true,
    });
    expect(failing(evaluate('http', expecting({ body: { matches: '^up' } }), http(200, 'down')))).toEqual([
      { name: 'body matches', expected: '/^up/', actual: 'down', ok: false },
    ]);
  });

  it('checks that the body equals a text, ignoring surrounding whitespace', () => {
    expect(evaluate('http', expecting({ body: { equals: 'pong' } }), http(200, 'pong\n'))).toContainEqual(
      expect.objectContaining({ name: 'body equals', ok: true }),
    );
    expect(evaluate('http', expecting({ body: { equals: 'pong' } }), http(200, 'ping'))).toContainEqual({
      name: 'body equals',
      expected: '"pong"',
      actual: 'ping',
      ok: false,
    });
  });

  it('checks a value at a JSON path', () => {
    const want = expecting({ body: { json: { path: '$.items[0].id', equals: 7 } } });
    expect(evaluate('http', want, http(200, '{"items":[{"id":7}]}'))).toContainEqual({
      name: 'body $.items[0].id',
      expected: '7',
      actual: '7',
      ok: true,
    });
    expect(evaluate('http', want, http(200, '{"items":[{"id":"7"}]}'))).toContainEqual({
      name: 'body $.items[0].id',
      expected: '7',
      actual: '"7"',
      ok: false,
    });
  });

  it('compares JSON objects and lists by value', () => {
    const want = expecting({ body: { json: { path: '$.user', equals: { name: 'ada', roles: ['admin'] } } } });
    expect(failing(evaluate('http', want, http(200, '{"user":{"name":"ada","roles":["admin"]}}')))).toEqual(
      [],
    );
    expect(failing(evaluate('http', want, http(200, '{"user":{"name":"ada","roles":[]}}')))).toHaveLength(1);
  });

  it('says when the body is not JSON or the path is missing', () => {
    const want = expecting({ body: { json: { path: '$.ok', equals: true } } });
    expect(evaluate('http', want, http(200, '<html>down</html>'))).toContainEqual({
      name: 'body $.ok',
      expected: 'true',
      actual: 'not JSON: <html>down</html>',
      ok: false,
    });
    expect(evaluate('http', want, http(200, '{"status":"up"}'))).toContainEqual({
      name: 'body $.ok',
      expected: 'true',
      actual: 'no such path',
      ok: false,
    });
  });

  it('still checks the status when only the body is expected', () => {
    const checks = evaluate('http', expecting({ body: { contains: 'ok' } }), http(500, 'ok'));
    expect(failing(checks)).toEqual([{ name: 'status', expected: '2xx', actual: '500', ok: false }]);
  });

  it('shows a long or empty body as a short excerpt', () => {
    const long = `${'x'.repeat(200)}`;
    const [check] = failing(evaluate('http', expecting({ body: { contains: 'y' } }), http(200, long)));
    expect(check!.actual).toBe(`${'x'.repeat(120)}...`);
    const [empty] = failing(evaluate('http', expecting({ body: { contains: 'y' } }), http(200, '  \n')));
    expect(empty!.actual).toBe('(empty)');
  });
});

describe('evaluate: tcp', () => {
  it('expects a connection by default', () => {
    expect(evaluate('tcp', undefined, { kind: 'tcp', connected: true, latencyMs: 3 })).toEqual([
      { name: 'connects', expected: 'a connection', actual: 'connected', ok: true },
    ]);
    expect(
      evaluate('tcp', undefined, {
        kind: 'tcp',
        connected: false,
        latencyMs: 3,
        error: 'connection refused',
      }),
    ).toEqual([{ name: 'connects', expected: 'a connection', actual: 'connection refused', ok: false }]);
    expect(evaluate('tcp', undefined, { kind: 'tcp', connected: false, latencyMs: 3 })[0]!.actual).toBe(
      'no connection',
    );
  });

  it('can expect no connection (a port that must stay closed)', () => {
    const closed = expecting({ connects: false });
    expect(evaluate('tcp', closed, { kind: 'tcp', connected: false, latencyMs: 3 })).toEqual([
      { name: 'connects', expected: 'no connection', actual: 'no connection', ok: true },
    ]);
    expect(evaluate('tcp', closed, { kind: 'tcp', connected: true, latencyMs: 3 })[0]!.ok).toBe(false);
  });

  it('checks a latency bound', () => {
    expect(
      evaluate('tcp', expecting({ latency: '< 100ms' }), { kind: 'tcp', connected: true, latencyMs: 150 }),
    ).toContainEqual({
      name: 'latency',
      expected: '< 100ms',
      actual: '150ms',
      ok: false,
    });
  });
});

describe('evaluate: exec and command', () => {
  it('expects exit code 0 by default, and shows stderr with a failing code', () => {
    expect(evaluate('command', undefined, proc(0))).toEqual([
      { name: 'exit code', expected: '0', actual: '0', ok: true },
    ]);
    expect(evaluate('exec', undefined, proc(2, '', 'curl: (7) Failed to connect\n'))).toEqual([
      { name: 'exit code', expected: '0', actual: '2 (stderr: curl: (7) Failed to connect)', ok: false },
    ]);
    expect(evaluate('command', undefined, proc(1))[0]!.actual).toBe('1');
  });

  it('accepts an expected code or a list of codes', () => {
    expect(evaluate('command', expecting({ exit: 3 }), proc(3))[0]).toEqual({
      name: 'exit code',
      expected: '3',
      actual: '3',
      ok: true,
    });
    expect(evaluate('command', expecting({ exit: [0, 1] }), proc(1))[0]).toMatchObject({
      expected: '0 or 1',
      ok: true,
    });
    expect(evaluate('command', expecting({ exit: [0, 1] }), proc(2))[0]!.ok).toBe(false);
  });

  it('checks stdout and stderr', () => {
    const want = expecting({ stdout: { contains: 'healthy', matches: '^db\\b' }, stderr: { equals: '' } });
    expect(failing(evaluate('exec', want, proc(0, 'db is healthy\n')))).toEqual([]);
    expect(failing(evaluate('exec', want, proc(0, 'db is starting', 'warning: slow')))).toEqual([
      { name: 'stdout contains', expected: '"healthy"', actual: 'db is starting', ok: false },
      { name: 'stderr equals', expected: '""', actual: 'warning: slow', ok: false },
    ]);
  });
});

describe('evaluate: container', () => {
  it('expects a running container by default', () => {
    expect(evaluate('container', undefined, container('running'))).toEqual([
      { name: 'state', expected: 'running', actual: 'running', ok: true },
    ]);
    expect(evaluate('container', undefined, container('paused'))).toEqual([
      { name: 'state', expected: 'running', actual: 'paused', ok: false },
    ]);
  });

  it('checks an expected state', () => {
    expect(evaluate('container', expecting({ state: 'exited' }), container('exited'))[0]!.ok).toBe(true);
  });

  it('checks health, without a state check unless asked', () => {
    expect(
      evaluate('container', expecting({ health: 'healthy' }), container('running', 'unhealthy')),
    ).toEqual([{ name: 'health', expected: 'healthy', actual: 'unhealthy', ok: false }]);
    expect(
      evaluate(
        'container',
        expecting({ health: 'healthy', state: 'running' }),
        container('running', 'healthy'),
      ),
    ).toEqual([
      { name: 'state', expected: 'running', actual: 'running', ok: true },
      { name: 'health', expected: 'healthy', actual: 'healthy', ok: true },
    ]);
  });

  it('checks restart bounds', () => {
    expect(evaluate('container', expecting({ restarts: '< 3' }), container('running', 'none', 5))).toEqual([
      { name: 'restarts', expected: '< 3', actual: '5', ok: false },
    ]);
    expect(
      evaluate('container', expecting({ restarts: '< 3' }), container('running', 'none', 2))[0]!.ok,
    ).toBe(true);
    expect(evaluate('container', expecting({ restarts: 0 }), container('running', 'none', 0))).toEqual([
      { name: 'restarts', expected: '0', actual: '0', ok: true },
    ]);
    expect(evaluate('container', expecting({ restarts: 0 }), container('running', 'none', 1))[0]!.ok).toBe(
      false,
    );
    expect(
      evaluate('container', expecting({ restarts: '>= 1' }), container('running', 'none', 1))[0]!.ok,
    ).toBe(true);
  });
});

describe('primaryExpectation', () => {
  it('describes what a probe expected when nothing could be observed', () => {
    expect(primaryExpectation('http', undefined)).toEqual({ name: 'status', expected: '2xx' });
    expect(primaryExpectation('http', expecting({ status: [200, 204] }))).toEqual({
      name: 'status',
      expected: '200 or 204',
    });
    expect(primaryExpectation('http', expecting({ status: 200 }))).toEqual({
      name: 'status',
      expected: '200',
    });
    expect(primaryExpectation('tcp', undefined)).toEqual({ name: 'connects', expected: 'a connection' });
    expect(primaryExpectation('tcp', expecting({ connects: false }))).toEqual({
      name: 'connects',
      expected: 'no connection',
    });
    expect(primaryExpectation('exec', undefined)).toEqual({ name: 'exit code', expected: '0' });
    expect(primaryExpectation('command', expecting({ exit: [0, 2] }))).toEqual({
      name: 'exit code',
      expected: '0 or 2',
    });
    expect(primaryExpectation('container', undefined)).toEqual({ name: 'state', expected: 'running' });
    expect(primaryExpectation('container', expecting({ state: 'exited' }))).toEqual({
      name: 'state',
      expected: 'exited',
    });
  });
});
