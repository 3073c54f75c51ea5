import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultline, tempDir } from '../support/cli.js';
import { removeTestContainers, startContainers, uniquePrefix, waitFor } from '../support/containers.js';
import { docker } from '../support/docker-cli.js';

/**
 * A workload and a detection check through the built CLI, against a real container: a small store
 * (one list of values in memory) is paused for three seconds, a second after the method starts, while
 * twenty writes a second go to it.
 * The writes that meet the pause get no answer in time; the console, Markdown, HTML and JSON reports
 * must all say so, and the detection (the container is seen paused) must be timed.
 */
const STORE = `
const values = [];
require('node:http').createServer((req, res) => {
  const put = /^\\/kv\\/([^/?]+)$/.exec(req.url ?? '');
  if (req.method === 'PUT' && put) { values.push(decodeURIComponent(put[1])); res.writeHead(201); res.end('stored'); return; }
  if (req.method === 'GET' && req.url === '/kv') { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ values })); return; }
  res.writeHead(404); res.end();
}).listen(8080);
`;

const prefix = uniquePrefix('workload');
let dir: string;
let name: string;
let result: Awaited<ReturnType<typeof faultline>>;

beforeAll(async () => {
  const [store] = await startContainers(prefix, [
    { name: 'store', command: ['-e', STORE], publish: '127.0.0.1::8080' },
  ]);
  name = store!.name;
  const port = (await docker('port', name, '8080/tcp')).split('\n')[0]!.split(':').at(-1);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    'the store',
    async () => (await fetch(`${base}/kv`, { signal: AbortSignal.timeout(1000) })).ok,
  );
  dir = await tempDir();
  await writeFile(
    path.join(dir, 'store.yaml'),
    `title: Writes survive a paused store
hypothesis:
  - name: no acknowledged write is lost
    workload:
      write: { http: { url: "${base}/kv/\${id}", method: PUT } }
      read: { http: { url: "${base}/kv", values: $.values } }
      rate: 20/s
      concurrency: 4
      timeout: 400ms
    expect:
      thresholds: ["lost == 0", "available.before > 90%"]
method:
  - wait: 1s
  - pause: { target: { name: ${name} }, duration: 3s }
  - wait: 2s
detect:
  - name: the pause is seen
    container: { target: { name: ${name} } }
    expect: { state: paused }
    every: 250ms
    within: 5s
recovery: 10s
`,
  );
  result = await faultline([
    'run',
    path.join(dir, 'store.yaml'),
    '--report',
    `json=${path.join(dir, 'r.json')}`,
    '--report',
    `markdown=${path.join(dir, 'r.md')}`,
    '--report',
    `html=${path.join(dir, 'r.html')}`,
  ]);
}, 120_000);

afterAll(async () => {
  await removeTestContainers(prefix);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a workload and a detection through the built CLI', () => {
  it('passes, and its console ends with a data line and a detection line', () => {
    expect(result.all).toMatch(
      /data {5}ok {3}no acknowledged write is lost {2}\d[\d,]* writes, \d[\d,]* acknowledged, 0 lost, 0 duplicates, [1-9]\d* indeterminate(, \d+ skipped)?; available before \d+(\.\d)?% during \d+(\.\d)?%/,
    );
    expect(result.all).toMatch(
      /detect {3}ok {3}the pause is seen {2}detected after \d+(\.\d+)?m?s \(within 5s\)/,
    );
    expect(result.exitCode, result.all).toBe(0);
  });

  it('writes the workload and the detection into the JSON report', async () => {
    const report = JSON.parse(await readFile(path.join(dir, 'r.json'), 'utf8'));
    const [run] = report.runs;
    const [series] = run.workload;
    expect(series.probe).toBe('no acknowledged write is lost');
    const { totals, timeline } = series.report;
    expect(totals.during.indeterminate).toBeGreaterThan(0);
    // A write sent just before the pause may meet it: the baseline is mostly, not always, acknowledged.
    expect(totals.before.acknowledged / totals.before.attempted).toBeGreaterThan(0.8);
    // Every write is in one second of the timeline.
    const inTimeline = timeline.reduce(
      (sum: number, b: Record<string, number>) => sum + b.acknowledged! + b.refused! + b.indeterminate!,
      0,
    );
    expect(inTimeline).toBe(totals.all.attempted);
    expect(run.detect[0].detectedAfterMs).toBeLessThan(5000);
  });

  it('shows the data and the detection in Markdown and HTML', async () => {
    const markdown = await readFile(path.join(dir, 'r.md'), 'utf8');
    expect(markdown).toContain('### Data');
    expect(markdown).toMatch(/\| during \| \d+ \| \d+ \| 0 \| [1-9]\d* \| \d+ \| \d+(\.\d)?% \|/);
    expect(markdown).toMatch(/\| the pause is seen \| detected \| \d/);
    const html = await readFile(path.join(dir, 'r.html'), 'utf8');
    expect(html).toContain('class="panel workload-panel" data-workload="no acknowledged write is lost"');
    expect(html).toMatch(
      /<g class="wl-second" data-second="\d+" data-writes="\d+"><rect class="wl-bar wl-acknowledged"/,
    );
    expect(html).toMatch(/data-outcome="indeterminate"/);
    expect(html).toContain('class="detect-mark" data-detect="the pause is seen"');
  });
});
