import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO } from '../../support/cli.js';
import { waitFor } from '../../support/containers.js';
import { freePort } from '../../support/ports.js';

/**
 * The patterns gateway's /metrics and its METRICS switch, with the gateway run as a process on
 * loopback (its dependencies absent, so every upstream call fails at once).
 */
const GATEWAY = path.join(REPO, 'fixtures/patterns/services/gateway.mjs');
const started: ChildProcess[] = [];

/** Starts the gateway with its dependencies on a closed loopback port; resolves with its base URL. */
async function gateway(env: Record<string, string>): Promise<string> {
  const [port, closed] = [await freePort(), await freePort()];
  const nowhere = `http://127.0.0.1:${closed}`;
  const child = spawn(process.execPath, [GATEWAY], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      ORDERS: nowhere,
      RECS: nowhere,
      CATALOG: nowhere,
      PAYMENTS: nowhere,
      SCHEDULERS: nowhere,
      KV: nowhere,
      ...env,
    },
    stdio: 'ignore',
  });
  started.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the gateway', async () => (await fetch(`${url}/health`)).ok, 10_000);
  return url;
}

afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

describe('the patterns gateway /metrics', () => {
  it('counts requests and errors per route in the Prometheus text format', async () => {
    const url = await gateway({ MODE: 'resilient' });
    const first = await fetch(`${url}/metrics`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await first.text();
    expect(text).toContain('# HELP gateway_requests_total ');
    expect(text).toContain('# TYPE gateway_requests_total counter');
    expect(text).toContain('# TYPE gateway_errors_total counter');
    expect(text).toContain('gateway_errors_total{route="/catalog"} 0');

    // catalog is down: resilient, /catalog still answers 200 (degraded), yet the failed call counts.
    const catalog = await fetch(`${url}/catalog`);
    expect(catalog.status).toBe(200);
    expect(((await catalog.json()) as { degraded: boolean }).degraded).toBe(true);
    // payments is down: 502.
    expect((await fetch(`${url}/payments`, { method: 'POST', body: '{}' })).status).toBe(502);
    expect((await fetch(`${url}/`)).status).toBe(200);

    const after = await (await fetch(`${url}/metrics`)).text();
    expect(after).toContain('gateway_requests_total{route="/catalog"} 1');
    expect(after).toContain('gateway_errors_total{route="/catalog"} 1');
    expect(after).toContain('gateway_requests_total{route="/payments"} 1');
    expect(after).toContain('gateway_errors_total{route="/payments"} 1');
    expect(after).toContain('gateway_errors_total{route="/"} 0');
    expect(after).not.toContain('route="/metrics"');
  });

  it('answers 404 on /metrics with METRICS=off, and serves the rest as before', async () => {
    const url = await gateway({ MODE: 'resilient', METRICS: 'off' });
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    expect((await fetch(`${url}/catalog`)).status).toBe(200);
  });
});
