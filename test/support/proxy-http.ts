import http from 'node:http';
import net from 'node:net';
import { docker } from './docker-cli.js';

/** HTTP clients for the proxy tests: each result says what a client saw, errors included. */

export interface HttpResult {
  /** The status, or the error code (ECONNRESET, ...) when no answer came. */
  status: number | string;
  body: Buffer;
  ms: number;
  /** The request went on a keep-alive connection an earlier request had used. */
  reused: boolean;
}

export function request(
  host: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; agent?: http.Agent | false } = {},
): Promise<HttpResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      {
        host,
        port: 8080,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
        timeout: 15_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks),
            ms: performance.now() - started,
            reused: req.reusedSocket,
          }),
        );
        response.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ status: error.code ?? error.message, body: Buffer.concat(chunks), ms: 0, reused: false }),
        );
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({
        status: error.code ?? error.message,
        body: Buffer.alloc(0),
        ms: performance.now() - started,
        reused: req.reusedSocket,
      }),
    );
    req.end();
  });
}

/** `count` requests one after another; returns how many of each status (or error code) came. */
export async function tally(count: number, send: () => Promise<HttpResult>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let index = 0; index < count; index++) {
    const { status } = await send();
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

/**
 * Writes `raw` on one new connection to host:8080 and reads until `done` says the bytes received
 * are complete; fails after 5 s, or when the connection closes before that.
 */
export function rawExchange(host: string, raw: string, done: (received: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host, port: 8080 }, () => socket.write(raw));
    socket.setTimeout(5000, () =>
      socket.destroy(new Error(`incomplete after 5 s: ${Buffer.concat(chunks).toString('latin1')}`)),
    );
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const received = Buffer.concat(chunks);
      if (done(received)) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed early: ${Buffer.concat(chunks).toString('latin1')}`)));
  });
}

/** The statuses of the responses in a stream of HTTP/1.1 responses, in order. */
export function statusesIn(received: Buffer): number[] {
  return [...received.toString('latin1').matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
}

/**
 * Times of `count` GETs that container `from` makes to host:8080/path over one keep-alive connection,
 * measured inside the container (node's http client).
 */
export async function timedCallsFrom(
  from: string,
  host: string,
  path: string,
  count: number,
): Promise<{ status: number | string; ms: number }[]> {
  const script = `
    const http = require('http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const one = () => new Promise((resolve) => {
      const t0 = performance.now();
      http.get({ host: process.argv[1], port: 8080, path: process.argv[2], agent }, (res) => {
        res.resume(); res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
      }).on('error', (error) => resolve({ status: error.code, ms: performance.now() - t0 }));
    });
    (async () => { const out = []; for (let i = 0; i < ${count}; i++) out.push(await one()); console.log(JSON.stringify(out)); agent.destroy(); })();`;
  return JSON.parse(await docker('exec', from, 'node', '-e', script, host, path)) as {
    status: number | string;
    ms: number;
  }[];
}
