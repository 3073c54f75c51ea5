import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../../support/containers.js';
import { ProxyFaults } from '../../support/proxy-faults.js';
import { request, tally, timedCallsFrom } from '../../support/proxy-http.js';
import { echoRoundTrip, median, medianOf, ProxyLab, pattern } from '../../support/proxy-lab.js';

/**
 * HTTP faults on real containers, measured as a client sees them: which requests are hit (and that
 * the others, and other ports, are not), how fast a slowed body comes, and an outbound delay on the
 * calls one container makes to another. After each revert the containers' iptables and process
 * lists equal the baseline and no proxy is left on the host.
 */
const lab = new ProxyLab(uniquePrefix('pxhttp'));
const faults = new ProxyFaults(lab);
const api = () => lab.get('api').ip;

beforeAll(async () => {
  await lab.start(['api', 'web']);
  await faults.captureBaseline();
});

afterAll(async () => {
  await faults.dispose();
  await lab.remove();
});

describe('HTTP faults through the proxy', () => {
  it('http-reset: matched requests see a reset, other routes and other ports are untouched', async () => {
    const echoBefore = await medianOf(9, () => echoRoundTrip(api()));
    await faults.hold(
      ['  - http-reset: { target: { service: api }, port: 8080, match: { path: /item } }'],
      async () => {
        const item = await tally(20, () => request(api(), '/item/7'));
        const health = await tally(20, () => request(api(), '/health'));
        const echo = await medianOf(9, () => echoRoundTrip(api()));
        console.log(
          `[proxy] http-reset on /item: /item/7 ${JSON.stringify(item)}, /health ${JSON.stringify(health)}, echo port p50 ${echo.toFixed(1)} ms (was ${echoBefore.toFixed(1)})`,
        );
        expect(item).toEqual({ ECONNRESET: 20 });
        expect(health).toEqual({ 200: 20 });
        expect(echo).toBeLessThan(echoBefore + 20);
      },
    );
    expect(await tally(5, () => request(api(), '/item/7'))).toEqual({ 200: 5 });
  });

  it('http-slow-body: the body arrives at about the asked rate, complete', async () => {
    const size = 20_000;
    const direct = await request(api(), `/big?n=${size}`);
    await faults.hold(
      ['  - http-slow-body: { target: { service: api }, port: 8080, rate: 80kbit, match: { path: /big } }'],
      async ([plan]) => {
        const action = plan!.config.listeners[0]!.http![0]!.action;
        const rate = action.type === 'slow-body' ? action.bytesPerSecond : 0;
        // One keep-alive connection: the paced answer, then an unmatched request after it.
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const result = await request(api(), `/big?n=${size}`, { agent });
        const measured = size / (result.ms / 1000);
        const other = await request(api(), '/health', { agent });
        // Five more short paced answers (2000 bytes: 0.2 s each), each followed by /health.
        const after: number[] = [];
        for (let round = 0; round < 5; round++) {
          expect((await request(api(), '/big?n=2000', { agent })).body.equals(pattern(2000))).toBe(true);
          after.push((await request(api(), '/health', { agent })).ms);
        }
        agent.destroy();
        console.log(
          `[proxy] http-slow-body ${rate} B/s: ${measured.toFixed(0)} B/s over ${result.ms.toFixed(0)} ms (direct ${direct.ms.toFixed(1)} ms); /health after it ${other.ms.toFixed(1)} ms, after 0.2 s ones p50 ${median(after).toFixed(1)} ms`,
        );
        expect(result.status).toBe(200);
        expect(result.body.equals(pattern(size))).toBe(true);
        // The body goes out a twentieth of a second's worth every 50 ms, the first slice at once: at
        // most one slice (50 ms over ~2 s, 2.5%) faster than the rate; timers only ever make it slower,
        // by as much as a busy host delays them.
        expect(measured).toBeLessThan(rate * 1.05);
        expect(measured).toBeGreaterThan(rate * 0.75);
        expect(direct.ms).toBeLessThan(200);
        expect(other).toMatchObject({ status: 200, reused: true });
        expect(other.body.toString()).toBe('ok GET /health');
        // The request after a paced answer is not paced itself: no wait for a 50 ms slice that
        // has no bytes left (a timer that could never fire early would make each one 50 ms or more).
        expect(median(after)).toBeLessThan(30);
      },
    );
  });

  it('matches by method, path pattern and header: only requests with all three are aborted', async () => {
    const step =
      "  - http-abort: { target: { service: api }, port: 8080, status: 503, match: { method: POST, path-pattern: '^/orders/[0-9]+$', headers: { x-chaos: on } } }";
    await faults.hold([step], async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const send = (method: string, path: string, headers: Record<string, string>) => () =>
        request(api(), path, { method, headers, agent });
      const chaos = { 'x-chaos': 'on' };
      const seen = {
        'POST /orders/12 x-chaos:on': await tally(20, send('POST', '/orders/12', chaos)),
        'GET /orders/12 x-chaos:on': await tally(20, send('GET', '/orders/12', chaos)),
        'POST /orders/12': await tally(20, send('POST', '/orders/12', {})),
        'POST /orders/12 x-chaos:off': await tally(20, send('POST', '/orders/12', { 'x-chaos': 'off' })),
        'POST /orders/abc x-chaos:on': await tally(20, send('POST', '/orders/abc', chaos)),
        'POST /orders/12/items x-chaos:on': await tally(20, send('POST', '/orders/12/items', chaos)),
        'POST /orders/12?q=1 x-chaos:on': await tally(20, send('POST', '/orders/12?q=1', chaos)),
      };
      agent.destroy();
      console.log(`[proxy] http-abort matching: ${JSON.stringify(seen)}`);
      expect(seen).toEqual({
        'POST /orders/12 x-chaos:on': { 503: 20 },
        'GET /orders/12 x-chaos:on': { 200: 20 },
        'POST /orders/12': { 200: 20 },
        'POST /orders/12 x-chaos:off': { 200: 20 },
        'POST /orders/abc x-chaos:on': { 200: 20 },
        'POST /orders/12/items x-chaos:on': { 200: 20 },
        // The pattern is matched against the path without the query.
        'POST /orders/12?q=1 x-chaos:on': { 503: 20 },
      });
    });
  });

  it('an outbound http-delay delays the calls web makes to api, not the calls others make to api', async () => {
    const web = lab.get('web').name;
    const before = median((await timedCallsFrom(web, api(), '/item', 15)).map((call) => call.ms));
    const hostBefore = await medianOf(15, async () => (await request(api(), '/item')).ms);
    await faults.hold(
      ['  - http-delay: { target: { service: web }, to: { service: api }, ports: 8080, latency: 200ms }'],
      async () => {
        const calls = await timedCallsFrom(web, api(), '/item', 15);
        const fromWeb = median(calls.map((call) => call.ms));
        const fromHost = await medianOf(15, async () => (await request(api(), '/item')).ms);
        console.log(
          `[proxy] outbound http-delay 200ms: web -> api p50 ${fromWeb.toFixed(1)} ms (was ${before.toFixed(1)}), host -> api p50 ${fromHost.toFixed(1)} ms (was ${hostBefore.toFixed(1)})`,
        );
        expect(calls.every((call) => call.status === 200)).toBe(true);
        // A timer of 200 ms per request: never early; the median late by scheduling only.
        expect(fromWeb - before).toBeGreaterThan(195);
        expect(fromWeb - before).toBeLessThan(240);
        expect(fromHost).toBeLessThan(hostBefore + 20);
      },
    );
  });
});
