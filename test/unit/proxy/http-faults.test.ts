import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { get, median, rawExchange, startHttp, startProxy } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(http_: Parameters<typeof startProxy>[0]['http']) {
  const upstream = await startHttp((request, response) =>
    response.end(`up ${request.method} ${request.url}`),
  );
  const proxy = await startProxy({
    upstream: { host: '127.0.0.1', port: upstream.port },
    protocol: 'http',
    http: http_,
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  cleanups.push(
    () => agent.destroy(),
    () => proxy.proxy.stop(),
    upstream.close,
  );
  return { proxy, agent, upstream };
}

describe('HTTP faults, request by request', () => {
  it('aborts the asked share of matching requests, over 600 keep-alive requests', async () => {
    const { proxy, agent } = await setUp([
      { match: { path: '/api' }, percent: 30, action: { type: 'abort', status: 503, body: 'injected' } },
    ]);
    const results = [];
    for (let i = 0; i < 600; i++) results.push(await get(proxy.port, `/api/item/${i}`, agent));
    const aborted = results.filter((result) => result.status === 503);
    expect(aborted.every((result) => result.body === 'injected')).toBe(true);
    expect(
      results.filter((result) => result.status === 200).every((r) => r.body.startsWith('up GET /api/item/')),
    ).toBe(true);
    // 30% of 600 = 180; 4 standard deviations (sqrt(600*0.3*0.7) = 11.2) either side.
    expect(aborted.length).toBeGreaterThan(135);
    expect(aborted.length).toBeLessThan(225);
  }, 30_000);

  it('leaves requests that do not match untouched', async () => {
    const { proxy, agent } = await setUp([
      { match: { path: '/api', methods: ['POST'] }, percent: 100, action: { type: 'abort', status: 500 } },
      { match: { pathPattern: '^/x/\\d+$' }, percent: 100, action: { type: 'abort', status: 418 } },
      { match: { headers: { 'x-fault': 'yes' } }, percent: 100, action: { type: 'abort', status: 429 } },
    ]);
    expect(await get(proxy.port, '/api/1', agent)).toMatchObject({ status: 200, body: 'up GET /api/1' });
    expect(await get(proxy.port, '/apix', agent)).toMatchObject({ status: 200, body: 'up GET /apix' });
    expect(await get(proxy.port, '/x/1a', agent)).toMatchObject({ status: 200 });
    expect(await get(proxy.port, '/x/12?q=1', agent)).toMatchObject({ status: 418 });
    expect(await get(proxy.port, '/h', agent, { 'x-fault': 'no' })).toMatchObject({ status: 200 });
    expect(await get(proxy.port, '/h', agent, { 'x-fault': 'yes' })).toMatchObject({ status: 429 });
  });

  it('adds the asked delay to matching requests only (p50 within 5 ms)', async () => {
    const { proxy, agent } = await setUp([
      { match: { path: '/slow' }, percent: 100, action: { type: 'delay', ms: 100 } },
    ]);
    const direct: number[] = [];
    const delayed: number[] = [];
    for (let i = 0; i < 15; i++) {
      direct.push((await get(proxy.port, '/fast', agent)).ms);
      delayed.push((await get(proxy.port, '/slow', agent)).ms);
    }
    expect(median(delayed) - median(direct)).toBeGreaterThan(95);
    expect(median(delayed) - median(direct)).toBeLessThan(105);
    expect(median(direct)).toBeLessThan(20);
  });

  it('a delayed request does not hold requests on other connections', async () => {
    const { proxy } = await setUp([
      { match: { path: '/slow' }, percent: 100, action: { type: 'delay', ms: 400 } },
    ]);
    const slow = get(proxy.port, '/slow', new http.Agent({ keepAlive: true }));
    const fast = await get(proxy.port, '/fast', new http.Agent({ keepAlive: true }));
    expect(fast.ms).toBeLessThan(100);
    expect((await slow).ms).toBeGreaterThan(390);
  });

  it('faults pipelined requests on one connection one by one, answers in order, keep-alive kept', async () => {
    const { proxy } = await setUp([
      { match: { path: '/bad' }, percent: 100, action: { type: 'abort', status: 503, body: 'no' } },
      { match: { path: '/late' }, percent: 100, action: { type: 'delay', ms: 50 } },
    ]);
    const requests = ['/a', '/bad', '/late', '/b', '/bad']
      .map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`)
      .join('');
    const { data } = await rawExchange(
      proxy.port,
      `${requests}GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    const text = data.toString();
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d+)/g)].map((match) => match[1]);
    expect(statuses).toEqual(['200', '503', '200', '200', '503', '200']);
    const bodies = [...text.matchAll(/up GET (\/[a-z]+)/g)].map((match) => match[1]);
    expect(bodies).toEqual(['/a', '/late', '/b', '/last']);
  });

  it('reads and discards the body of an aborted request and keeps the connection for the next', async () => {
    const { proxy } = await setUp([
      { match: { methods: ['POST'] }, percent: 100, action: { type: 'abort', status: 500 } },
    ]);
    const { data } = await rawExchange(
      proxy.port,
      'POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(data.toString()).toMatch(
      /^HTTP\/1\.1 500 Internal Server Error\r\n[\s\S]*HTTP\/1\.1 200 OK[\s\S]*up GET \/after$/,
    );
  });

  it('resets the client connection of a request under reset', async () => {
    const { proxy } = await setUp([{ match: { path: '/r' }, percent: 100, action: { type: 'reset' } }]);
    const result = await rawExchange(proxy.port, 'GET /r HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(result.error).toBe('ECONNRESET');
    expect(result.data.length).toBe(0);
  });

  it('passes a response body at the slow-body rate', async () => {
    const upstream = await startHttp((_request, response) => response.end(Buffer.alloc(20_000, 'a')));
    const proxy = await startProxy({
      upstream: { host: '127.0.0.1', port: upstream.port },
      protocol: 'http',
      http: [{ match: {}, percent: 100, action: { type: 'slow-body', bytesPerSecond: 20_000 } }],
    });
    cleanups.push(() => proxy.proxy.stop(), upstream.close);
    const result = await get(proxy.port, '/', new http.Agent());
    expect(result.body.length).toBe(20_000);
    expect(result.ms).toBeGreaterThan(900);
    expect(result.ms).toBeLessThan(1600);
  });
});
