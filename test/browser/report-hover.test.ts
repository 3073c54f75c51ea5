import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionResult } from '../../src/model/journal.js';
import { timelineData } from '../../src/reporters/html/timeline-data.js';
import { renderHtml } from '../../src/reporters/html.js';
import { formatDuration } from '../../src/util/duration.js';
import { realReport } from '../unit/reporters/data/reports.js';
import { launchChromium, openOffline } from './support/chromium.js';

/** The real report of the fragile gateway, its load probe's URL made long enough to overflow a title. */
function session(): SessionResult {
  const report = realReport('fragile-pause');
  const run = report.runs[0]!;
  run.load![0]!.url = `http://127.0.0.1:38081/checkout?basket=${'0123456789'.repeat(20)}&currency=EUR`;
  return report;
}

/** The browser global used inside `evaluate` (the project's tsconfig has no DOM library). */
interface Styled {
  getComputedStyle(element: unknown): { stroke: string };
}

let dir: string;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-hover-'));
  await writeFile(join(dir, 'report.html'), renderHtml(session()));
  browser = await launchChromium();
  page = (await openOffline(browser, join(dir, 'report.html'))).page;
});

afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the HTML report of a real run, in Chromium', () => {
  it('shows the p50, p95 and p99 of a second when the pointer is on its p95 point', async () => {
    // The slowest second of the load, while backend-a was paused.
    const { buckets } = timelineData(session().runs[0]!).load[0]!;
    const index = buckets.reduce((worst, bucket, i) => (bucket.p95 > buckets[worst]!.p95 ? i : worst), 0);
    const bucket = buckets[index]!;
    const expected = `+${formatDuration(bucket.from - buckets[0]!.from)}: p50 ${formatDuration(bucket.p50)} · p95 ${formatDuration(bucket.p95)} · p99 ${formatDuration(bucket.p99)} (${bucket.requests} requests)`;
    const hover = page
      .locator('g.load g.hover')
      .filter({ has: page.locator(`text.tip`, { hasText: expected }) });
    await expect(hover.count()).resolves.toBe(1);
    const tip = hover.locator('text.tip');
    expect(await tip.isVisible()).toBe(false);

    await hover.locator('rect.hover-area').scrollIntoViewIfNeeded();
    const dot = hover.locator('circle.load-p95');
    const box = await dot.boundingBox();
    if (!box) throw new Error('the p95 point has no box');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);

    expect(await tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toBe(expected);
    expect(await dot.isVisible()).toBe(true);
    // The label stays inside the chart.
    const svg = await page.locator('svg.timeline').first().boundingBox();
    const label = await hover.locator('rect.tip-bg').boundingBox();
    expect(label!.x).toBeGreaterThanOrEqual(svg!.x);
    expect(label!.x + label!.width).toBeLessThanOrEqual(svg!.x + svg!.width);

    await page.mouse.move(1, 1);
    expect(await tip.isVisible()).toBe(false);
  });

  it('shows a probe check’s value on hover too, as its title', async () => {
    const point = page.locator('g.sample-fail').first();
    await expect(point.locator('title').textContent()).resolves.toMatch(
      /^\+\d[\d.]*s during: failed in 2s: /,
    );
  });

  it('fits a load panel’s title, with a long URL, inside its panel', async () => {
    const title = page.locator('g.load text.panel-title').first();
    const panel = page.locator('g.load-panel rect.panel-bg').first();
    const [titleBox, panelBox] = [await title.boundingBox(), await panel.boundingBox()];
    expect(titleBox!.x + titleBox!.width).toBeLessThanOrEqual(panelBox!.x + panelBox!.width);
    expect(await title.evaluate((node) => node.firstChild?.textContent)).toContain('…');
    expect(await title.locator('title').textContent()).toContain('&currency=EUR at 20/s');
  });

  it('tells p95 and p99 apart: a colour of their own, and their names at the end of their lines', async () => {
    const stroke = (key: string) =>
      page
        .locator(`g.load polyline.load-${key}`)
        .first()
        .evaluate((node) => (globalThis as unknown as Styled).getComputedStyle(node).stroke);
    const [p50, p95, p99] = [await stroke('p50'), await stroke('p95'), await stroke('p99')];
    expect(new Set([p50, p95, p99]).size).toBe(3);
    const boxes = [];
    for (const key of ['p50', 'p95', 'p99']) {
      const label = page.locator(`g.load text.load-label-${key}`);
      expect(await label.textContent()).toBe(key);
      boxes.push((await label.boundingBox())!);
    }
    for (let i = 1; i < boxes.length; i++)
      expect(boxes[i]!.y + boxes[i]!.height).toBeLessThanOrEqual(boxes[i - 1]!.y + 1);
  });

  it('lists what was tested as a table, and what users saw per fault', async () => {
    const rows = await page.locator('table.tested tbody tr').allInnerTexts();
    expect(rows).toEqual([
      'Fragile checkout does not survive a frozen backend\tpause on faultline-h7_backend-a_1\t“checkout answers”, “checkout under load”\tDEVIATED',
    ]);
    const impact = page.locator('table.impact');
    await expect(impact.locator('.recovery').first().textContent()).resolves.toBe('44ms');
    await expect(impact.locator('td.worse').count()).resolves.toBeGreaterThanOrEqual(2);
  });
});
