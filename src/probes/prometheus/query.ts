import { formatDuration } from '../../util/duration.js';
import { checkHeaders } from '../../util/http-headers.js';
import { sendHttp } from '../http-request.js';
import { ProbeFailure } from '../observation.js';
import { PrometheusError, parseQueryAnswer, type QueryResult } from './answer.js';

/** An instant query: the server's base URL (a path prefix is kept), the PromQL text, optional headers. */
export interface PrometheusQuery {
  url: string;
  query: string;
  headers?: Record<string, string> | undefined;
}

/** What the prometheus probe saw: the query's result, before any bound is applied. */
export interface PrometheusObservation {
  kind: 'prometheus';
  result: QueryResult;
  latencyMs: number;
}

/** The query API's answers are JSON; a selector matching thousands of series stays well below this. */
const MAX_BODY = 8 * 1024 * 1024;

/**
 * Sends `GET <url>/api/v1/query?query=…` and reads the answer. Every way it can go wrong is a
 * PrometheusError, kind 'error': a query Prometheus refuses is the author's to fix, and a server that
 * does not answer is the environment's, not the system under test's.
 */
export async function queryPrometheus(
  spec: PrometheusQuery,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<PrometheusObservation> {
  const checked = checkHeaders(spec.headers);
  if (!checked.ok) throw new PrometheusError(checked.problem, 'request');
  const url = queryUrl(spec.url, spec.query, timeoutMs);
  const where = `Prometheus at ${shown(url)}`;
  const started = performance.now();
  const timeout = AbortSignal.timeout(timeoutMs);
  let answer: { status: number; body: string };
  try {
    answer = await sendHttp(
      { url: url.href, method: 'GET', headers: { accept: 'application/json', ...checked.headers } },
      AbortSignal.any([signal, timeout]),
      MAX_BODY,
    );
  } catch (error) {
    if (signal.aborted) throw new ProbeFailure('cancelled', 'error');
    if (timeout.aborted)
      throw new PrometheusError(`${where} gave no answer within ${formatDuration(timeoutMs)}`, 'unreachable');
    throw new PrometheusError(`${where} did not answer: ${describeError(error)}`, 'unreachable');
  }
  if (answer.body.length >= MAX_BODY) {
    throw new PrometheusError(
      `${where} answered with more than ${MAX_BODY / 1024 / 1024} MiB: aggregate the query (sum by, topk)`,
      'answer',
    );
  }
  return {
    kind: 'prometheus',
    result: parseQueryAnswer(answer.status, answer.body),
    latencyMs: performance.now() - started,
  };
}

/**
 * The API URL under the base URL's path, with the query and the server-side timeout (so Prometheus
 * stops evaluating a query nobody waits for any more).
 */
export function queryUrl(base: string, query: string, timeoutMs: number): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/query`;
  url.searchParams.set('query', query);
  url.searchParams.set('timeout', `${Math.max(1, Math.round(timeoutMs))}ms`);
  return url;
}

/** The URL without credentials nor query string, for messages. */
function shown(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/api\/v1\/query$/, '')}`;
}

function describeError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset';
  if (code === 'ENOTFOUND') return 'host not found';
  const flat = message?.replace(/\s+/g, ' ').trim();
  const text = code ? `${code}${flat ? `: ${flat}` : ''}` : (flat ?? String(error));
  // A client's message about a header may quote the header's value: never pass it on.
  return /header/i.test(text) ? 'the HTTP client refused a header (its value is not shown)' : text;
}
