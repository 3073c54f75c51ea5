import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLORS, PLOT_WIDTH, TIMELINE } from '../../src/reporters/html/timeline-scale.js';
import { renderHtml } from '../../src/reporters/html.js';
import { launchChromium, type OfflinePage, openOffline } from './support/chromium.js';
import { type Bitmap, decodePng, hexColour } from './support/png.js';
import { DELAY_B, HOSTILE_TITLE, PAUSE_A, RUN_MS, sampleSession } from './support/sample-session.js';

/** The chart spans the run rounded up to a whole second. */
const DOMAIN_MS = Math.ceil(RUN_MS / 1000) * 1000;

let dir: string;
let browser: Browser | undefined;
let opening: Promise<OfflinePage> | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-html-browser-'));
  await writeFile(join(dir, 'report.html'), renderHtml(sampleSession()));
});

/**
 * The report, open in Chromium. Launched by the first test that needs it: without Chromium every test
 * fails with the command that installs it (a missing browser must not pass for a skipped test).
 */
function opened(): Promise<OfflinePage> {
  opening ??= launchChromium().then((launched) => {
    browser = launched;
    return openOffline(launched, join(dir, 'report.html'));
  });
  return opening;
}

afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The few browser globals used inside `evaluate` (the project's tsconfig has no DOM library). */
interface Window {
  scrollX: number;
  scrollY: number;
  document: { elementFromPoint(x: number, y: number): { getAttribute(name: string): string | null } | null };
  getComputedStyle(element: unknown): { backgroundColor: string; fontSize: string };
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** An element's box in page pixels (from the top left of the document, whatever the scroll). */
async function box(locator: Locator): Promise<Box> {
  const found = await locator.boundingBox();
  if (!found) throw new Error('the element is not rendered');
  const [scrollX, scrollY] = await locator
    .page()
    .evaluate(() => [(globalThis as unknown as Window).scrollX, (globalThis as unknown as Window).scrollY]);
  return { ...found, x: found.x + scrollX!, y: found.y + scrollY! };
}

/** Where the chart draws `ms` since the run started, in page pixels. */
async function pageX(page: Page, ms: number): Promise<number> {
  const chart = await box(page.locator('#run-1 svg.timeline'));
  return chart.x + (TIMELINE.left + (ms / DOMAIN_MS) * PLOT_WIDTH) * (chart.width / TIMELINE.width);
}

/** The class of the topmost element at a point of the page: what a reader sees there. */
async function topmostClass(page: Page, x: number, y: number): Promise<string | null | undefined> {
  await page.evaluate(
    ([px, py]) =>
      (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(px! - 200, py! - 200),
    [x, y],
  );
  return page.evaluate(
    ([px, py]) => {
      const window = globalThis as unknown as Window;
      return window.document
        .elementFromPoint(px! - window.scrollX, py! - window.scrollY)
        ?.getAttribute('class');
    },
    [x, y],
  );
}

describe('the HTML report in Chromium', { timeout: 60_000 }, () => {
  it('loads nothing but its own file, and shows a hostile title as text', async () => {
    const { page, requests, blocked } = await opened();
    expect(blocked).toEqual([]);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
    expect(await page.locator('img, script, iframe, object, embed, link').count()).toBe(0);
    expect(await page.locator('#run-1-title').textContent()).toBe(HOSTILE_TITLE);
  });

  it('really blocks the network: a page that asks for an image is caught', async () => {
    const file = join(dir, 'control.html');
    await writeFile(file, '<!DOCTYPE html><p>control</p><img src="http://127.0.0.1:9/pixel.png" alt="">');
    await opened();
    const control = await openOffline(browser!, file);
    try {
      expect(control.blocked).toEqual(['http://127.0.0.1:9/pixel.png']);
    } finally {
      await control.context.close();
    }
  });

  it('shows the verdict first, big, coloured and in words', async () => {
    const { page } = await opened();
    const header = page.locator('header#verdict');
    await expect.poll(() => header.isVisible()).toBe(true);
    expect((await box(header)).y).toBeLessThan(200);
    expect(await header.locator('.verdict-label').textContent()).toBe('DEVIATED');
    expect(await header.locator('.verdict-headline').textContent()).toBe('the system is fragile');
    expect(await header.locator('.verdict-exit').textContent()).toBe('exit code 1');
    const style = (locator: Locator) =>
      locator.evaluate((element) => (globalThis as unknown as Window).getComputedStyle(element));
    expect((await style(header)).backgroundColor).toBe('rgb(255, 235, 233)');
    expect(
      Number.parseFloat((await style(header.locator('.verdict-label'))).fontSize),
    ).toBeGreaterThanOrEqual(30);
  });

  it('renders the timeline with each fault band visible where its fault was active', async () => {
    const { page } = await opened();
    const chart = await box(page.locator('#run-1 svg.timeline'));
    expect(chart.width).toBeGreaterThan(0);
    expect(chart.height).toBeGreaterThan(0);
    const bands: { y: number }[] = [];
    for (const [faultId, span, label] of [
      ['pause-a#1', PAUSE_A, 'pause backend-a'],
      ['slow-b#1', DELAY_B, 'network-delay backend-b'],
    ] as const) {
      const group = page.locator(`#run-1 g.fault[data-fault="${faultId}"]`);
      const band = await box(group.locator('rect.fault-band'));
      expect(band.x).toBeCloseTo(await pageX(page, span.startMs), 0);
      expect(band.x + band.width).toBeCloseTo(await pageX(page, span.endMs), 0);
      expect(band.height).toBeGreaterThan(10);
      // Nothing covers it: the topmost element three quarters of the way along is the band itself.
      expect(await topmostClass(page, band.x + band.width * 0.75, band.y + 3)).toBe('fault-band');
      const text = group.locator('text.fault-label');
      expect(await text.textContent()).toBe(label);
      const textBox = await box(text);
      expect(textBox.x).toBeGreaterThanOrEqual(band.x);
      expect(textBox.x + textBox.width).toBeLessThanOrEqual(band.x + band.width);
      bands.push(band);
    }
    // The faults overlap in time, so they stack in two lanes.
    expect(bands[1]!.y).toBeGreaterThan(bands[0]!.y + 10);
  });

  it('has a legend inside the chart', async () => {
    const { page } = await opened();
    const legend = page.locator('#run-1 svg.timeline g.legend');
    expect(await legend.isVisible()).toBe(true);
    const chart = await box(page.locator('#run-1 svg.timeline'));
    const texts = await legend.locator('g.legend-item text').allTextContents();
    expect(texts).toEqual(
      expect.arrayContaining([
        'fault active (shaded across the chart)',
        'check passed',
        'check failed',
        'p50 latency',
        'p95 latency',
        'p99 latency',
        'failed requests',
      ]),
    );
    for (const item of await legend.locator('g.legend-item').all()) {
      const itemBox = await box(item);
      expect(itemBox.x + itemBox.width).toBeLessThanOrEqual(chart.x + chart.width);
    }
  });

  /*
   * The screenshot is checked for facts about its pixels rather than compared with a reference image:
   * text rendering changes with every Chromium and font update, so a reference either breaks on harmless
   * changes or needs a tolerance that would also let a missing or misplaced band through. Solid fills
   * are rendered exactly, so these facts hold on every run: the band colour fills each fault's interval
   * and stops at its ends, the samples show in their colours, the verdict shows in its colour.
   */
  it('screenshot: the band colour fills exactly each fault interval, samples and verdict show their colours', async () => {
    const { page } = await opened();
    const shot = decodePng(await page.screenshot({ fullPage: true, animations: 'disabled' }));
    const band = hexColour(COLORS.faultBand);

    for (const [faultId, span] of [
      ['pause-a#1', PAUSE_A],
      ['slow-b#1', DELAY_B],
    ] as const) {
      const rect = await box(page.locator(`#run-1 g.fault[data-fault="${faultId}"] rect.fault-band`));
      const row = Math.round(rect.y + 3);
      const from = await pageX(page, span.startMs);
      const to = await pageX(page, span.endMs);
      const inside = pixelsOf(shot, Math.ceil(from) + 1, Math.floor(to) - 1, row);
      expect(inside.every((pixel) => same(pixel, band))).toBe(true);
      // Left and right of the interval, on the same row: no band colour at all.
      const chart = await box(page.locator('#run-1 svg.timeline'));
      const before = pixelsOf(shot, Math.ceil(chart.x), Math.floor(from) - 2, row);
      const after = pixelsOf(shot, Math.ceil(to) + 2, Math.floor(chart.x + chart.width) - 1, row);
      expect(before.filter((pixel) => same(pixel, band))).toEqual([]);
      expect(after.filter((pixel) => same(pixel, band))).toEqual([]);
    }

    const panel = await box(
      page.locator('#run-1 g.probe-panel[data-probe="checkout responds"] rect.panel-bg'),
    );
    const colours = area(shot, panel);
    expect(colours.filter((pixel) => near(pixel, hexColour(COLORS.pass))).length).toBeGreaterThan(20);
    expect(colours.filter((pixel) => near(pixel, hexColour(COLORS.fail))).length).toBeGreaterThan(10);

    const header = await box(page.locator('header#verdict'));
    expect(
      shot.rgb(Math.round(header.x + header.width - 12), Math.round(header.y + header.height - 8)),
    ).toEqual([255, 235, 233]);
  });
});

function pixelsOf(shot: Bitmap, fromX: number, toX: number, y: number): [number, number, number][] {
  const pixels: [number, number, number][] = [];
  for (let x = fromX; x <= toX; x++) pixels.push(shot.rgb(x, y));
  return pixels;
}

function area(shot: Bitmap, rect: Box): [number, number, number][] {
  const pixels: [number, number, number][] = [];
  for (let y = Math.ceil(rect.y); y < Math.floor(rect.y + rect.height); y++)
    pixels.push(...pixelsOf(shot, Math.ceil(rect.x), Math.floor(rect.x + rect.width) - 1, y));
  return pixels;
}

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.every((value, i) => value === b[i]);
}

/** Within anti-aliasing of the colour: a marker's core pixels. */
function near(a: readonly number[], b: readonly number[]): boolean {
  return a.every((value, i) => Math.abs(value - b[i]!) <= 12);
}
