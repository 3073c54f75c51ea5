import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeFailure } from '../../../../src/probes/observation.js';
import { isAcknowledging, writeAction } from '../../../../src/probes/workload/write-action.js';

let server: http.Server;
let base: string;
let closedPort: number;
const arrivals: {
  url: string | undefined;
  method: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      arrivals.push({ url: request.url, method: request.method, headers: request.headers, body });
      const path = request.url ?? '';
      if (path.startsWith('/hang')) return;
      if (path.startsWith('/reset')) return void request.socket.destroy();
      if (path.startsWith('/busy')) return void response.writeHead(503).end('primary is down\nretry later');
      if (path.startsWith('/moved')) return void response.writeHead(302, { location: '/x' }).end();
      response.writeHead(201).end('stored');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const spare = http.createServer();
  await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
  closedPort = (spare.address() as AddressInfo).port;
  await new Promise((resolve) => spare.close(resolve));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const deps = { cwd: process.cwd() };
const http$ = (url: string, extra: Record<string, unknown> = {}) =>
  writeAction({ http: { url, method: 'PUT', ...extra } }, 300, undefined, deps);

describe('an HTTP write', () => {
  it('is acknowledged by a 2xx, with the id in the URL, the headers and the JSON body', async () => {
    const action = http$(`${base}/kv/\${id}`, {
      headers: { 'x-key': 'k-${id}' },
      body: { value: '${id}', n: 1 },
    });
    const result = await action('fl1-7');
    expect(result).toEqual({ outcome: 'acknowledged', told: { kind: 'http', status: 201, body: 'stored' } });
    const arrival = arrivals.at(-1)!;
    expect(arrival).toMatchObject({ url: '/kv/fl1-7', method: 'PUT', body: '{"value":"fl1-7","n":1}' });
    expect(arrival.headers['x-key']).toBe('k-fl1-7');
    expect(arrival.headers['content-type']).toBe('application/json');
  });

  it('sends a string body as written, and keeps a content-type the author gave', async () => {
    await http$(`${base}/kv`, { headers: { 'Content-Type': 'text/plain' }, body: 'v=${id}' })('fl1-8');
    expect(arrivals.at(-1)).toMatchObject({ body: 'v=fl1-8', headers: { 'content-type': 'text/plain' } });
  });

  it('is refused by another status, and keeps the status and a short excerpt of the answer', async () => {
    const result = await http$(`${base}/busy`)('fl1-9');
    expect(result).toEqual({
      outcome: 'refused',
      told: { kind: 'http', status: 503, body: 'primary is down\nretry later' },
    });
    expect((await http$(`${base}/moved`)('fl1-10')).outcome).toBe('refused');
  });

  it('is acknowledged by the statuses `ack` names instead of 2xx', async () => {
    const action = writeAction(
      { http: { url: `${base}/busy`, method: 'PUT' } },
      300,
      { status: [503] },
      deps,
    );
    expect((await action('fl1-11')).outcome).toBe('acknowledged');
    expect(isAcknowledging(302, { status: ['3xx'] })).toBe(true);
    expect(isAcknowledging(204, { status: [201, '4xx'] })).toBe(false);
    expect(isAcknowledging(299, undefined)).toBe(true);
  });

  it('is refused when the connection is refused: nothing reached the system', async () => {
    const result = await http$(`http://127.0.0.1:${closedPort}/kv/\${id}`)('fl1-12');
    expect(result.outcome).toBe('refused');
    expect(result.told).toEqual({ kind: 'error', message: expect.stringMatching(/^econnrefused: /) });
    expect(result.toolError).toBeUndefined();
  });

  it('is indeterminate when the answer does not come within the timeout', async () => {
    const started = performance.now();
    const result = await http$(`${base}/hang`)('fl1-13');
    expect(result).toEqual({
      outcome: 'indeterminate',
      told: { kind: 'error', message: 'no answer within 300ms' },
    });
    expect(performance.now() - started).toBeLessThan(600);
  });

  it('is indeterminate when the connection is cut after the request was sent', async () => {
    const result = await http$(`${base}/reset`)('fl1-14');
    expect(result.outcome).toBe('indeterminate');
    expect(result.told).toEqual({ kind: 'error', message: expect.stringMatching(/^econnreset: /) });
  });

  it('cannot be attempted with a header that cannot be sent or a URL that is not http: a tool error', async () => {
    const badHeader = await http$(`${base}/kv`, { headers: { 'x-key': 'a\n${id}' } })('fl1-15');
    expect(badHeader).toMatchObject({ outcome: 'refused', toolError: true });
    expect(badHeader.told).toEqual({
      kind: 'error',
      message: expect.stringContaining('its value is not shown'),
    });
    const badUrl = await http$('ftp://127.0.0.1/${id}')('fl1-16');
    expect(badUrl).toMatchObject({ outcome: 'refused', toolError: true });
  });
});

describe('a command write', () => {
  const command = (argv: string[], timeout = 2000) =>
    writeAction({ command: argv }, timeout, undefined, deps);

  it('is acknowledged by exit 0, with the id as one argument', async () => {
    const result = await command(['sh', '-c', 'test "$1" = "a b-1" && echo ok', 'sh', '${id}'])('a b-1');
    expect(result).toEqual({ outcome: 'acknowledged', told: { kind: 'process', exitCode: 0, output: 'ok' } });
  });

  it('is refused by another exit, with what it printed', async () => {
    const result = await command(['sh', '-c', 'echo "disk full" >&2; exit 3'])('x-1');
    expect(result).toEqual({
      outcome: 'refused',
      told: { kind: 'process', exitCode: 3, output: 'disk full' },
    });
  });

  it('is indeterminate past its timeout', async () => {
    const result = await command(['sleep', '5'], 200)('x-2');
    expect(result).toEqual({
      outcome: 'indeterminate',
      told: { kind: 'error', message: 'no answer within 200ms' },
    });
  });

  it('that cannot run is a tool error', async () => {
    const result = await command(['./no-such-writer.sh', '${id}'])('x-3');
    expect(result).toMatchObject({ outcome: 'refused', toolError: true });
    expect(result.told).toEqual({
      kind: 'error',
      message: 'cannot run ./no-such-writer.sh: no such program',
    });
  });
});

describe('an exec write', () => {
  const target = { name: 'kv-primary' };
  const exec = (execInTarget: Parameters<typeof writeAction>[3]['execInTarget'], timeout = 300) =>
    writeAction({ exec: { target, command: ['kv', 'put', '${id}'] } }, timeout, undefined, {
      cwd: '.',
      execInTarget,
    });

  it('runs the command with the id through the function it was given, and judges the exit', async () => {
    const calls: (readonly string[])[] = [];
    const action = exec(async (argv) => {
      calls.push(argv);
      return { kind: 'process', exitCode: argv[2] === 'k-1' ? 0 : 1, stdout: 'OK', stderr: '', latencyMs: 1 };
    });
    expect(await action('k-1')).toEqual({
      outcome: 'acknowledged',
      told: { kind: 'process', exitCode: 0, output: 'OK' },
    });
    expect((await action('k-2')).outcome).toBe('refused');
    expect(calls).toEqual([
      ['kv', 'put', 'k-1'],
      ['kv', 'put', 'k-2'],
    ]);
  });

  it('is refused when the container is not running, a tool error when Docker is not, indeterminate on a hang', async () => {
    const down = exec(async () => {
      throw new ProbeFailure('kv-primary: container is not running', 'unreachable');
    });
    expect(await down('k-3')).toEqual({
      outcome: 'refused',
      told: { kind: 'error', message: 'kv-primary: container is not running' },
    });
    const noDocker = exec(async () => {
      throw new ProbeFailure('cannot reach the Docker Engine', 'error');
    });
    expect(await noDocker('k-4')).toMatchObject({ outcome: 'refused', toolError: true });
    let aborted = false;
    const hang = exec((_argv, _timeout, signal) => {
      signal.addEventListener('abort', () => {
        aborted = true;
      });
      return new Promise(() => undefined);
    }, 100);
    expect((await hang('k-5')).outcome).toBe('indeterminate');
    expect(aborted).toBe(true);
  });

  it('needs a way to run a command in its target', () => {
    expect(() => exec(undefined)).toThrow('an exec write needs a way to run a command in its target');
  });
});
