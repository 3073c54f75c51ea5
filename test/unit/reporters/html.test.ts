import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { LoadRecorder } from '../../../src/load/recorder.js';
import type { LoadSeries, RequestRecord } from '../../../src/load/types.js';
import type { FaultRecord, RunResult, SessionResult } from '../../../src/model/journal.js';
import { createFileReporter } from '../../../src/reporters/file-report.js';
import { perBucket } from '../../../src/reporters/html/timeline-panels.js';
import { PLOT_WIDTH, TIMELINE } from '../../../src/reporters/html/timeline-scale.js';
import { renderHtml } from '../../../src/reporters/html.js';
import { REPORTS } from '../../../src/reporters/registry.js';
import {
  api,
  at,
  db,
  deviatedRun,
  entry,
  erroredRun,
  revertFailedRun,
  START,
  sample,
  session,
} from './fixtures.js';
import { chart, tags, visibleText } from './html-read.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-html-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Where `ms` since the run started lies on a chart spanning `domainMs`: the chart's documented scale. */
function expectedX(ms: number, domainMs: number): number {
  return TIMELINE.left + (ms / domainMs) * PLOT_WIDTH;
}

function header(page: string): string {
  const match = /<header class="verdict[\s\S]*?<\/header>/.exec(page);
  if (!match) throw new Error('no verdict header');
  return visibleText(match[0]);
}

