import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { rawExchange, startHttp, startProxy, startTcp } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function through(upstreamPort: number, faults: Parameters<typeof startProxy>[0]['http'] = []) {
  const proxy = await startProxy({
    upstream: { host: '127.0.0.1', port: upstreamPort },
    protocol: 'http',
    http: faults,
  });
  cleanups.push(() => proxy.proxy.stop());
  return proxy;
}

describe('HTTP streaming through the proxy', () => {
  it('streams a 32 MiB chunked upload and a 32 MiB download both ways, bytes flowing before the end', async () => {
    const size = 32 * 1024 * 1024;
    const times = { upstreamFirstData: 0, clientEnded: 0, upstreamFinished: 0 };
    const upstream = await startHttp((request, response) => {
      const hash = createHash('sha256');
      let received = 0;
      request.on('data', (chunk: Buffer) => {
        times.upstreamFirstData ||= performance.now();
        hash.update(chunk);
        received += chunk.length;
      });
      request.on('end', () => {
        response.setHeader('x-upload', `${received} ${hash.digest('hex')}`);
        let sent = 0;
        const more = () => {
          while (sent < size) {
            sent += 1024 * 1024;
            if (!response.write(Buffer.alloc(1024 * 1024, sent % 251))) return response.once('drain', more);
          }
          response.end(() => {
            times.upstreamFinished = performance.now();
          });
        };
        more();
      });
    });
    cleanups.push(upstream.close);
    const proxy = await through(upstream.port, [
      { match: { path: '/other' }, percent: 100, action: { type: 'reset' } },
    ]);
    const upload = createHash('sha256');
    const result = await new Promise<{
      header: string;
      received: number;
      firstByteAt: number;
      endAt: number;
    }>((resolve, reject) => {
      const request = http.request(
        { host: '127.0.0.1', port: proxy.port, method: 'POST', path: '/up' },
        (response) => {
          let received = 0;
          let firstByteAt = 0;
          response.on('data', (chunk: Buffer) => {
            firstByteAt ||= performance.now();
            received += chunk.length;
          });
          response.on('end', () =>
            resolve({
              header: String(response.headers['x-upload']),
              received,
              firstByteAt,
              endAt: performance.now(),
            }),
          );
        },
      );
      request.on('error', reject);
      let sent = 0;
      const more = () => {
        while (sent < size) {
          const chunk = Buffer.alloc(1024 * 1024, sent % 253);
          upload.update(chunk);
          sent += chunk.length;
          if (!request.write(chunk)) return request.once('drain', more);
        }
        times.clientEnded = performance.now();
        request.end();
      };
      more();
    });
    expect(result.header).toBe(`${size} ${upload.digest('hex')}`);
    expect(result.received).toBe(size);
    // Streamed, not held whole: the upstream reads the upload before the client has sent all of it,
    // and the client reads the download before the upstream has written all of it.
    expect(times.upstreamFirstData).toBeLessThan(times.clientEnded);
    expect(result.firstByteAt).toBeLessThan(times.upstreamFinished);
  }, 30_000);

  it('passes a chunked response with trailers unchanged and keeps the connection', async () => {
    const upstream = await startTcp((socket) => {
      let seen = '';
      socket.on('data', (chunk) => {
        seen += chunk;
        while (seen.includes('\r\n\r\n')) {
          seen = seen.slice(seen.indexOf('\r\n\r\n') + 4);
          socket.write(
            'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n',
          );
        }
      });
    });
    cleanups.push(upstream.close);
    const proxy = await through(upstream.port, [
      { match: { path: '/b' }, percent: 100, action: { type: 'abort', status: 502 } },
    ]);
    const { data } = await rawExchange(
      proxy.port,
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n',
      true,
    );
    const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n';
    expect(data.toString()).toBe(`${chunked}HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n${chunked}`);
  });

  it('forwards Expect: 100-continue and the body after it', async () => {
    const upstream = await startHttp((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => response.end(`got ${body}`));
    });
    cleanups.push(upstream.close);
    const proxy = await through(upstream.port);
    const body = await new Promise<string>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port: proxy.port,
          method: 'PUT',
          path: '/',
          headers: { expect: '100-continue', 'content-length': 4 },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => resolve(text));
        },
      );
      request.on('continue', () => request.end('data'));
      request.on('error', reject);
    });
    expect(body).toBe('got data');
  });

  it('passes an Upgrade (WebSocket-style) through as raw bytes after the 101', async () => {
    const upstream = await startHttp((_request, response) => response.end('plain'));
    upstream.server.on('upgrade', (_request, socket: net.Socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (chunk) => socket.end(Buffer.concat([Buffer.from('echo:'), chunk])));
    });
    cleanups.push(upstream.close);
    const abortMarked = [
      {
        match: { headers: { 'x-fault': 'on' } },
        percent: 100,
        action: { type: 'abort' as const, status: 500 },
      },
    ];
    const proxy = await through(upstream.port, abortMarked);
    const socket = net.connect(proxy.port, '127.0.0.1');
    let seen = '';
    const tunnelled = 'GET / HTTP/1.1\r\nx-fault: on\r\n\r\n\u0000';
    socket.on('data', (chunk) => {
      seen += chunk;
      if (seen.endsWith('\r\n\r\n')) socket.write(tunnelled);
    });
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.destroy();
    // After the 101, even bytes that look like a faulted request are the upstream's to read.
    expect(seen).toBe(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\necho:${tunnelled}`,
    );
  });

  it('honours half-closes: the client ends its side, the server answers after seeing the end', async () => {
    const upstream = await startTcp((socket) => {
      let seen = '';
      socket.on('data', (chunk) => (seen += chunk));
      socket.on('end', () =>
        socket.end(`HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nsaw ${seen.length} bytes then end`),
      );
    }, true);
    cleanups.push(upstream.close);
    const proxy = await through(upstream.port);
    const request = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc';
    const { data } = await rawExchange(proxy.port, request, true);
    expect(data.toString()).toBe(
      `HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nsaw ${request.length} bytes then end`,
    );
  });

  it('passes a connection that is not HTTP through untouched and reports it once', async () => {
    const upstream = await startTcp((socket) =>
      socket.on('data', (chunk) => socket.end(Buffer.concat([Buffer.from('<'), chunk]))),
    );
    cleanups.push(upstream.close);
    const proxy = await through(upstream.port, [
      { match: {}, percent: 100, action: { type: 'abort', status: 500 } },
    ]);
    const binary = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x5c, 0x41, 0x42, 0x0a]);
    expect((await rawExchange(proxy.port, binary)).data).toEqual(Buffer.concat([Buffer.from('<'), binary]));
    expect((await rawExchange(proxy.port, 'SSH-2.0-x\r\n')).data.toString()).toBe('<SSH-2.0-x\r\n');
    expect(proxy.events.filter((event) => event.event === 'not-http')).toEqual([
      {
        event: 'not-http',
        listener: 'fault-1',
        from: 'client',
        firstBytes: '\\x16\\x03\\x01\\x00\\\\AB\\x0a',
      },
    ]);
  });

  it('reports a server that speaks first as not HTTP, from the server, and passes its greeting on', async () => {
    const upstream = await startTcp((socket) => socket.end('220 mail ready\r\n'));
    cleanups.push(upstream.close);
    const proxy = await through(upstream.port);
    const socket = net.connect(proxy.port, '127.0.0.1');
    const greeting = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    socket.destroy();
    expect(greeting).toBe('220 mail ready\r\n');
    expect(proxy.events.filter((event) => event.event === 'not-http')).toEqual([
      { event: 'not-http', listener: 'fault-1', from: 'server', firstBytes: '220 mail ready\\x0d\\x0a' },
    ]);
  });
});
