import http from 'node:http';
import net from 'node:net';
import { FaultProxy } from '../../../src/proxy/proxy.js';
import type { ProxyEvent, ProxyListener } from '../../../src/proxy/types.js';

let nextRange = 20000 + (process.pid % 200) * 100;

/** A proxy in this process with one listener on a free port; `events` collects what it reports. */
export async function startProxy(listener: Omit<ProxyListener, 'id' | 'listen'>, drainMs = 2000) {
  const events: ProxyEvent[] = [];
  const from = nextRange;
  nextRange += 100;
  const proxy = new FaultProxy(
    {
      runId: 'run-1',
      seed: 42,
      drainMs,
      upstreamSourcePorts: { from, to: from + 99 },
      listeners: [{ id: 'fault-1', listen: { host: '127.0.0.1', port: 0 }, ...listener }],
    },
    (event) => events.push(event),
  );
  const [bound] = await proxy.start();
  return { proxy, events, port: bound!.port };
}

/** A node:http server on a free loopback port. */
export async function startHttp(handler: http.RequestListener) {
  const server = http.createServer({ keepAliveTimeout: 30_000 }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { server, port, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** A node:net server on a free loopback port. */
export async function startTcp(handler: (socket: net.Socket) => void, allowHalfOpen = false) {
  const server = net.createServer({ allowHalfOpen }, (socket) => {
    socket.on('error', () => {});
    handler(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

/** One GET with a keep-alive agent; resolves with the status, body and how long it took. */
export function get(port: number, path: string, agent?: http.Agent, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; ms: number }>((resolve, reject) => {
    const started = performance.now();
    const request = http.get({ host: '127.0.0.1', port, path, agent, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, body, ms: performance.now() - started }),
      );
    });
    request.on('error', reject);
  });
}

/** Writes `text` on a raw connection and collects everything until the other side closes. */
export function rawExchange(port: number, text: string | Buffer, endAfterWrite = false) {
  return new Promise<{ data: Buffer; error?: string }>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ data: Buffer.concat(chunks), error: error.code ?? error.message }),
    );
    socket.on('end', () => {
      socket.end();
      resolve({ data: Buffer.concat(chunks) });
    });
    socket.write(text);
    if (endAfterWrite) socket.end();
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
