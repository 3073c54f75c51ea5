#!/usr/bin/env node
// Measures how accurately the load generator (dist/load/generator.js) keeps its schedule and measures
// latency, against a local HTTP server that answers every request after a known, fixed delay. The
// server runs in a child process, so it does not share the generator's event loop.
//
// For each target rate: the rate achieved (requests sent per second, and answered per second), the
// generator's own lag (startedAt - scheduledAt), and the latency error (measured latency minus the
// server's delay). The server also reports how long it really held each request (its timers fire a
// little late too), so the error can be split into the server's share and the rest.
//
// Usage: npm run build && node scripts/bench-load.mjs [--json PATH] [--seconds N] [--rates LIST]
//                                                     [--delay MS] [--warmup N]

import { fork } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const now = () => performance.timeOrigin + performance.now();

const USAGE = `usage: node scripts/bench-load.mjs [--json PATH] [--seconds N] [--rates LIST] [--delay MS] [--warmup N]

  --json PATH     also write every number to PATH as JSON
  --seconds N     measured seconds per rate (default 10)
  --rates LIST    target rates in requests per second (default 50,200,500)
  --delay MS      how long the server holds each request (default 20)
  --warmup N      unmeasured seconds at each rate first (default 1)`;

let args;
try {
  args = parseArgs({
    options: {
      json: { type: 'string' },
      seconds: { type: 'string', default: '10' },
      rates: { type: 'string', default: '50,200,500' },
      delay: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '1' },
      serve: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (error) {
  console.error(`bench-load: ${error.message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const DELAY_MS = number(args.delay, '--delay', 0);
if (args.serve) serve();
else await main();

function number(text, flag, min) {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) {
    console.error(`bench-load: ${flag} expects a number >= ${min}, got ${text}`);
    process.exit(2);
  }
  return value;
}

// ------------------------------------------------------------------------------------------ the server

/** The child: answers after DELAY_MS, and reports how long it really held the requests when asked. */
function serve() {
  let holds = [];
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const arrived = performance.now();
      setTimeout(() => {
        holds.push(performance.now() - arrived);
        response.end('ok');
      }, DELAY_MS);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  // The bench went away (finished, killed): so does its server.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message) => {
    if (message === 'report') {
      process.send({ holds });
      holds = [];
    } else if (message === 'exit') {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
}

// ----------------------------------------------------------------------------------------- the bench

async function main() {
  const SECONDS = number(args.seconds, '--seconds', 1);
  const WARMUP = number(args.warmup, '--warmup', 0);
  const RATES = args.rates.split(',').map((text) => number(text.trim(), '--rates', 1));

  let LoadGenerator;
  let statsOf;
  try {
    ({ LoadGenerator } = await import(pathToFileURL(path.join(ROOT, 'dist/load/generator.js')).href));
    ({ statsOf } = await import(pathToFileURL(path.join(ROOT, 'dist/load/stats.js')).href));
  } catch (error) {
    console.error(`bench-load: cannot load dist/load (${error.message}); run \`npm run build\` first`);
    process.exit(3);
  }

  const child = fork(fileURLToPath(import.meta.url), ['--serve', '--delay', String(DELAY_MS)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = (message) =>
    new Promise((resolve) => {
      child.once('message', resolve);
      if (message) child.send(message);
    });
  const { port } = await ask();
  const url = `http://127.0.0.1:${port}/`;
  const stopChild = () => child.connected && child.send('exit');
  process.once('SIGINT', () => {
    stopChild();
    process.exit(130);
  });

  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadAverageBefore: os.loadavg().map(round2),
  };
  console.log(
    `load generator accuracy: ${SECONDS}s per rate, server delay ${DELAY_MS}ms (child process), ` +
      `${machine.cpus} CPUs, load average ${machine.loadAverageBefore.join(' ')}, node ${machine.node}`,
  );

  const results = [];
  try {
    for (const rate of RATES) {
      if (WARMUP > 0) {
        await measure(rate, WARMUP);
        await ask('report');
      }
      const result = await measure(rate, SECONDS);
      const { holds } = await ask('report');
      result.server = {
        holdP50: round2(rank(holds, 50)),
        holdP99: round2(rank(holds, 99)),
        answered: holds.length,
      };
      result.latencyErrorBeyondServerHold = {
        p50: round2(result.latency.p50 - result.server.holdP50),
      };
      results.push(result);
    }
  } finally {
    stopChild();
  }
  machine.loadAverageAfter = os.loadavg().map(round2);

  printTable(results);
  const at200 = results.find((result) => result.targetPerSecond === 200);
  if (at200) {
    const sentOff = Math.abs(at200.sentPerSecond / 200 - 1) * 100;
    const answeredOff = Math.abs(at200.answeredPerSecond / 200 - 1) * 100;
    console.log(
      `\nat 200/s: sent ${fmt(at200.sentPerSecond)}/s (${fmt(sentOff)}% off), answered ${fmt(at200.answeredPerSecond)}/s ` +
        `(${fmt(answeredOff)}% off): ${sentOff <= 2 && answeredOff <= 2 ? 'within' : 'NOT within'} 2% of the target; ` +
        `latency p50 ${fmt(at200.latency.p50)}ms for a ${DELAY_MS}ms delay, of which the server's own timer ` +
        `accounts for ${fmt(at200.server.holdP50 - DELAY_MS)}ms and the generator's lag for ${fmt(at200.lag.p50)}ms (p50)`,
    );
  }
  console.log(`load average after: ${machine.loadAverageAfter.join(' ')}`);
  const busiest = Math.max(...machine.loadAverageBefore, ...machine.loadAverageAfter);
  if (busiest > machine.cpus) {
    console.log(
      `note: the load average (${busiest}) exceeded the ${machine.cpus} CPUs: other work competed for the CPU, ` +
        'and the lag and latency tails above include waiting for it',
    );
  }
  if (args.json) {
    await writeFile(
      args.json,
      `${JSON.stringify({ delayMs: DELAY_MS, seconds: SECONDS, machine, results }, null, 2)}\n`,
    );
    console.log(`wrote ${args.json}`);
  }

  async function measure(rate, seconds) {
    const generator = new LoadGenerator({ url, ratePerSecond: rate, timeoutMs: 10_000 });
    const cpuBefore = process.cpuUsage();
    generator.start();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const stoppedAt = now();
    const cpu = process.cpuUsage(cpuBefore);
    const records = await generator.stop();
    const first = records[0].scheduledAt;
    const span = (stoppedAt - first) / 1000;
    const sent = records.filter((record) => record.startedAt < stoppedAt).length;
    const lags = records.map((record) => record.startedAt - record.scheduledAt);
    const stats = statsOf(records, first, stoppedAt);
    return {
      targetPerSecond: rate,
      seconds: round2(span),
      requests: records.length,
      errors: records.filter((record) => !record.ok).length,
      // n requests sent over the span make n - 1 intervals between the first and the last.
      sentPerSecond: round2((sent - 1) / span),
      // Answers arriving in [first + 1 s, stop): in a steady state the requests still in flight at
      // either end balance out, so this is the rate the service was really answering at.
      answeredPerSecond: round2(statsOf(records, first + Math.min(1000, span * 500), stoppedAt).throughput),
      lag: { p50: round2(rank(lags, 50)), p99: round2(rank(lags, 99)), max: round2(Math.max(...lags)) },
      latency: {
        p50: round2(stats.p50),
        p95: round2(stats.p95),
        p99: round2(stats.p99),
        max: round2(stats.max),
      },
      latencyError: {
        p50: round2(stats.p50 - DELAY_MS),
        p95: round2(stats.p95 - DELAY_MS),
        p99: round2(stats.p99 - DELAY_MS),
      },
      generatorCpuPercent: round2(((cpu.user + cpu.system) / 1000 / (span * 1000)) * 100),
    };
  }
}

// ------------------------------------------------------------------------------------------- helpers

function rank(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
}

function round2(value) {
  return Math.round(value * 100) / 100;
}

function fmt(value) {
  return value.toFixed(value >= 100 ? 1 : 2);
}

function printTable(results) {
  const header = [
    'target/s',
    'sent/s',
    'answered/s',
    'errors',
    'lag p50',
    'lag p99',
    'lag max',
    'lat p50',
    'lat p95',
    'lat p99',
    'err p50',
    'err p95',
    'err p99',
    'hold p50',
    'hold p99',
    'cpu %',
  ];
  const rows = results.map((r) => [
    String(r.targetPerSecond),
    fmt(r.sentPerSecond),
    fmt(r.answeredPerSecond),
    String(r.errors),
    fmt(r.lag.p50),
    fmt(r.lag.p99),
    fmt(r.lag.max),
    fmt(r.latency.p50),
    fmt(r.latency.p95),
    fmt(r.latency.p99),
    `+${fmt(r.latencyError.p50)}`,
    `+${fmt(r.latencyError.p95)}`,
    `+${fmt(r.latencyError.p99)}`,
    fmt(r.server.holdP50),
    fmt(r.server.holdP99),
    fmt(r.generatorCpuPercent),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((cell, i) => cell.padStart(widths[i])).join('  ');
  console.log(`\n${line(header)}`);
  for (const row of rows) console.log(line(row));
  console.log(
    '(times in ms; lag = startedAt - scheduledAt; err = measured latency minus the server delay; hold = how long\n' +
      ' the server really held a request; cpu = the generator process, % of one core)',
  );
}
