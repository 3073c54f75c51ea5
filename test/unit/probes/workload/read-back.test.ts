import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeFailure } from '../../../../src/probes/observation.js';
import { readBack } from '../../../../src/probes/workload/read-back.js';
import type { HttpReadSpec } from '../../../../src/probes/workload/types.js';

let server: http.Server;
let base: string;
const ITEMS = ['a-0', 'a-1', 'a-2', 'a-3', 'a-4'];

/** A listing of ITEMS two at a time, in several styles of paging. */
function answer(url: URL, response: http.ServerResponse): unknown {
  const after = Number(url.searchParams.get(url.pathname === '/from' ? 'from' : 'after') ?? 0);
  const page = ITEMS.slice(after, after + 2);
  const more = after + 2 < ITEMS.length;
  const json = (status: number, body: unknown) => response.writeHead(status).end(JSON.stringify(body));
  switch (url.pathname) {
    case '/cursor':
    case '/from':
      return json(200, { values: page, next: more ? after + 2 : null });
    case '/link':
      return json(200, {
        data: { values: page },
        links: { next: more ? `${base}/link?after=${after + 2}` : '' },
      });
    case '/relative':
      return json(200, { values: page, next: more ? `/relative?after=${after + 2}` : undefined });
    case '/objects':
      return json(200, { items: ITEMS.map((id, n) => ({ key: { id }, n })) });
    case '/numbers':
      return json(200, { values: [1, 2, 2] });
    case '/loop':
      return json(200, { values: ['x'], next: 'same' });
    case '/down':
      return response.writeHead(503).end('replica catching up');
    case '/html':
      return response.writeHead(200).end('<html>hello</html>');
    case '/hang':
      return;
    default:
      return json(200, { other: [] });
  }
}

beforeAll(async () => {
  server = http.createServer((request, response) => answer(new URL(request.url!, 'http://x'), response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const deps = { cwd: process.cwd(), signal: new AbortController().signal };
const read = (path: string, extra: Partial<HttpReadSpec> = {}, timeout?: number) =>
  readBack({ http: { url: `${base}${path}`, values: '$.values', ...extra }, timeout }, deps);

async function failure(promise: Promise<unknown>): Promise<ProbeFailure> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProbeFailure);
  expect((error as ProbeFailure).kind).toBe('error');
  return error as ProbeFailure;
}

describe('the HTTP read-back', () => {
  it('follows a plain cursor as ?after=<cursor> on the first URL until there is none', async () => {
    expect(await read('/cursor', { next: '$.next' })).toEqual(ITEMS);
    expect(await read('/cursor')).toEqual(['a-0', 'a-1']);
  });

  it('follows a cursor that is a full URL or a path, and a cursor parameter of another name', async () => {
    expect(await read('/link', { values: '$.data.values', next: '$.links.next' })).toEqual(ITEMS);
    expect(await read('/relative', { next: '$.next' })).toEqual(ITEMS);
    expect(await read('/from', { next: '$.next', cursorParam: 'from' })).toEqual(ITEMS);
  });

  it('picks the id out of objects with `value`, and reads numbers as text, repeats kept', async () => {
    expect(await read('/objects', { values: '$.items', value: '$.key.id' })).toEqual(ITEMS);
    expect(await read('/numbers')).toEqual(['1', '2', '2']);
  });

  it('is an error, never an empty store, when the page cannot be read', async () => {
    expect((await failure(read('/down'))).message).toBe(
      `the read-back from ${base}/down answered 503: replica catching up`,
    );
    expect((await failure(read('/html'))).message).toBe(
      `the read-back from ${base}/html is not JSON: <html>hello</html>`,
    );
    expect((await failure(read('/other'))).message).toBe(
      `the read-back from ${base}/other has no array at $.values`,
    );
    expect((await failure(read('/hang', {}, 200))).message).toBe(
      `the read-back from ${base}/hang failed: no answer within 200ms`,
    );
    const refused = await failure(
      readBack({ http: { url: 'http://127.0.0.1:1/kv', values: '$.values' } }, deps),
    );
    expect(refused.message).toMatch(/^the read-back from http:\/\/127\.0\.0\.1:1\/kv failed: .*ECONNREFUSED/);
  });

  it('says how to name the id field when the values are objects', async () => {
    expect((await failure(read('/objects', { values: '$.items' }))).message).toBe(
      `the read-back from ${base}/objects: $.items[0] is not a string or a number (objects: name the id field with value, e.g. "$.id")`,
    );
    expect((await failure(read('/objects', { values: '$.items', value: '$.nope' }))).message).toContain(
      '$.items[0] $.nope is not a string or a number',
    );
  });

  it('stops a listing that never ends, and one longer than its bounds', async () => {
    expect((await failure(read('/loop', { next: '$.next' }))).message).toBe(
      'the read-back gave the cursor same twice: the listing never ends',
    );
    expect((await failure(read('/cursor', { next: '$.next', maxPages: 2 }))).message).toBe(
      'the read-back still had more pages after 2: raise maxPages',
    );
    expect((await failure(read('/cursor', { next: '$.next', maxValues: 3 }))).message).toBe(
      'the read-back gave more than 3 values: raise maxValues',
    );
  });
});

describe('the command read-back', () => {
  const command = (argv: string[]) => readBack({ command: argv }, deps);

  it('reads one value per line, blank lines and surrounding spaces left out, repeats kept', async () => {
    expect(await command(['printf', 'a-1\n  a-2 \r\n\na-2\n'])).toEqual(['a-1', 'a-2', 'a-2']);
  });

  it('is an error when the command fails or cannot run', async () => {
    expect((await failure(command(['sh', '-c', 'echo no table >&2; exit 2']))).message).toBe(
      'the read-back command sh exited with 2: no table',
    );
    expect((await failure(command(['./no-such-lister']))).message).toBe(
      'the read-back cannot run ./no-such-lister: no such program',
    );
  });
});
