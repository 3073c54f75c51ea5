import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyConfig } from '../../../src/faults/proxy/config.js';
import type { ProxyConfig as OwnConfig, ProxyEvent } from '../../../src/proxy/types.js';
import { startHttp } from './helpers.js';

// The proxy's own types and the contract stay assignable both ways.
const toOwn = (config: ProxyConfig): OwnConfig => config;
const toContract = (config: OwnConfig): ProxyConfig => config;
void [toOwn, toContract];

const MAIN = path.resolve('src/proxy/main.ts');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Runs main.ts as its own process (through tsx), collecting its JSON lines. */
function run(config: unknown) {
  const dir = mkdtempSync(path.join(tmpdir(), 'proxy-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const events: ProxyEvent[] = [];
  const waiters: [(event: ProxyEvent) => boolean, (event: ProxyEvent) => void][] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const event = JSON.parse(line) as ProxyEvent;
    events.push(event);
    for (const [test, resolve] of waiters) if (test(event)) resolve(event);
  });
  const next = (name: ProxyEvent['event']) =>
    new Promise<ProxyEvent>((resolve) => {
      const found = events.find((event) => event.event === name);
      if (found) resolve(found);
      else waiters.push([(event) => event.event === name, resolve]);
    });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, events, next, exited };
}

describe('the proxy process', () => {
  it('prints ready with bound ports, refuses new connections on SIGTERM, drains the open request, exits 0', async () => {
    const upstream = await startHttp((_request, response) => setTimeout(() => response.end('late'), 500));
    const proxy = run({
      runId: 'r',
      seed: 1,
      drainMs: 3000,
      upstreamSourcePorts: { from: 47000, to: 47099 },
      listeners: [
        {
          id: 'f1',
          listen: { host: '127.0.0.1', port: 0 },
          upstream: { host: '127.0.0.1', port: upstream.port },
          protocol: 'http',
        },
      ],
    });
    const ready = await proxy.next('ready');
    expect(ready).toMatchObject({ event: 'ready', listeners: [{ id: 'f1' }] });
    const port = ready.event === 'ready' ? ready.listeners[0]!.port : 0;
    expect(port).toBeGreaterThan(0);
    const inFlight = new Promise<string>((resolve) =>
      http.get({ host: '127.0.0.1', port, path: '/' }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve(body));
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    proxy.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('connect', () => resolve('connected'));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? ''));
    });
    expect(refused).toBe('ECONNREFUSED');
    expect(await inFlight).toBe('late');
    expect(await proxy.exited).toBe(0);
    expect(proxy.events.at(-1)).toEqual({ event: 'drained', closed: 0 });
    await upstream.close();
  }, 20_000);

  it('closes connections still open at the drain deadline and says how many', async () => {
    const upstream = await startHttp(() => {});
    const proxy = run({
      runId: 'r',
      seed: 1,
      drainMs: 300,
      upstreamSourcePorts: { from: 47100, to: 47199 },
      listeners: [
        {
          id: 'f1',
          listen: { host: '127.0.0.1', port: 0 },
          upstream: { host: '127.0.0.1', port: upstream.port },
          protocol: 'tcp',
        },
      ],
    });
    const ready = await proxy.next('ready');
    const port = ready.event === 'ready' ? ready.listeners[0]!.port : 0;
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolve) => socket.on('connect', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);
    expect(performance.now() - started).toBeGreaterThan(250);
    expect(proxy.events.at(-1)).toEqual({ event: 'drained', closed: 1 });
    socket.destroy();
    upstream.server.closeAllConnections();
    await upstream.close();
  }, 20_000);

  it('exits 2 with an error event for a configuration it cannot run', async () => {
    const proxy = run({
      runId: 'r',
      seed: 1,
      drainMs: 1,
      upstreamSourcePorts: { from: 1, to: 2 },
      listeners: [{ id: 'x' }],
    });
    expect(await proxy.exited).toBe(2);
    expect(proxy.events).toEqual([
      { event: 'error', message: expect.stringMatching(/listeners\[0\]\.listen\.host: expected/) },
    ]);
  }, 20_000);
});
