import { describe, expect, it } from 'vitest';
import { PLOT_WIDTH, TIMELINE } from '../../../src/reporters/html/timeline-scale.js';
import { renderHtml } from '../../../src/reporters/html.js';
import { dataRun, outcomeBuckets, WORKLOAD, WORKLOAD_START_MS } from './data-fixtures.js';
import { deviatedRun, session } from './fixtures.js';
import { chart, tags, visibleText } from './html-read.js';

/** The stacks of one second each: the second, its writes, and the parts with their counts and heights. */
function stacks(svg: string) {
  return [
    ...svg.matchAll(/<g class="wl-second" data-second="(\d+)" data-writes="(\d+)">([\s\S]*?)<\/g>/g),
  ].map(([, second, writes, inner]) => ({
    second: Number(second),
    writes: Number(writes),
    parts: tags(inner!, 'rect').map((rect) => ({
      outcome: rect['data-outcome']!,
      count: Number(rect['data-count']),
      x: Number(rect.x),
      y: Number(rect.y),
      height: Number(rect.height),
    })),
  }));
}

/** The chart's documented scale: where `ms` since the run started lies on a chart spanning `domainMs`. */
function expectedX(ms: number, domainMs: number): number {
  return TIMELINE.left + (ms / domainMs) * PLOT_WIDTH;
}

