import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { observeHttp } from '../../../src/probes/http/observe.js';
import { ProbeFailure } from '../../../src/probes/observation.js';
import { checkHeaders } from '../../../src/util/http-headers.js';

let server: http.Server;
let base: string;
const seen: http.IncomingHttpHeaders[] = [];
const bodies: string[] = [];

/** What the test server answers on each path. */
function answer(request: http.IncomingMessage, response: http.ServerResponse): void {
  switch (request.url) {
    case '/gzip':
      response.writeHead(200, { 'content-encoding': 'gzip' });
      response.end(gzipSync('\ufeffdecoded answer'));
      return;
    case '/moved':
      response.writeHead(302, { location: '/elsewhere' });
      response.end();
      return;
    case '/big':
      response.end('x'.repeat(1024 * 1024 + 10));
      return;
    case '/cut':
      response.writeHead(200, { 'content-length': '100' });
      response.write('only part', () => response.socket?.destroy());
      return;
    case '/slow':
      return; // never answers
    default:
      response.end('ok');
  }
}

beforeAll(async () => {
  server = http.createServer((request, response) => {
    seen.push(request.headers);
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      bodies.push(body);
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(promise: Promise<unknown>): Promise<ProbeFailure> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProbeFailure);
  return error as ProbeFailure;
}

const spec = (headers: Record<string, string>, url = `${base}/`) => ({
  url,
  method: 'GET' as const,
  headers,
});

describe('observeHttp', () => {
  it('explains a header with a line break by its name, without its value, as a probe that could not run', async () => {
    const error = await failure(
      observeHttp(
        spec({ Authorization: 'Bearer probe-line-one\nprobe-line-two' }),
        2000,
        new AbortController().signal,
      ),
    );
    expect(error.kind).toBe('error');
    expect(error.message).toBe(
      'header "Authorization" has a character not allowed in an HTTP header value (a line break: a multi-line value, or one read from a file with its newline?); its value is not shown',
    );
  });

  it('explains a header name that is not a token', async () => {
    const error = await failure(observeHttp(spec({ 'X Token': 'v' }), 2000, new AbortController().signal));
    expect(error.message).toMatch(/^header name "X Token" is not a valid HTTP header name/);
  });

  it('sends a value read from a file with its trailing newline, trimmed', async () => {
    const seenBefore = seen.length;
    const result = await observeHttp(spec({ 'x-token': 'file-token\n' }), 2000, new AbortController().signal);
    expect(result).toMatchObject({ kind: 'http', status: 200 });
    expect(seen[seenBefore]?.['x-token']).toBe('file-token');
  });
});

describe('observeHttp, as a client', () => {
  const get = (path: string, timeoutMs = 2000) =>
    observeHttp({ url: `${base}${path}`, method: 'GET' }, timeoutMs, new AbortController().signal);

  it('reads the status and body of an answer without loading fetch, and leaves no connection open', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    try {
      expect(await get('/')).toMatchObject({ kind: 'http', status: 200, body: 'ok' });
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
    // Each sample has a connection of its own, closed with its answer.
    await vi.waitFor(async () => {
      const open = await new Promise<number>((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );
      expect(open).toBe(0);
    });
  });

  it('decodes a compressed body, drops a byte-order mark, and does not follow redirects', async () => {
    expect(await get('/gzip')).toMatchObject({ status: 200, body: 'decoded answer' });
    expect(await get('/moved')).toMatchObject({ status: 302 });
  });

  it('keeps the first mebibyte of a larger body', async () => {
    const result = await get('/big');
    expect(result.kind === 'http' && result.body.length).toBe(1024 * 1024);
  });

  it('sends an object body as JSON with its type and length', async () => {
    const before = seen.length;
    await observeHttp(
      { url: `${base}/`, method: 'POST', body: { order: 42 } },
      2000,
      new AbortController().signal,
    );
    expect(seen[before]).toMatchObject({ 'content-type': 'application/json', 'content-length': '12' });
    expect(bodies[before]).toBe('{"order":42}');
  });

  it('refuses a body on a GET as a probe that could not run', async () => {
    const error = await failure(
      observeHttp({ url: `${base}/`, method: 'GET', body: 'x' }, 2000, new AbortController().signal),
    );
    expect(error).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/GET request cannot have a body/),
    });
  });

  it('tells a refused connection, an answer cut short and no answer apart', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await failure(
      observeHttp({ url: `http://127.0.0.1:${port}/`, method: 'GET' }, 2000, new AbortController().signal),
    );
    expect(refused).toMatchObject({ kind: 'unreachable', message: 'connection refused' });
    expect(await failure(get('/cut'))).toMatchObject({ kind: 'unreachable', message: 'connection reset' });
    expect(await failure(get('/slow', 100))).toMatchObject({
      kind: 'unreachable',
      message: 'no answer within 100ms',
    });
  });

  it('shows a TLS failure on one line: https to a server that speaks plain HTTP', async () => {
    const plain = base.replace('http://', 'https://');
    const error = await failure(
      observeHttp({ url: `${plain}/`, method: 'GET' }, 2000, new AbortController().signal),
    );
    expect(error.kind).toBe('unreachable');
    // OpenSSL's own text, e.g. "ERR_SSL_WRONG_VERSION_NUMBER: ...:wrong version number:...", without its line break.
    expect(error.message).toMatch(/^E[A-Z_]+: .*SSL/);
    expect(error.message).not.toMatch(/\n/);
    expect(error.message).toBe(error.message.trim());
  });

  it('is cancelled with the run', async () => {
    const run = new AbortController();
    const probe = observeHttp({ url: `${base}/slow`, method: 'GET' }, 5000, run.signal);
    run.abort(new Error('interrupted'));
    expect(await failure(probe)).toMatchObject({ kind: 'error', message: 'cancelled' });
  });
});

describe('checkHeaders', () => {
  it('names the kind of character refused, never the value', () => {
    const cases: [string, RegExp][] = [
      ['a\rb', /a line break/],
      ['a\0b', /a NUL character/],
      ['a\u0001b', /a control character/],
      ['caf\u00e9 \u2028', /a character outside Latin-1/],
    ];
    for (const [value, reason] of cases) {
      const checked = checkHeaders({ 'x-secret': value });
      expect(checked.ok).toBe(false);
      if (!checked.ok) {
        expect(checked.problem).toMatch(reason);
        expect(checked.problem).not.toContain(value);
      }
    }
    expect(checkHeaders({ 'x-ok': ' café\t ' })).toEqual({ ok: true, headers: { 'x-ok': 'café' } });
  });
});