describe('renderHtml: the verdict', () => {
  it.each([
    [ExitCode.passed, 'passed', 'PASSED', 'the system held up'],
    [ExitCode.deviated, 'deviated', 'DEVIATED', 'the system is fragile'],
    [ExitCode.invalid, 'invalid', 'INVALID', 'an experiment file is wrong'],
    [ExitCode.errored, 'errored', 'ERRORED', 'the tool or environment failed; no verdict on resilience'],
    [ExitCode.revertFailed, 'revert-failed', 'REVERT FAILED', 'a fault may still be in place'],
    [ExitCode.aborted, 'aborted', 'ABORTED BY A GUARD', 'stopped early for safety'],
    [ExitCode.interrupted, 'interrupted', 'INTERRUPTED', 'the run was stopped before it finished'],
  ])('exit code %i is shown big, coloured and in words: %s', (exitCode, tone, label, headline) => {
    const page = renderHtml(session([deviatedRun()], { exitCode }));
    expect(tags(page, 'header', { class: `verdict tone-${tone}` })).toHaveLength(1);
    const text = header(page);
    expect(text).toContain(label);
    expect(text).toContain(headline);
    expect(text).toContain(`exit code ${exitCode}`);
    expect(page).toMatch(new RegExp(`<title>faultline: ${label}, exit code ${exitCode}`));
  });

  it('explains what was tested: what an experiment is, then a table of what each one did', () => {
    const page = renderHtml(session([deviatedRun()]));
    const intro = /<section class="card intro"[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
    expect(visibleText(intro)).toContain('injects faults');
    const rows = [...intro.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
      [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => visibleText(cell[1]!).trim()),
    );
    expect(rows).toEqual([
      ['Experiment', 'Faults injected', 'Probes checked', 'Verdict'],
      ['Checkout survives a paused database', 'pause on shop-db-1', '“checkout responds”', 'DEVIATED'],
    ]);
  });

  it('shows each run with its title, description, file, seed, duration and summary sentence', () => {
    const page = renderHtml(session([deviatedRun({ description: 'Orders must survive a DB restart.' })]));
    const text = visibleText(page);
    expect(text).toContain('Checkout survives a paused database');
    expect(text).toContain('DEVIATED the system is fragile (exit code 1)');
    expect(text).toContain('Orders must survive a DB restart.');
    expect(text).toContain('File experiments/checkout.yaml');
    expect(text).toContain('Seed 42');
    expect(text).toContain('Duration 12s');
    expect(text).toContain(
      'The hypothesis did not hold: "checkout responds" failed during the method (2 of 3 samples).',
    );
  });
});

describe('renderHtml: the timeline', () => {
  // deviatedRun: a 12 s run; pause-db#1 injected at t=300 ms, reverted at t=10 350 ms.
  const domainMs = 12_000;

  it('shades the interval in which the fault was active and labels it with the fault and target', () => {
    const svg = chart(renderHtml(session([deviatedRun()])));
    const [band] = tags(svg, 'rect', { class: 'fault-band' });
    expect(band).toBeDefined();
    expect(Number(band!.x)).toBeCloseTo(expectedX(300, domainMs), 1);
    expect(Number(band!.x) + Number(band!.width)).toBeCloseTo(expectedX(10_350, domainMs), 1);
    expect(svg).toMatch(/<text class="fault-label inside"[^>]*>pause shop-db-1<\/text>/);

    const [shade] = tags(svg, 'rect', { class: 'fault-shade', 'data-fault': 'pause-db#1' });
    expect(Number(shade!.x)).toBeCloseTo(expectedX(300, domainMs), 1);
    expect(Number(shade!.width)).toBeCloseTo(expectedX(10_350, domainMs) - expectedX(300, domainMs), 1);
    // The shading reaches down through the probe panel.
    const [panel] = tags(svg, 'rect', { class: 'panel-bg' });
    expect(Number(shade!.y) + Number(shade!.height)).toBeGreaterThanOrEqual(
      Number(panel!.y) + Number(panel!.height),
    );
  });

  it('puts overlapping faults in lanes of their own and reuses a lane once it is free', () => {
    const fault = (faultId: string, kind: string, target = db): FaultRecord => ({
      faultId,
      fault: kind,
      target,
      injectedAt: START,
      status: 'reverted',
      detail: '',
    });
    const injected = (t: number, faultId: string, kind: string, target = db) =>
      entry(t, { type: 'fault-injected', faultId, fault: kind, target, detail: '' });
    const reverted = (t: number, faultId: string, kind: string, target = db) =>
      entry(t, {
        type: 'fault-reverted',
        faultId,
        fault: kind,
        target,
        status: 'reverted',
        detail: '',
        heldMs: 0,
      });
    const run = deviatedRun({
      faults: [fault('a', 'pause'), fault('b', 'network-delay', api), fault('c', 'kill', api)],
      journal: [
        injected(1000, 'a', 'pause'),
        injected(3000, 'b', 'network-delay', api),
        reverted(5000, 'a', 'pause'),
        reverted(8000, 'b', 'network-delay', api),
        injected(9000, 'c', 'kill', api),
        reverted(11_000, 'c', 'kill', api),
      ],
    });
    const svg = chart(renderHtml(session([run])));
    const band = (id: string) => {
      const group = new RegExp(`<g class="fault" data-fault="${id}">([\\s\\S]*?)</g>`).exec(svg)?.[1] ?? '';
      return tags(group, 'rect', { class: 'fault-band' })[0]!;
    };
    expect(band('a').y).toBe(band('c').y);
    expect(band('b').y).not.toBe(band('a').y);
    expect(Number(band('b').x)).toBeCloseTo(expectedX(3000, domainMs), 1);
    expect(Number(band('b').x) + Number(band('b').width)).toBeCloseTo(expectedX(8000, domainMs), 1);
    for (const label of ['pause shop-db-1', 'network-delay shop-api-1', 'kill shop-api-1'])
      expect(svg).toContain(`>${label}</text>`);
  });

  it('runs the band of a fault that was never reverted to the end of the chart', () => {
    const svg = chart(renderHtml(session([revertFailedRun()])));
    const [band] = tags(svg, 'rect', { class: 'fault-band' });
    expect(Number(band!.x)).toBeCloseTo(expectedX(500, domainMs), 1);
    expect(Number(band!.x) + Number(band!.width)).toBeCloseTo(TIMELINE.left + PLOT_WIDTH, 1);
    expect(svg).toContain('network-delay shop-api-1 (still in place)');
    expect(tags(svg, 'g', { 'data-legend': 'fault-left' })).toHaveLength(1);
  });

  it('plots every probe sample at its time, as high as it took, coloured and shaped by its result', () => {
    const svg = chart(renderHtml(session([deviatedRun()])));
    expect(tags(svg, 'g', { class: 'sample sample-pass' })).toHaveLength(3);
    const failed = [...svg.matchAll(/<g class="sample sample-fail"[^>]*><path d="M([\d.]+) ([\d.]+)/g)];
    // A cross centred on the sample: its first stroke starts 4 units left of it.
    expect(failed.map((match) => Number(match[1]) + 4)).toEqual([
      expect.closeTo(expectedX(1300, domainMs), 1),
      expect.closeTo(expectedX(2300, domainMs), 1),
    ]);
    const passes = [...svg.matchAll(/<g class="sample sample-pass"[^>]*><circle cx="[\d.]+" cy="([\d.]+)"/g)];
    // Failed samples took 40 ms, passing ones 12 ms: the failures are drawn higher up.
    expect(Number(failed[0]![2]) + 4).toBeLessThan(Number(passes[0]![1]));
    expect(svg).toContain('fill="#1a7f37"');
    expect(svg).toContain('stroke="#d1242f"');
    expect(svg).toContain('probe “checkout responds”: time each check took (3 passed, 2 failed)');

    const errored = chart(renderHtml(session([erroredRun()])));
    expect(tags(errored, 'g', { class: 'sample sample-error' })).toHaveLength(1);
    expect(errored).toContain('fill="#8250df"');
  });

  it('marks the phases, the time axis and the legend', () => {
    const svg = chart(renderHtml(session([deviatedRun()])));
    for (const phase of ['baseline', 'method', 'recovery'])
      expect(svg).toMatch(new RegExp(`<text class="phase-label"[^>]*>${phase}</text>`));
    const methodGroup = /<g class="phase phase-method" data-phase="method">\s*<rect ([^>]*)>/.exec(svg)?.[1];
    expect(methodGroup).toContain(`x="${Math.round(expectedX(200, domainMs) * 100) / 100}"`);
    expect(svg).toContain('seconds since the run started');
    for (let s = 0; s <= 12; s++) expect(svg).toMatch(new RegExp(`text-anchor="middle">${s}</text>`));
    const legend = /<g class="legend">[\s\S]*?<\/g>\n<\/svg>/.exec(svg)?.[0] ?? '';
    for (const text of ['fault active', 'check passed', 'check failed', 'check could not run (error)'])
      expect(legend).toContain(text);
  });

  it('marks a guard trip where it happened', () => {
    const run = deviatedRun({
      outcome: 'aborted',
      exitCode: 5,
      guard: {
        probe: 'error budget',
        reason: 'error rate 12% > 5%',
        trippedAt: at(4000),
        revertedWithinMs: 180,
      },
    });
    run.journal.push(entry(4000, { type: 'guard', probe: 'error budget', reason: 'error rate 12% > 5%' }));
    const page = renderHtml(session([run], { exitCode: 5 }));
    const svg = chart(page);
    const [line] = tags(/<g class="guard-trip"[\s\S]*?<\/g>/.exec(svg)?.[0] ?? '', 'line');
    expect(Number(line!.x1)).toBeCloseTo(expectedX(4000, domainMs), 1);
    expect(svg).toContain('guard tripped: error budget');
    expect(tags(svg, 'g', { 'data-legend': 'guard' })).toHaveLength(1);
    expect(visibleText(page)).toContain(
      'A guard stopped this run. Guard “error budget” failed at 2025-03-01 10:00:04.000 UTC: error rate 12% > 5%.',
    );
    expect(visibleText(page)).toContain('Every fault was reverted within 180ms of the trip.');
  });

  it('draws a load probe as p50, p95 and p99 per second and its errors per second as bars', () => {
    const origin = Date.parse(START);
    const records: RequestRecord[] = [];
    // Second 2: latencies 1..100 ms, of which 10 failed; second 3: nothing; second 5: 4 requests at 30 ms.
    for (let i = 1; i <= 100; i++)
      records.push({
        scheduledAt: origin + 2000 + i * 9,
        startedAt: origin + 2000 + i * 9,
        latencyMs: i,
        ok: i > 10,
      });
    for (let i = 0; i < 4; i++)
      records.push({
        scheduledAt: origin + 5000 + i * 200,
        startedAt: 0,
        latencyMs: 30,
        ok: true,
        status: 200,
      });
    const load: LoadSeries[] = [
      { probe: 'checkout load', url: 'http://127.0.0.1:8080/', ratePerSecond: 100, thresholds: [], records },
    ];
    const run: RunResult & { load: LoadSeries[] } = { ...deviatedRun(), load };
    const svg = chart(renderHtml(session([run])));

    const [p50] = tags(svg, 'polyline', { class: 'load-line load-p50' });
    const [p99] = tags(svg, 'polyline', { class: 'load-line load-p99' });
    expect(p50).toBeUndefined(); // seconds 2 and 5 are not adjacent: each is a dot of its own
    const dots = tags(svg, 'circle', { class: 'load-dot load-p99' });
    expect(p99).toBeUndefined();
    expect(dots.map((dot) => Number(dot.cx))).toEqual([
      expect.closeTo(expectedX(2500, domainMs), 1),
      expect.closeTo(expectedX(5500, domainMs), 1),
    ]);
    // p99 of 1..100 is 99 ms and the axis tops out at 100 ms; p50 is 50 ms, half-way up.
    const p50dots = tags(svg, 'circle', { class: 'load-dot load-p50' });
    expect(Number(p50dots[0]!.cy)).toBeGreaterThan(Number(dots[0]!.cy));
    expect(svg).toMatch(/>100 ms<\/text>/);

    const bars = tags(/<g class="load"[\s\S]*?<\/g>/.exec(svg)?.[0] ?? '', 'rect', { class: 'error-bar' });
    expect(bars).toHaveLength(1);
    expect(Number(bars[0]!.x)).toBeCloseTo(expectedX(2000, domainMs) + 1, 1);
    expect(svg).toContain('failed requests per second (10 of 104)');
    for (const key of ['p50', 'p95', 'p99', 'errors'])
      expect(tags(svg, 'g', { 'data-legend': key })).toHaveLength(1);
  });

  it('draws the same load chart and table from a report timeline as from every record', () => {
    const origin = Date.parse(START);
    // At 1000/s from the run's start, request i is due at origin + i ms.
    const recorder = new LoadRecorder(1000);
    recorder.start(origin);
    const records: RequestRecord[] = [];
    for (let i = 1; i <= 300; i++) {
      const index = 2000 + i * 7;
      const record = {
        scheduledAt: origin + index,
        startedAt: origin + index,
        latencyMs: i / 3,
        ok: i % 30 !== 0,
      };
      records.push(record);
      recorder.add(index, record);
    }
    const series = {
      probe: 'checkout load',
      url: 'http://127.0.0.1:8080/',
      ratePerSecond: 1000,
      thresholds: [],
    };
    const render = (load: LoadSeries[]) => renderHtml(session([{ ...deviatedRun(), load }]));
    const fromRecords = render([{ ...series, records }]);
    const fromTimeline = render([{ ...series, timeline: JSON.parse(JSON.stringify(recorder.timeline())) }]);
    const dots = (page: string, key: string) =>
      tags(chart(page), 'circle', { class: `load-dot load-${key}` }).concat(
        tags(chart(page), 'polyline', { class: `load-line load-${key}` }),
      );
    for (const key of ['p50', 'p99'])
      expect(dots(fromTimeline, key)).toHaveLength(dots(fromRecords, key).length);
    expect(chart(fromTimeline)).toContain('failed requests per second (10 of 300)');
    const bars = (page: string) => tags(chart(page), 'rect', { class: 'error-bar' }).map((bar) => bar.x);
    expect(bars(fromTimeline)).toEqual(bars(fromRecords));
    // The load table: 300 requests, 10 failed, p50 of 1/3..100 ms is 50 ms either way.
    const row = (page: string) => /<tr class="load-row"[\s\S]*?<\/tr>/.exec(page)?.[0] ?? '';
    expect(row(fromTimeline)).toContain('<td class="n">300</td>');
    expect(row(fromTimeline)).toContain('10 (3.33%)');
    expect(row(fromTimeline)).toBe(row(fromRecords));
  });

  it('names the real bucket in the load titles when a long run is kept in slices longer than a second', () => {
    const origin = Date.parse(START);
    const minutes = 25;
    // One request a second for 25 minutes: the report keeps the load in 2 s slices (at most 1,200 of them).
    const recorder = new LoadRecorder(1);
    recorder.start(origin);
    for (let i = 0; i < minutes * 60; i++) {
      recorder.add(i, {
        scheduledAt: origin + i * 1000,
        startedAt: origin + i * 1000,
        latencyMs: 5,
        ok: i % 100 !== 0,
      });
    }
    const timeline = JSON.parse(JSON.stringify(recorder.timeline()));
    expect(timeline.sliceMs).toBe(2000);
    const run = {
      ...deviatedRun(),
      durationMs: minutes * 60_000,
      load: [
        { probe: 'checkout load', url: 'http://127.0.0.1:8080/', ratePerSecond: 1, thresholds: [], timeline },
      ],
    };
    const svg = chart(renderHtml(session([run])));
    expect(svg).toContain('latency per 2 s (p50, p95, p99 of 1500 requests)');
    expect(svg).toContain('failed requests per 2 s (15 of 1500)');
    expect(svg).not.toContain('per second');
  });

  it('names a bucket of a second, of seconds and of minutes as a reader says them', () => {
    expect(perBucket(1000)).toBe('per second');
    expect(perBucket(5000)).toBe('per 5 s');
    expect(perBucket(60_000)).toBe('per minute');
    expect(perBucket(300_000)).toBe('per 5 minutes');
  });

  it('joins consecutive seconds with requests into one line', () => {
    const origin = Date.parse(START);
    const records: RequestRecord[] = Array.from({ length: 40 }, (_, i) => ({
      scheduledAt: origin + 1000 + i * 100,
      startedAt: origin + 1000 + i * 100,
      latencyMs: 20 + i,
      ok: true,
    }));
    const run = {
      ...deviatedRun(),
      load: [{ probe: 'l', url: 'u', ratePerSecond: 10, thresholds: [], records }],
    };
    const svg = chart(renderHtml(session([run])));
    const [p50] = tags(svg, 'polyline', { class: 'load-line load-p50' });
    expect(p50!.points!.split(' ')).toHaveLength(4);
    expect(svg).toContain('no request failed');
  });

  it('says so when there is nothing to draw', () => {
    const svg = chart(renderHtml(session([revertFailedRun()])));
    expect(svg).toContain('no probe sample was recorded');
    const empty = chart(renderHtml(session([erroredRun()])));
    expect(empty).toContain('no fault was injected');
    expect(tags(empty, 'rect', { class: 'fault-band' })).toHaveLength(0);
  });
});

describe('renderHtml: the tables', () => {
  it('shows each probe per phase with what was expected, the samples, failures and the first failure', () => {
    const page = renderHtml(session([deviatedRun()]));
    const rows = [...page.matchAll(/<tr class="probe-row"[\s\S]*?<\/tr>/g)].map((match) =>
      visibleText(match[0]).trim(),
    );
    expect(rows).toEqual([
      'before baseline, before any fault checkout responds status 200 passed 1 0 status: expected 200, saw 200',
      'during while faults were active checkout responds status 200 latency < 500ms FAILED 3 2 ' +
        'status: expected 200, saw 503 first failure at +1.3s, after 3 attempts',
      'after recovery, once faults were reverted checkout responds status 200 passed 1 0 status: expected 200, saw 200',
    ]);
  });

  it('lists guard samples and probes that never ran', () => {
    const run = deviatedRun();
    run.journal.push(
      entry(5000, {
        type: 'probe',
        sample: sample(4990, { probe: 'error budget', phase: 'guard', checks: [] }),
      }),
    );
    const page = renderHtml(session([run, erroredRun()]));
    const rows = [...page.matchAll(/<tr class="probe-row"[\s\S]*?<\/tr>/g)].map((match) =>
      visibleText(match[0]).trim(),
    );
    expect(rows[2]).toBe(
      'guard safety check before the first fault and while faults were active error budget - passed 1 0 status: expected 200, saw 200',
    );
    expect(rows).toContain(
      'before baseline, before any fault search responds - ERROR: could not check 1 1 connect ECONNREFUSED 127.0.0.1:8080 first failure at +5ms',
    );
    expect(rows).toContain(
      'during while faults were active search responds - not run 0 0 not checked: the run ended before this phase',
    );
  });

  it('shows each fault with its target, when it was injected and reverted, and how long it was held', () => {
    const page = renderHtml(session([deviatedRun()]));
    const [row] = [...page.matchAll(/<tr class="fault-row"[\s\S]*?<\/tr>/g)].map((match) =>
      visibleText(match[0]).trim(),
    );
    expect(row).toBe('pause pause-db#1 shop-db-1 (service db) +300ms +10.3s 10s reverted unpaused');
  });

  it('shows a fault left in place, in words, with the command that removes it', () => {
    const page = renderHtml(session([revertFailedRun()]));
    const [row] = [...page.matchAll(/<tr class="fault-row"[\s\S]*?<\/tr>/g)].map((match) =>
      visibleText(match[0]).trim(),
    );
    const remedy =
      'docker run --rm --net container:shop-api-1 --cap-add NET_ADMIN faultline-helper tc qdisc del dev eth0 root';
    expect(row).toBe(
      'network-delay slow-api#1 shop-api-1 (service api) +500ms - still in place REVERT FAILED: still in place ' +
        `tc qdisc del failed: RTNETLINK answers: Operation not permitted remove it by hand: ${remedy}`,
    );
    expect(visibleText(page)).toContain(
      `A fault may still be in place. The system may still be degraded; remove what is left: network-delay on shop-api-1 (service api): ${remedy}`,
    );
  });
});

describe('renderHtml: any session', () => {
  it('escapes every string from the run, so a hostile value stays text', () => {
    const hostile = '<script>alert(1)</script>';
    const run = deviatedRun({
      title: `Checkout ${hostile}`,
      description: '"><img src=x onerror=alert(1)>',
      file: "experiments/'quoted'.yaml",
      tags: ['</style><script>alert(2)</script>'],
      summary: 'saw </svg><iframe src="javascript:alert(3)">',
    });
    run.probes[1] = { ...run.probes[1]!, probe: '"><svg onload=alert(4)>' };
    run.faults[0] = { ...run.faults[0]!, fault: 'pause<b>', target: { ...db, name: '"db"&<x>' } };
    run.journal.push(
      entry(4000, {
        type: 'probe',
        sample: sample(3990, { probe: '"><svg onload=alert(4)>', phase: 'during' }),
      }),
      entry(4100, { type: 'log', level: 'warn', message: '</pre><script>alert(5)</script>' }),
    );
    const page = renderHtml(
      session([run], {
        invalid: [{ file: '<b>bad.yaml</b>', message: 'x:1:1 </pre><script>alert(6)</script>' }],
      }),
    );

    // Only the page's own elements: nothing a value brought in.
    const elements = new Set(
      [...page.matchAll(/<([a-zA-Z][\w-]*)/g)].map((match) => match[1]!.toLowerCase()),
    );
    const own =
      'html head meta title style body main h1 h2 h3 header p section nav ol li a span strong code pre div dl dt dd table thead tbody tr th td ul br figure figcaption details summary footer svg desc defs pattern rect g text line circle path polyline';
    expect([...elements].filter((name) => !own.split(' ').includes(name))).toEqual([]);
    expect(page).not.toMatch(/<script|<img|<iframe/i);
    expect(page).toContain('Checkout &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(visibleText(page)).toContain('Checkout <script>alert(1)</script>');
    expect(visibleText(page)).toContain('"><img src=x onerror=alert(1)>');
    expect(page).toContain('data-probe="&quot;&gt;&lt;svg onload=alert(4)&gt;"');
    expect((page.match(/<\/style>/g) ?? []).length).toBe(1);
    expect((page.match(/<\/svg>/g) ?? []).length).toBe(1);
    expect(chart(page)).toContain('pause&lt;b&gt; &quot;db&quot;&amp;&lt;x&gt;');
  });

  it('shows control characters from the run as escapes, and drops only colour codes', () => {
    const run = deviatedRun({
      title: 'Checkout\u001b[2J\u0007',
      summary: 'saw \u001b[31mred\u001b[0m \u009b2J \u007f',
    });
    run.probes[1] = { ...run.probes[1]!, probe: 'probe\u0000\u001b]0;title\u0007' };
    const page = renderHtml(session([run]));
    expect(page).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    expect(visibleText(page)).toContain('Checkout\\x1b[2J\\x07');
    expect(visibleText(page)).toContain('saw red \\x9b2J \\x7f');
    expect(visibleText(page)).toContain('probe\\x00\\x1b]0;title\\x07');
  });

  it('loads nothing from the network: no src, no external href, no url() but its own patterns', () => {
    const page = renderHtml(
      session([deviatedRun(), revertFailedRun(), erroredRun()], {
        invalid: [{ file: 'a.yaml', message: 'a.yaml:1:1 bad' }],
        exitCode: 4,
      }),
    );
    expect(page).not.toMatch(/https?:\/\//);
    expect(page).not.toMatch(/\ssrc=/i);
    expect(page).not.toMatch(/<link|<script|<img|<iframe|<object|<embed|@import|@font-face/i);
    for (const match of page.matchAll(/href="([^"]*)"/g)) expect(match[1]).toMatch(/^#[\w-]+$/);
    for (const match of page.matchAll(/url\(([^)]*)\)/g)) expect(match[1]).toMatch(/^#[\w-]+$/);
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; base-uri &#39;none&#39;; form-action &#39;none&#39;">`,
    );
  });

  it('keeps ids unique across the charts of a session of several runs, with a link to each run', () => {
    const page = renderHtml(session([deviatedRun(), revertFailedRun(), erroredRun()], { exitCode: 4 }));
    const ids = [...page.matchAll(/\sid="([^"]*)"/g)].map((match) => match[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(page.match(/<svg\b/g)).toHaveLength(3);
    // Each run is linked from the table of what was tested and from the list of experiments.
    expect(tags(page, 'a').map((a) => a.href)).toEqual([
      '#run-1',
      '#run-2',
      '#run-3',
      '#run-1',
      '#run-2',
      '#run-3',
    ]);
    for (const n of [1, 2, 3]) expect(page).toContain(`<section class="card run" id="run-${n}"`);
    for (const n of [1, 2, 3]) {
      for (const match of chart(page, n).matchAll(/url\(#([\w-]+)\)/g))
        expect(match[1]).toMatch(new RegExp(`^run-${n}-`));
    }
  });

  it('reports invalid files, even when nothing ran', () => {
    const result: SessionResult = session([], {
      invalid: [
        { file: 'experiments/typo.yaml', message: 'typo.yaml:3:5 method[0].fault: unknown fault "puase"' },
      ],
      exitCode: ExitCode.invalid,
    });
    const page = renderHtml(result);
    expect(header(page)).toContain('INVALID');
    const text = visibleText(page);
    expect(text).toContain('This session ran no experiment. 1 file was not run because it is invalid.');
    expect(text).toContain('experiments/typo.yaml typo.yaml:3:5 method[0].fault: unknown fault "puase"');
    expect(page).not.toContain('<svg');
  });

  it('draws a run without journal, faults or probes', () => {
    const run = deviatedRun({ journal: [], faults: [], probes: [], durationMs: 0 });
    const page = renderHtml(session([run]));
    const svg = chart(page);
    expect(svg).toContain('no fault was injected');
    expect(svg).toContain('no probe sample was recorded');
    expect(visibleText(page)).toContain('No probe was checked in this run.');
    expect(visibleText(page)).toContain('No fault was injected in this run.');
  });
});

describe('the html report file', () => {
  it('writes the page to the path when the session ends, creating its directory', async () => {
    const path = join(dir, 'reports', 'faultline.html');
    const result = session([deviatedRun()]);
    await createFileReporter(REPORTS.html, { path }).onSessionEnd?.(result);
    expect(await readFile(path, 'utf8')).toBe(renderHtml(result));
  });
});

describe('a load probe in the timeline', () => {
  it('gets its latency and error panels, not a panel of timed checks', () => {
    const records: RequestRecord[] = [0, 100, 200].map((ms) => ({
      scheduledAt: Date.parse(START) + ms,
      startedAt: Date.parse(START) + ms,
      latencyMs: 20,
      status: 200,
      ok: true,
    }));
    const base = deviatedRun();
    const run: RunResult = {
      ...base,
      // Whole-phase judgements of the load probe, as the engine journals them.
      journal: [
        ...base.journal,
        entry(900, {
          type: 'probe',
          sample: sample(900, { probe: 'checkout load', phase: 'before', durationMs: 5000 }),
        }),
      ],
      load: [
        { probe: 'checkout load', url: 'http://127.0.0.1:1/', ratePerSecond: 10, thresholds: [], records },
      ],
    };
    const page = visibleText(renderHtml(session([run])));
    expect(page).toContain('load “checkout load”');
    expect(page).not.toContain('probe “checkout load”');
  });
});
