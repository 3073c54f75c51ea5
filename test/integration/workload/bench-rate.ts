// How closely the workload writer keeps the rate it is asked for: for each rate, a well-behaved store
// in a child process (its own event loop), `--seconds` of writes, then writes/s achieved against asked,
// writes per second of the run (min/median/max), the writer's lag behind each write's due time, and
// skips. Usage: npx tsx test/integration/workload/bench-rate.ts [--seconds 10] [--rates 20,100,500]
// [--runs 3] [--concurrency 64]
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { outcomeTimeline } from '../../../src/probes/workload/report.js';
import { startWorkload } from '../../../src/probes/workload/workload-probe.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rates: { type: 'string', default: '20,100,500' },
    runs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '64' },
  },
});
const seconds = Number(args.seconds);
const rates = args.rates.split(',').map(Number);
const runs = Number(args.runs);
const concurrency = Number(args.concurrency);
const here = path.dirname(fileURLToPath(import.meta.url));

async function withStore<T>(use: (url: string, count: () => Promise<number>) => Promise<T>): Promise<T> {
  const child = fork(path.join(here, 'kv-store-main.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve) => child.once('message', resolve as never));
  const { url } = (await next()) as { url: string };
  try {
    return await use(url, async () => {
      child.send('count');
      return (await next()).count as number;
    });
  } finally {
    child.disconnect();
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const median =
    sorted.length % 2
      ? sorted[(sorted.length - 1) / 2]!
      : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return { min: sorted[0]!, median, max: sorted.at(-1)! };
};
const fmt = (s: { min: number; median: number; max: number }, digits = 1) =>
  `${s.min.toFixed(digits)} / ${s.median.toFixed(digits)} / ${s.max.toFixed(digits)}`;

async function once(rate: number) {
  return withStore(async (url, count) => {
    const spec = {
      write: { http: { url: `${url}/kv/\${id}`, method: 'PUT', body: { value: '${id}' } } },
      read: { http: { url: `${url}/kv`, values: '$.values' } },
      rate,
      concurrency,
      writes: rate * seconds * 2,
      timeout: 1000,
    };
    const workload = startWorkload(spec, { cwd: process.cwd() });
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const run = await workload.stop();
    const inWindow = run.records.filter((record) => record.startedAt - run.startedAt < seconds * 1000);
    const perSecond = outcomeTimeline(run)
      .slice(0, seconds)
      .map((bucket) => bucket.acknowledged + bucket.refused + bucket.indeterminate);
    const lags = run.records.map((record) => record.startedAt - record.dueAt);
    const durations = run.records.map((record) => record.durationMs);
    const acknowledged = run.records.filter((record) => record.outcome === 'acknowledged').length;
    return {
      achieved: inWindow.length / seconds,
      perSecond: stats(perSecond),
      lag: stats(lags),
      duration: stats(durations),
      skipped: run.skipped.length,
      acknowledged,
      stored: await count(),
    };
  });
}

console.log(
  `workload writer: ${seconds} s per run, ${runs} runs per rate, concurrency ${concurrency}, node ${process.version}`,
);
for (const rate of rates) {
  const results = [];
  for (let n = 0; n < runs; n++) results.push(await once(rate));
  const achieved = stats(results.map((result) => result.achieved));
  const perSecond = stats(
    results.flatMap((result) => [result.perSecond.min, result.perSecond.median, result.perSecond.max]),
  );
  const lagMax = results.map((result) => result.lag.max);
  const lagMedian = results.map((result) => result.lag.median);
  const durationMedian = results.map((result) => result.duration.median);
  console.log(
    `asked ${rate}/s: achieved writes/s min/median/max ${fmt(achieved, 2)}; writes in one second min/median/max ${fmt(perSecond, 0)};` +
      ` lag median ${fmt(stats(lagMedian), 2)} ms, lag max ${fmt(stats(lagMax), 2)} ms;` +
      ` write duration median ${fmt(stats(durationMedian), 2)} ms;` +
      ` skipped ${results.map((result) => result.skipped).join('/')};` +
      ` acknowledged=stored ${results.every((result) => result.acknowledged === result.stored)}`,
  );
}
