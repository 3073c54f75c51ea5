import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeFailure } from '../../../../src/probes/observation.js';
import { PrometheusError } from '../../../../src/probes/prometheus/answer.js';
import { queryPrometheus, queryUrl } from '../../../../src/probes/prometheus/query.js';
import { type QueryApi, startQueryApi } from './query-api.js';
import { RECORDED } from './recorded-answers.js';

/** A stand-in for the query API on loopback: the query text picks a recorded answer. */
let api: QueryApi;
let base: string;
const requests: URL[] = [];

beforeAll(async () => {
  api = await startQueryApi((url, response) => {
    requests.push(url);
    if (url.pathname !== '/api/v1/query' && url.pathname !== '/prom/api/v1/query') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    const query = url.searchParams.get('query') ?? '';
    if (query === 'slow') return; // never answers
    const answer = RECORDED[query as keyof typeof RECORDED] ?? RECORDED.empty;
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  base = api.base;
});

afterAll(() => api.close());

async function failure(promise: Promise<unknown>): Promise<ProbeFailure> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProbeFailure);
    return error as ProbeFailure;
  }
  throw new Error('the query succeeded');
}

const never = new AbortController().signal;

describe('queryPrometheus', () => {
  it('sends the query to /api/v1/query under the base path and reads the result', async () => {
    const seen = await queryPrometheus({ url: `${base}/prom/`, query: 'twoSeries' }, 2000, never);
    expect(seen.kind).toBe('prometheus');
    expect(seen.result.type === 'vector' && seen.result.series.map((one) => one.value)).toEqual([1, 2]);
    const sent = requests.at(-1)!;
    expect(sent.pathname).toBe('/prom/api/v1/query');
    expect(sent.searchParams.get('query')).toBe('twoSeries');
    expect(sent.searchParams.get('timeout')).toBe('2000ms');
  });

  it('reports a refused query as an error of the probe', async () => {
    const error = await failure(queryPrometheus({ url: base, query: 'badQuery' }, 2000, never));
    expect(error).toBeInstanceOf(PrometheusError);
    expect(error.kind).toBe('error');
    expect(error.message).toMatch(/^Prometheus refused the query \(bad_data\): .*unclosed left parenthesis/);
  });

  it('reports a server that is not the query API as an error', async () => {
    const error = await failure(queryPrometheus({ url: `${base}/nothing`, query: 'up' }, 2000, never));
    expect(error.kind).toBe('error');
    expect(error.message).toBe('HTTP 404, not an answer of the Prometheus query API: 404 page not found');
  });

  it('reports a server that does not answer as an error of the environment, not of the system', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await failure(
      queryPrometheus({ url: `http://127.0.0.1:${port}`, query: 'up' }, 2000, never),
    );
    expect(refused).toMatchObject({ kind: 'error', errorType: 'unreachable' });
    expect(refused.message).toBe(`Prometheus at http://127.0.0.1:${port} did not answer: connection refused`);
    const slow = await failure(queryPrometheus({ url: base, query: 'slow' }, 200, never));
    expect(slow).toMatchObject({ kind: 'error', errorType: 'unreachable' });
    expect(slow.message).toBe(`Prometheus at ${base} gave no answer within 200ms`);
  });

  it('stops at once when the run is cancelled', async () => {
    const stop = new AbortController();
    const pending = queryPrometheus({ url: base, query: 'slow' }, 10_000, stop.signal);
    setTimeout(() => stop.abort(), 50);
    const started = performance.now();
    expect((await failure(pending)).message).toBe('cancelled');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses a header the client would refuse, without showing its value', async () => {
    const error = await failure(
      queryPrometheus(
        { url: base, query: 'up', headers: { authorization: 'Bearer s3cret\nX-Other: 1' } },
        2000,
        never,
      ),
    );
    expect(error.kind).toBe('error');
    expect(error.message).toMatch(/header "authorization"/);
    expect(error.message).not.toContain('s3cret');
  });
});

describe('queryUrl', () => {
  it('keeps the base path and encodes the query', () => {
    const url = queryUrl('http://127.0.0.1:19090', 'sum(rate(x{a="b"}[15s])) / 2', 1500);
    expect(url.href).toBe(
      'http://127.0.0.1:19090/api/v1/query?query=sum%28rate%28x%7Ba%3D%22b%22%7D%5B15s%5D%29%29+%2F+2&timeout=1500ms',
    );
    expect(queryUrl('http://h:9090/prometheus//', 'up', 1000).pathname).toBe('/prometheus/api/v1/query');
  });
});
