import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeHttp } from '../../../src/probes/http-probe.js';
import { ProbeFailure } from '../../../src/probes/observation.js';
import { checkHeaders } from '../../../src/util/http-headers.js';

let server: http.Server;
let base: string;
const seen: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    seen.push(request.headers);
    response.end('ok');
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
