#!/usr/bin/env node
// Measures what the fault proxy (dist/proxy/main.js, `npm run build` first) adds with no fault active:
// keep-alive HTTP GETs sent on schedule (an open model: each request leaves at its time, whether or not
// the previous one was answered) at 1,000 and 5,000 requests/s, latency p50/p99 direct and through the
// proxy side by side, then the most requests/s each path carries (64 connections, closed loop).
//
// Usage: node scripts/bench-proxy.mjs [--seconds N]   (default 3 seconds per rate)

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' } } });
const SECONDS = Number(values.seconds);
const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'proxy', 'main.js');

/** The upstream runs in its own process, so the load generator does not share its thread. */
async function startUpstream() {
  const code = `const s = require('node:http').createServer({ keepAliveTimeout: 60000 }, (q, r) => r.end('ok'));
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) =>
    createInterface({ input: child.stdout }).once('line', (line) => resolve(Number(line))),
  );
  return { child, port };
}

async function startProxy(upstreamPort) {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bench-proxy-')), 'config.json');
  const listen = { host: '127.0.0.1', port: 0 };
  const upstream = { host: '127.0.0.1', port: upstreamPort };
  const config = { runId: 'bench', seed: 1, drainMs: 100, upstreamSourcePorts: { from: 48000, to: 48999 } };
  writeFileSync(
    file,
    JSON.stringify({ ...config, listeners: [{ id: 'bench', listen, upstream, protocol: 'http' }] }),
  );
  const child = spawn(process.execPath, [MAIN, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise((resolve) =>
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line))),
  );
  return { child, port: ready.listeners[0].port };
}

/** Sends `rate` requests/s for SECONDS on a pool of keep-alive connections; returns latencies (ms). */
async function openModel(port, rate) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(rate * SECONDS);
  const latencies = [];
  const start = performance.now();
  let sent = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      for (; sent < due; sent++) {
        const scheduled = start + (sent * 1000) / rate;
        http
          .get({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
            response.resume();
            response.on('end', () => {
              latencies.push(performance.now() - scheduled);
              if (latencies.length === total) resolve();
            });
          })
          .on('error', () => latencies.push(Number.POSITIVE_INFINITY));
      }
      if (sent < total) setImmediate(tick);
    };
    tick();
  });
  agent.destroy();
  return latencies.sort((a, b) => a - b);
}

/** Requests/s with 64 connections each sending its next request as soon as the last is answered. */
async function maxThroughput(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let done = 0;
  const until = performance.now() + SECONDS * 1000;
  const loop = () =>
    new Promise((resolve) => {
      const next = () => {
        if (performance.now() > until) return resolve();
        http.get({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
          response.resume();
          response.on('end', () => {
            done++;
            next();
          });
        });
      };
      next();
    });
  await Promise.all(Array.from({ length: 64 }, loop));
  agent.destroy();
  return done / SECONDS;
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const ms = (value) => `${value.toFixed(3)} ms`.padStart(10);

const upstream = await startUpstream();
const upstreamPort = upstream.port;
const proxy = await startProxy(upstreamPort);
console.log(`fault proxy benchmark, ${SECONDS}s per rate, keep-alive GETs on 127.0.0.1, no fault active`);
console.log('rate        path     p50         p99        added p50   added p99');
for (const rate of [1000, 5000]) {
  await openModel(upstreamPort, rate / 5); // warm-up
  await openModel(proxy.port, rate / 5);
  const direct = await openModel(upstreamPort, rate);
  const through = await openModel(proxy.port, rate);
  const added = [pct(through, 50) - pct(direct, 50), pct(through, 99) - pct(direct, 99)];
  console.log(`${String(rate).padEnd(6)}/s   direct  ${ms(pct(direct, 50))}  ${ms(pct(direct, 99))}`);
  console.log(
    `${''.padEnd(8)}   proxy   ${ms(pct(through, 50))}  ${ms(pct(through, 99))}  ${ms(added[0])}  ${ms(added[1])}`,
  );
}
const directMax = await maxThroughput(upstreamPort);
const proxyMax = await maxThroughput(proxy.port);
console.log(
  `max throughput: direct ${Math.round(directMax)} req/s, through the proxy ${Math.round(proxyMax)} req/s`,
);
proxy.child.kill('SIGTERM');
upstream.child.kill('SIGTERM');
