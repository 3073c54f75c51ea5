#!/usr/bin/env node
// Measures what a long load probe costs in memory and in report size, with the real recorder and
// timeline code (dist/load/*.js).
//
// synthetic (default): feeds the recorder completions at --rate per second on a virtual clock for
// --minutes (1,000/s for 60 minutes is 3.6 M completions), judges a baseline, a fault interval with
// its sliding windows and an after window as a run does, builds the report's timeline, and prints
// the process's peak RSS (process.resourceUsage().maxRSS) and the size of the serialized series.
// With --legacy it keeps every completion as an object and sizes the report as every record, as
// load probes did before timelines, for comparison.
//
// real: --real SECONDS runs the real generator against a local 127.0.0.1 server (in a child process)
// at --rate and prints the rate achieved and the RSS second by second.
//
// Usage: npm run build && node scripts/bench-load-memory.mjs [--minutes N] [--rate N] [--legacy]
//                                                            [--real SECONDS] [--json PATH]

import { fork } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (file) => import(pathToFileURL(path.join(ROOT, 'dist', 'load', file)).href);
const MB = 1024 * 1024;

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    legacy: { type: 'boolean', default: false },
    real: { type: 'string' },
    json: { type: 'string' },
    server: { type: 'boolean', default: false },
  },
});

if (args.server) {
  const server = http.createServer((_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1', () => process.send?.(server.address().port));
} else {
  const result = args.real === undefined ? await synthetic() : await real(Number(args.real));
  console.log(JSON.stringify(result, null, 2));
  if (args.json) await writeFile(args.json, `${JSON.stringify(result, null, 2)}\n`);
}

/** A deterministic latency: a few ms mostly, a tail to a second, 1% errors, 0.1% timeouts. */
function outcome(i) {
  const r = ((i * 2654435761) >>> 0) / 2 ** 32;
  const s = ((i * 40503 + 12345) % 65536) / 65536;
  if (r < 0.001) return { latencyMs: 1000, ok: false, error: 'timeout' };
  const latencyMs = 2 + Math.exp(s * 6) * (r < 0.05 ? 10 : 0.5);
  if (r < 0.011) return { latencyMs, ok: false, status: 503, error: 'status 503' };
  return { latencyMs, ok: true, status: 200 };
}

async function synthetic() {
  const { LoadRecorder } = await dist('recorder.js');
  const rate = Number(args.rate);
  const count = Math.round(Number(args.minutes) * 60 * rate);
  const t0 = 1_700_000_000_000;
  const recorder = new LoadRecorder(rate);
  recorder.start(t0);
  const legacy = [];
  const started = performance.now();
  // Answers arrive out of order: deliver each block of a second shuffled.
  const block = Math.max(1, Math.round(rate));
  for (let first = 0; first < count; first += block) {
    const end = Math.min(count, first + block);
    for (let k = 0; k < end - first; k++) {
      const i = first + ((k * 7919) % (end - first));
      const scheduledAt = recorder.dueAt(i);
      const record = { scheduledAt, startedAt: scheduledAt, ...outcome(i) };
      if (args.legacy) legacy.push(record);
      else recorder.add(i, record);
    }
  }
  const recordedMs = performance.now() - started;
  const judged = performance.now();
  const duration = (count / rate) * 1000;
  let windows = 0;
  if (!args.legacy) {
    // As a run: a 5s baseline, a fault over the middle half with 10s windows every 2.5s, a 5s after.
    recorder.statsIn(t0, t0 + 5000);
    const fault = { from: t0 + duration / 4, to: t0 + (3 * duration) / 4 };
    recorder.statsIn(fault.from, fault.to);
    for (let start = fault.from; start + 10_000 <= fault.to; start += 2500, windows++) {
      recorder.statsIn(start, start + 10_000);
    }
    recorder.statsIn(fault.to, fault.to + 5000);
  }
  const judgedMs = performance.now() - judged;
  const serialized = performance.now();
  const reportBytes = args.legacy ? legacyReportBytes(legacy) : seriesBytes(recorder);
  return {
    mode: args.legacy ? 'legacy (every record kept and reported)' : 'timeline',
    rate,
    minutes: Number(args.minutes),
    completions: count,
    peakRssMb: round(process.resourceUsage().maxRSS / 1024),
    heapUsedMb: round(process.memoryUsage().heapUsed / MB),
    reportMb: round(reportBytes / MB),
    recordSeconds: round(recordedMs / 1000),
    judgeSeconds: round(judgedMs / 1000),
    slidingWindows: windows,
    serializeSeconds: round((performance.now() - serialized) / 1000),
  };
}

function seriesBytes(recorder) {
  const series = {
    probe: 'api',
    url: 'http://127.0.0.1/',
    ratePerSecond: recorder.ratePerSecond,
    thresholds: ['p95 < 300ms', 'error_rate < 1%'],
    timeline: recorder.timeline(),
  };
  return Buffer.byteLength(JSON.stringify(series, null, 2));
}

/** The size of every record as the JSON report wrote them (summed: one string would be too long). */
function legacyReportBytes(records) {
  let bytes = 0;
  for (const record of records) bytes += Buffer.byteLength(JSON.stringify(record, null, 2)) + 8;
  return bytes;
}

async function real(seconds) {
  const { LoadGenerator } = await dist('generator.js');
  const { LoadRecorder } = await dist('recorder.js');
  const server = fork(fileURLToPath(import.meta.url), ['--server'], { stdio: 'inherit' });
  const port = await new Promise((resolve) => server.once('message', resolve));
  const rate = Number(args.rate);
  const recorder = new LoadRecorder(rate);
  let finished = 0;
  const generator = new LoadGenerator({
    url: `http://127.0.0.1:${port}/`,
    ratePerSecond: rate,
    timeoutMs: 5000,
    onRecord: (record, index) => {
      finished++;
      recorder.add(index, record);
    },
  });
  generator.start();
  recorder.start(generator.startedAt);
  const rss = [];
  for (let second = 1; second <= seconds; second++) {
    await new Promise((resolve) => setTimeout(resolve, generator.startedAt + second * 1000 - Date.now()));
    rss.push(round(process.memoryUsage().rss / MB));
  }
  await generator.stop();
  server.kill();
  const stats = recorder.statsIn(generator.startedAt, generator.startedAt + seconds * 1000);
  return {
    mode: 'real',
    rate,
    seconds,
    finished,
    achievedPerSecond: round(stats.requests / seconds),
    answeredPerSecond: round(stats.throughput),
    errors: stats.errors,
    p50Ms: round(stats.p50),
    p99Ms: round(stats.p99),
    rssMbAt: { '10s': rss[9], half: rss[Math.floor(seconds / 2) - 1], end: rss.at(-1) },
    rssMbMax: Math.max(...rss),
    peakRssMb: round(process.resourceUsage().maxRSS / 1024),
    reportMb: round(seriesBytes(recorder) / MB),
  };
}

function round(value) {
  return Math.round(value * 100) / 100;
}
