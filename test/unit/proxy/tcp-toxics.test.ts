import { afterEach, describe, expect, it } from 'vitest';
import type { TcpToxic } from '../../../src/proxy/types.js';
import { rawExchange, startProxy, startTcp } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An echo server that closes after echoing, behind a tcp listener with these toxics. */
async function echoThrough(toxics: TcpToxic[], percent?: number) {
  const upstream = await startTcp((socket) => socket.on('data', (chunk) => socket.end(chunk)));
  cleanups.push(upstream.close);
  const proxy = await startProxy({
    upstream: { host: '127.0.0.1', port: upstream.port },
    protocol: 'tcp',
    toxics,
    percent,
  });
  cleanups.push(() => proxy.proxy.stop());
  return proxy;
}

async function timed(port: number, payload: string | Buffer) {
  const started = performance.now();
  const result = await rawExchange(port, payload);
  return { ...result, ms: performance.now() - started };
}

describe('TCP toxics', () => {
  it('passes bytes untouched without toxics', async () => {
    const proxy = await echoThrough([]);
    const result = await timed(proxy.port, 'hello');
    expect(result.data.toString()).toBe('hello');
    expect(result.ms).toBeLessThan(50);
  });

  it('latency delays each direction', async () => {
    const proxy = await echoThrough([{ type: 'latency', direction: 'both', ms: 100 }]);
    const result = await timed(proxy.port, 'hello');
    expect(result.data.toString()).toBe('hello');
    expect(result.ms).toBeGreaterThan(195);
    expect(result.ms).toBeLessThan(300);
  });

  it('bandwidth limits the rate', async () => {
    const proxy = await echoThrough([
      { type: 'bandwidth', direction: 'downstream', bytesPerSecond: 100_000 },
    ]);
    const result = await timed(proxy.port, Buffer.alloc(50_000, 'x'));
    expect(result.data.length).toBe(50_000);
    expect(result.ms).toBeGreaterThan(400);
    expect(result.ms).toBeLessThan(800);
  });

  it('slow-close delays the close', async () => {
    const proxy = await echoThrough([{ type: 'slow-close', ms: 300 }]);
    const result = await timed(proxy.port, 'bye');
    expect(result.data.toString()).toBe('bye');
    expect(result.ms).toBeGreaterThan(290);
  });

  it('timeout passes nothing and closes after its time', async () => {
    const proxy = await echoThrough([{ type: 'timeout', ms: 300 }]);
    const result = await timed(proxy.port, 'hello');
    expect(result.data.length).toBe(0);
    expect(result.ms).toBeGreaterThan(290);
    expect(result.ms).toBeLessThan(500);
  });

  it('reset-peer resets the connection after its time', async () => {
    const upstream = await startTcp(() => {});
    cleanups.push(upstream.close);
    const proxy = await startProxy({
      upstream: { host: '127.0.0.1', port: upstream.port },
      protocol: 'tcp',
      toxics: [{ type: 'reset-peer', afterMs: 200 }],
    });
    cleanups.push(() => proxy.proxy.stop());
    const result = await timed(proxy.port, 'hello');
    expect(result.error).toBe('ECONNRESET');
    expect(result.ms).toBeGreaterThan(190);
  });

  it('limit-data closes once the bytes have passed', async () => {
    const proxy = await echoThrough([{ type: 'limit-data', direction: 'downstream', bytes: 10 }]);
    const result = await timed(proxy.port, 'abcdefghijklmnopqrstuvwxyz');
    expect(result.data.toString()).toBe('abcdefghij');
  });

  it('slicer cuts data into small delayed pieces', async () => {
    const upstream = await startTcp((socket) => socket.end(Buffer.alloc(1000, 'z')));
    cleanups.push(upstream.close);
    const proxy = await startProxy({
      upstream: { host: '127.0.0.1', port: upstream.port },
      protocol: 'tcp',
      toxics: [
        { type: 'slicer', direction: 'downstream', averageBytes: 100, variationBytes: 10, delayUs: 20_000 },
      ],
    });
    cleanups.push(() => proxy.proxy.stop());
    const pieces: number[] = [];
    const { createConnection } = await import('node:net');
    await new Promise<void>((resolve) => {
      const socket = createConnection(proxy.port, '127.0.0.1');
      socket.on('data', (chunk) => pieces.push(chunk.length));
      socket.on('end', () => resolve());
    });
    expect(pieces.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(pieces.length).toBeGreaterThanOrEqual(8);
    expect(Math.max(...pieces)).toBeLessThanOrEqual(110);
  });

  it('applies the toxics to the asked share of connections only', async () => {
    const proxy = await echoThrough([{ type: 'limit-data', direction: 'downstream', bytes: 1 }], 50);
    let cut = 0;
    for (let i = 0; i < 100; i++) if ((await rawExchange(proxy.port, 'abc')).data.toString() === 'a') cut++;
    expect(cut).toBeGreaterThan(30);
    expect(cut).toBeLessThan(70);
  });
});
