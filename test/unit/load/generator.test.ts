import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LoadGenerator } from '../../../src/load/generator.js';
import { statsOf } from '../../../src/load/stats.js';
import type { RequestRecord } from '../../../src/load/types.js';

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Arrival {
  at: number;
  method: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  url: string;
  arrivals: Arrival[];
}

const servers: http.Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A local server that answers each request after `delayFor(arrival time)` ms (Infinity: never). */
async function serve(delayFor: (at: number) => number, status = 200): Promise<TestServer> {
  const arrivals: Arrival[] = [];
  const server = http.createServer((request, response) => {
    const at = now();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      arrivals.push({
        at,
        method: request.method,
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const delay = delayFor(at);
      if (Number.isFinite(delay)) setTimeout(() => response.writeHead(status).end('ok'), delay);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, arrivals };
}

interface Run {
  records: RequestRecord[];
  /** When start() and stop() were called. */
  startedAt: number;
  stoppedAt: number;
}

async function run(generator: LoadGenerator, ms: number): Promise<Run> {
  const startedAt = now();
  generator.start();
  await sleep(ms);
  const stoppedAt = now();
  return { records: await generator.stop(), startedAt, stoppedAt };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = now() + timeoutMs;
  while (!condition() && now() < deadline) await sleep(5);
}

function gaps(times: number[]): number[] {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted.slice(1).map((time, i) => time - sorted[i]!);
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

// Timing bounds are loose enough for a busy two-core machine, and still far from what a closed loop
// (one request at a time, or a handful of workers) would produce.
describe('LoadGenerator', { timeout: 30_000 }, () => {
  it('keeps the rate it was given, on a schedule that does not drift', async () => {
    const server = await serve(() => 20);
    const generator = new LoadGenerator({ url: server.url, ratePerSecond: 100, timeoutMs: 10_000 });
    const { records, startedAt, stoppedAt } = await run(generator, 2000);

    // Due every 10 ms from the first one, exactly: computed from t0, never accumulated.
    const first = records[0]!.scheduledAt;
    expect(first - startedAt).toBeGreaterThanOrEqual(0);
    expect(first - startedAt).toBeLessThan(50);
    records.forEach((record, i) => {
      expect(record.scheduledAt - first).toBeCloseTo(i * 10, 6);
    });
    // Every request due before stop() was sent, and answered: 100 a second, whatever the machine did.
    // (A closed loop waiting for each 20 ms answer would have managed 50 a second.)
    const due = Math.floor((stoppedAt - first) / 10) + 1;
    expect(records.length).toBeGreaterThanOrEqual(due);
    expect(records.length).toBeLessThanOrEqual(due + 1);
    expect(records.length).toBeGreaterThanOrEqual(200);
    expect(server.arrivals.length).toBe(records.length);
    expect(records.filter((record) => !record.ok).map((record) => record.error)).toEqual([]);
    // Sent on time: never early, and the generator's own lag stays small.
    const lags = records.map((record) => record.startedAt - record.scheduledAt);
    expect(Math.min(...lags)).toBeGreaterThanOrEqual(0);
    expect(median(lags)).toBeLessThan(250);
    // The latency a user saw is the generator's lag, the server's 20 ms (Node timers may fire up to a
    // millisecond early by the precise clock), and a little more.
    for (const record of records) {
      expect(record.latencyMs).toBeGreaterThanOrEqual(record.startedAt - record.scheduledAt + 19);
    }
    const stats = statsOf(records, first, first + 1900);
    expect(stats.requests).toBe(190);
    expect(stats.p50).toBeLessThan(1000);
  });

  it('keeps sending on schedule while the service stalls, and charges the stall to every request', async () => {
    const stall = { from: Number.POSITIVE_INFINITY, until: Number.POSITIVE_INFINITY };
    const server = await serve((at) => (at >= stall.from && at < stall.until ? stall.until - at : 5));
    const generator = new LoadGenerator({ url: server.url, ratePerSecond: 100, timeoutMs: 3000 });
    const t0 = now();
    generator.start();
    stall.from = t0 + 300;
    stall.until = t0 + 1100;
    await sleep(1400);
    const records = await generator.stop();

    // Open model: 80 requests were due during the 800 ms stall, and the server saw them arrive while
    // none of them had been answered. A closed loop would have sent one (or one per worker) and waited.
    const arrived = server.arrivals.filter((arrival) => arrival.at >= stall.from && arrival.at < stall.until);
    expect(arrived.length).toBeGreaterThanOrEqual(40);
    const stalled = records.filter(
      (record) => record.scheduledAt >= stall.from && record.scheduledAt < stall.until,
    );
    expect(stalled).toHaveLength(80);
    expect(stalled.filter((record) => record.startedAt < stall.until).length).toBeGreaterThanOrEqual(40);
    expect(Math.max(...gaps(stalled.map((record) => record.startedAt)))).toBeLessThan(400);
    // Each one waited until the stall ended, counted from when it was due.
    for (const record of stalled) {
      expect(record.ok).toBe(true);
      expect(record.latencyMs).toBeGreaterThanOrEqual(stall.until - record.scheduledAt - 2);
    }
    expect(statsOf(records, stall.from, stall.until).max).toBeGreaterThanOrEqual(750);
  });

  it('sends every overdue request at once when the event loop was blocked, and records the lag', async () => {
    const server = await serve(() => 0);
    const generator = new LoadGenerator({ url: server.url, ratePerSecond: 100, timeoutMs: 2000 });
    generator.start();
    await sleep(100);
    const blockedFrom = now();
    while (now() - blockedFrom < 300) {
      // The event loop is busy: no timer can fire, no request can leave.
    }
    const blockedUntil = now();
    await sleep(100);
    const records = await generator.stop();

    // The schedule stays put: the block makes requests late, it does not move them.
    const first = records[0]!.scheduledAt;
    records.forEach((record, i) => {
      expect(record.scheduledAt - first).toBeCloseTo(i * 10, 6);
    });
    const overdue = records.filter(
      (record) => record.scheduledAt > blockedFrom && record.scheduledAt < blockedUntil - 1,
    );
    expect(overdue.length).toBeGreaterThanOrEqual(28);
    // All of them left together as soon as the loop was free, rather than one per 10 ms from then on
    // (which would take 300 ms and leave every later request late too).
    const sent = overdue.map((record) => record.startedAt);
    expect(Math.min(...sent)).toBeGreaterThanOrEqual(blockedUntil);
    expect(Math.max(...sent) - Math.min(...sent)).toBeLessThan(200);
    // Their lag is recorded, and counted in their latency.
    for (const record of overdue) {
      expect(record.startedAt - record.scheduledAt).toBeGreaterThanOrEqual(blockedUntil - record.scheduledAt);
      expect(record.latencyMs).toBeGreaterThanOrEqual(record.startedAt - record.scheduledAt);
    }
  });

  it('records a request that gets no answer in time as a timeout', async () => {
    const server = await serve(() => Number.POSITIVE_INFINITY);
    const generator = new LoadGenerator({ url: server.url, ratePerSecond: 20, timeoutMs: 200 });
    generator.start();
    await sleep(280);
    const stopping = now();
    const records = await generator.stop();

    expect(now() - stopping).toBeLessThan(1500);
    expect(records.length).toBeGreaterThanOrEqual(5);
    expect(server.arrivals.length).toBe(records.length);
    for (const record of records) {
      expect(record).toMatchObject({ ok: false, error: 'timeout' });
      expect(record.status).toBeUndefined();
      expect(record.latencyMs).toBeGreaterThanOrEqual(199);
      expect(record.latencyMs).toBeLessThan(1500);
    }
  });

  it('records a refused connection as an error', async () => {
    const closed = await serve(() => 0);
    const server = servers.pop()!;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    const generator = new LoadGenerator({ url: closed.url, ratePerSecond: 50, timeoutMs: 1000 });
    const { records } = await run(generator, 150);

    expect(records.length).toBeGreaterThanOrEqual(5);
    for (const record of records) {
      expect(record).toMatchObject({ ok: false, error: 'refused' });
      expect(record.status).toBeUndefined();
      expect(record.latencyMs).toBeLessThan(1500);
    }
  });

  it('records a connection the server drops as reset', async () => {
    const server = await serve(() => 0);
    const dropping = http.createServer((request) => request.socket.destroy());
    servers.push(dropping);
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(dropping.address() as AddressInfo).port}/`;
    const { records } = await run(new LoadGenerator({ url, ratePerSecond: 50, timeoutMs: 1000 }), 100);

    expect(records.length).toBeGreaterThanOrEqual(5);
    for (const record of records) expect(record).toMatchObject({ ok: false, error: 'reset' });
    expect(server.arrivals).toEqual([]);
  });

  it('records an unwanted status as an error, unless okStatus accepts it', async () => {
    const server = await serve(() => 0, 503);
    const failing = await run(
      new LoadGenerator({ url: server.url, ratePerSecond: 50, timeoutMs: 1000 }),
      100,
    );
    expect(failing.records.length).toBeGreaterThanOrEqual(3);
    for (const record of failing.records)
      expect(record).toMatchObject({ ok: false, status: 503, error: 'status 503' });

    const accepting = new LoadGenerator({
      url: server.url,
      ratePerSecond: 50,
      timeoutMs: 1000,
      okStatus: (status) => status === 503,
    });
    const accepted = await run(accepting, 100);
    for (const record of accepted.records) {
      expect(record).toMatchObject({ ok: true, status: 503 });
      expect(record.error).toBeUndefined();
    }
  });

  it('sends the method, headers and body it was given', async () => {
    const server = await serve(() => 0);
    const generator = new LoadGenerator({
      url: `${server.url}orders?x=1`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test': 'yes' },
      body: '{"item":"é"}',
      ratePerSecond: 20,
      timeoutMs: 1000,
    });
    await run(generator, 60);

    expect(server.arrivals.length).toBeGreaterThanOrEqual(1);
    expect(server.arrivals[0]).toMatchObject({
      method: 'POST',
      body: '{"item":"é"}',
      headers: { 'content-type': 'application/json', 'x-test': 'yes', 'content-length': '13' },
    });
  });

  it('keeps a live list of finished requests while it runs', async () => {
    const server = await serve(() => 0);
    const generator = new LoadGenerator({ url: server.url, ratePerSecond: 100, timeoutMs: 1000 });
    generator.start();
    await until(() => generator.records.length >= 3, 3000);
    expect(generator.records.length).toBeGreaterThanOrEqual(3);
    const records = await generator.stop();
    expect(records.length).toBe(generator.records.length);
    expect(() => generator.start()).toThrow(/only once/);
  });

  it('rejects a rate, a timeout or a URL it cannot use', () => {
    expect(() => new LoadGenerator({ url: 'http://127.0.0.1/', ratePerSecond: 0, timeoutMs: 1000 })).toThrow(
      RangeError,
    );
    expect(() => new LoadGenerator({ url: 'http://127.0.0.1/', ratePerSecond: 10, timeoutMs: 0 })).toThrow(
      RangeError,
    );
    expect(() => new LoadGenerator({ url: 'ftp://127.0.0.1/', ratePerSecond: 10, timeoutMs: 10 })).toThrow(
      /http/,
    );
  });

  it('fails every request with a header it cannot send, naming the header and never its value', async () => {
    const server = await serve(() => 0);
    const generator = new LoadGenerator({
      url: server.url,
      headers: { Authorization: 'Bearer gen-line-one\ngen-line-two' },
      ratePerSecond: 50,
      timeoutMs: 1000,
    });
    const { records } = await run(generator, 100);

    expect(records.length).toBeGreaterThanOrEqual(3);
    expect(server.arrivals).toEqual([]);
    for (const record of records) {
      expect(record.ok).toBe(false);
      expect(record.error).toMatch(
        /^header "Authorization" has a character not allowed in an HTTP header value \(a line break/,
      );
      expect(record.error).not.toContain('gen-line');
    }
  });

  it('sends a header value trimmed of a trailing newline, as fetch does', async () => {
    const server = await serve(() => 0);
    const generator = new LoadGenerator({
      url: server.url,
      headers: { 'x-token': 'from-a-file\n' },
      ratePerSecond: 20,
      timeoutMs: 1000,
    });
    const { records } = await run(generator, 60);
    expect(records.every((record) => record.ok)).toBe(true);
    expect(server.arrivals[0]?.headers['x-token']).toBe('from-a-file');
  });

  it('does not quote the URL when refusing its scheme', () => {
    expect(
      () => new LoadGenerator({ url: 'ftp://user:pw-1234@127.0.0.1/', ratePerSecond: 10, timeoutMs: 10 }),
    ).toThrow(/^expected an http:\/\/ or https:\/\/ URL, got ftp:$/);
  });
});
