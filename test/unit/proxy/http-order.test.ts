import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { get, rawExchange, startHttp, startProxy } from './helpers.js';

/** What a fault on one request leaves to the requests around it on the same connection. */
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(faults: Parameters<typeof startProxy>[0]['http']) {
  const upstream = await startHttp((request, response) => {
    const size = /^\/big\/(\d+)$/.exec(request.url ?? '')?.[1];
    response.end(size ? Buffer.alloc(Number(size), 'b') : `up ${request.method} ${request.url}`);
  });
  const proxy = await startProxy({
    upstream: { host: '127.0.0.1', port: upstream.port },
    protocol: 'http',
    http: faults,
  });
  cleanups.push(() => proxy.proxy.stop(), upstream.close);
  return proxy;
}

describe('HTTP faults and the requests around them', () => {
  it('answers the requests pipelined before a reset one, then resets; nothing after it is answered', async () => {
    const proxy = await setUp([{ match: { path: '/r' }, percent: 100, action: { type: 'reset' } }]);
    const one = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const result = await rawExchange(proxy.port, one('/a') + one('/b') + one('/r') + one('/c'));
    const text = result.data.toString('latin1');
    expect(text.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(text).toMatch(/up GET \/a[\s\S]*up GET \/b$/);
  });

  it('the answer after a slow body on a keep-alive connection is not held back', async () => {
    const proxy = await setUp([
      { match: { path: '/big' }, percent: 100, action: { type: 'slow-body', bytesPerSecond: 10_000 } },
    ]);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const times: number[] = [];
    for (let round = 0; round < 5; round++) {
      expect((await get(proxy.port, '/big/400', agent)).body).toBe('b'.repeat(400));
      times.push((await get(proxy.port, '/after', agent)).ms);
    }
    // A 400-byte body is one 50 ms slice: waiting that slice out after it would make each of these
    // 50 ms or more (a timer never fires early).
    expect(Math.min(...times)).toBeLessThan(30);
  });
});
