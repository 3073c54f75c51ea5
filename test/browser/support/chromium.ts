import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium: the tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Starts headless Chromium, or fails saying how to install it: a missing browser is not a skip. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's Chromium with "sudo apt-get install -y chromium" ` +
        '(scripts/setup-host.sh installs it)',
    );
  }
  // Playwright gives every launch a fresh temporary profile (--user-data-dir) and removes it on close.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

export interface OfflinePage {
  context: BrowserContext;
  page: Page;
  /** Every request the page made, file:// ones included. */
  requests: string[];
  /** Requests that would have left the machine: aborted before they could. */
  blocked: string[];
}

/**
 * Opens a local file in a fresh context at a fixed size and scale, with every request that is not
 * file:// aborted and recorded.
 */
export async function openOffline(browser: Browser, file: string): Promise<OfflinePage> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
    reducedMotion: 'reduce',
    serviceWorkers: 'block',
  });
  const requests: string[] = [];
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('request', (request) => {
    requests.push(request.url());
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { context, page, requests, blocked };
}