describe('renderHtml: a workload on the timeline', () => {
  const page = renderHtml(session([dataRun()]));
  const svg = chart(page);
  // The run lasts 38.5 s: the chart spans 39 s.
  const domainMs = 39_000;

  it('draws a panel per workload, titled with what was lost and how available writes were during the faults', () => {
    expect(tags(svg, 'g', { class: 'panel workload-panel', 'data-workload': WORKLOAD })).toHaveLength(1);
    expect(visibleText(svg)).toContain(
      `workload “${WORKLOAD}”: writes per second by outcome (3 lost; 40.4% available during faults)`,
    );
    // Its one judgement after the read-back is the panel's, not a probe panel of its own.
    expect(tags(svg, 'g', { class: 'panel probe-panel', 'data-probe': WORKLOAD })).toHaveLength(0);
  });

  it('stacks every second of writes by outcome: the parts add up to the writes due that second', () => {
    const buckets = outcomeBuckets();
    const drawn = stacks(svg);
    expect(drawn.map((stack) => stack.second)).toEqual(buckets.map((bucket) => bucket.second));
    const scale = drawn[0]!.parts.reduce((sum, part) => sum + part.height, 0) / drawn[0]!.writes;
    for (const stack of drawn) {
      const bucket = buckets[stack.second]!;
      const due = bucket.acknowledged + bucket.refused + bucket.indeterminate + bucket.skipped;
      expect(stack.writes).toBe(due);
      expect(stack.parts.reduce((sum, part) => sum + part.count, 0)).toBe(due);
      for (const part of stack.parts) expect(part.count).toBe(bucket[part.outcome as 'refused']);
      // One scale for every bar, the parts on top of each other with no gap.
      expect(stack.parts.reduce((sum, part) => sum + part.height, 0)).toBeCloseTo(scale * due, 1);
      for (const [below, above] of stack.parts.slice(0, -1).map((part, i) => [part, stack.parts[i + 1]!]))
        expect(above!.y + above!.height).toBeCloseTo(below!.y, 1);
    }
  });

  it('places each second on the run’s time axis, where the faults are', () => {
    const drawn = stacks(svg);
    for (const second of [0, 5, 14, 37]) {
      const x = drawn.find((stack) => stack.second === second)!.parts[0]!.x;
      expect(x).toBeCloseTo(expectedX(WORKLOAD_START_MS + second * 1000, domainMs) + 0.5, 1);
    }
    // While the primary is paused (seconds 5 to 14) most writes are refused, indeterminate or skipped.
    const during = stacks(svg).find((stack) => stack.second === 9)!;
    expect(during.parts.map((part) => part.outcome)).toEqual([
      'acknowledged',
      'refused',
      'indeterminate',
      'skipped',
    ]);
    expect(svg).toContain(
      '<title>+9.1s: 20 due, 7 acknowledged, 9 refused, 1 indeterminate, 3 skipped</title>',
    );
  });

  it('tells the outcomes apart without colour, and says so in the legend', () => {
    const fills = new Map(stacks(svg)[5]!.parts.map((part) => [part.outcome, part]));
    expect(fills.size).toBe(4);
    const rects = tags(svg, 'rect', { 'data-outcome': 'refused' });
    expect(rects[0]?.fill).toMatch(/^url\(#run-1-timeline-wl-refused\)$/);
    expect(tags(svg, 'pattern', { id: 'run-1-timeline-wl-refused' })).toHaveLength(1);
    expect(tags(svg, 'pattern', { id: 'run-1-timeline-wl-indeterminate' })).toHaveLength(1);
    const legend = visibleText(/<g class="legend">[\s\S]*<\/g>/.exec(svg)?.[0] ?? '');
    for (const text of [
      'write acknowledged',
      'write refused',
      'write indeterminate (no answer in time)',
      'write skipped (every slot busy)',
      'write lost (acknowledged, then missing)',
      'fault detected',
    ])
      expect(legend).toContain(text);
  });

  it('marks the lost writes where they were written, and each detection where it noticed the fault', () => {
    const lost = tags(svg, 'g', { class: 'wl-mark wl-lost' }).map((mark) => mark['data-id']);
    expect(lost).toEqual(['fl7q2x-97', 'fl7q2x-98', 'fl7q2x-99']);
    const [detected] = tags(svg, 'g', { class: 'detect-mark' });
    expect(detected?.['data-detect']).toBe('the error-rate alert fires');
    const line = /<g class="detect-mark"[^>]*>\s*<line x1="([\d.]+)"/.exec(svg);
    // The first fault started at +5.1s; the alert was seen 6.2s later.
    expect(Number(line?.[1])).toBeCloseTo(expectedX(11_300, domainMs), 1);
    expect(visibleText(svg)).toContain('detected: the error-rate alert fires (6.2s)');
    expect(tags(svg, 'g', { class: 'detect-mark', 'data-detect': 'replication lag is seen' })).toHaveLength(
      0,
    );
  });
});

describe('renderHtml: the data and detection tables', () => {
  const page = renderHtml(session([dataRun()]));
  const run = /<section class="card run"[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';

  it('lists writes per phase with availability, and the lost and duplicated ids', () => {
    const during = /<tr class="" data-phase="during">[\s\S]*?<\/tr>/.exec(run)?.[0] ?? '';
    expect(visibleText(during).trim()).toBe('during 171 69 85 17 29 40.4%');
    const lost = tags(run, 'table', { class: 'writes', 'data-writes': 'lost' });
    expect(lost).toHaveLength(1);
    const table = /<table class="writes" data-writes="lost">[\s\S]*?<\/table>/.exec(run)?.[0] ?? '';
    expect(
      tags(table, 'tr')
        .map((row) => row['data-id'])
        .filter(Boolean),
    ).toEqual(['fl7q2x-97', 'fl7q2x-98', 'fl7q2x-99']);
    expect(visibleText(table)).toContain(
      'fl7q2x-97 +4.95s before acknowledged 4ms 201 {"stored":true,"replicated":false}',
    );
    expect(visibleText(run)).toContain('3 lost : acknowledged, then missing from the read-back');
    expect(visibleText(run)).toContain('1 duplicated : held more than once (1 extra copy)');
  });

  it('counts the workload sample of the journal in writes, as the other reports do', () => {
    const journal = /<pre>([\s\S]*?)<\/pre>/.exec(page)![1]!;
    expect(journal).toContain(
      `probe after: ${WORKLOAD}: fail (731 writes, 629 acknowledged, 3 lost, 1 duplicate, 17 indeterminate, 29 skipped, 140ms)`,
    );
    expect(journal).not.toMatch(new RegExp(`${WORKLOAD}: fail \\(\\d+ attempts`));
  });

  it('says of each detection whether it noticed the fault, after how long and within what deadline', () => {
    const rows = tags(run, 'tr', { class: 'detect-row' });
    expect(rows.map((row) => [row['data-detect'], row['data-state']])).toEqual([
      ['the error-rate alert fires', 'detected'],
      ['replication lag is seen', 'not-detected'],
    ]);
    const table = visibleText(/<table class="detections">[\s\S]*?<\/table>/.exec(run)?.[0] ?? '');
    expect(table).toContain('the error-rate alert fires detected 6.2s 30s value: expected > 0.05, saw 0.41');
    expect(table).toContain('replication lag is seen NOT detected - 10s value: expected > 5, saw 0.4');
  });

  it('lists in the legend only the outcomes the bars show', () => {
    const base = dataRun();
    const report = base.workload![0]!.report!;
    const timeline = report.timeline.map((bucket) => ({ ...bucket, refused: 0 }));
    const page = renderHtml(
      session([dataRun({ workload: [{ ...base.workload![0]!, report: { ...report, timeline } }] })]),
    );
    const legend = visibleText(/<g class="legend">[\s\S]*<\/g>/.exec(chart(page))?.[0] ?? '');
    expect(legend).toContain('write acknowledged');
    expect(legend).not.toContain('write refused');
  });

  it('draws a workload that was not judged as an empty panel, and adds nothing to runs without data', () => {
    const base = dataRun();
    const unjudged = renderHtml(
      session([dataRun({ workload: [{ ...base.workload![0]!, report: undefined }] })]),
    );
    expect(visibleText(chart(unjudged))).toContain('no data: the workload was not judged');
    expect(tags(chart(unjudged), 'g', { class: 'wl-second' })).toHaveLength(0);
    const plain = renderHtml(session([deviatedRun()]));
    expect(tags(chart(plain), 'g', { class: 'panel workload-panel' })).toHaveLength(0);
    expect(tags(chart(plain), 'g', { class: 'detect-mark' })).toHaveLength(0);
    expect(visibleText(plain)).not.toContain('Data: what became of the writes');
    expect(visibleText(plain)).not.toContain('Detection: did the monitoring notice?');
  });
});
