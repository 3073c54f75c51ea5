import type { ProbeSpec } from '../experiment/schema.js';
import { formatDuration } from '../util/duration.js';
import { checkHeaders } from '../util/http-headers.js';
import { type Observation, ProbeFailure } from './observation.js';

type HttpSpec = NonNullable<ProbeSpec['http']>;
const MAX_BODY = 1024 * 1024;

export async function observeHttp(
  spec: HttpSpec,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Observation> {
  // A header fetch would refuse is reported by name, never by value (fetch quotes the value).
  const checked = checkHeaders(spec.headers);
  if (!checked.ok) throw new ProbeFailure(checked.problem, 'error');
  const headers = new Headers(checked.headers);
  let body: string | undefined;
  if (typeof spec.body === 'string') body = spec.body;
  else if (spec.body !== undefined) {
    body = JSON.stringify(spec.body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const started = performance.now();
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    // A URL with credentials is refused when the file is validated.
    const response = await fetch(spec.url, {
      method: spec.method,
      headers,
      body: body ?? null,
      redirect: 'manual',
      signal: AbortSignal.any([signal, timeout]),
    });
    const text = await readBody(response);
    return { kind: 'http', status: response.status, body: text, latencyMs: performance.now() - started };
  } catch (error) {
    if (timeout.aborted)
      throw new ProbeFailure(`no answer within ${formatDuration(timeoutMs)}`, 'unreachable');
    if (signal.aborted) throw new ProbeFailure('cancelled', 'error');
    throw new ProbeFailure(describeFetchError(error), 'unreachable');
  }
}

async function readBody(response: Response): Promise<string> {
  const text = await response.text();
  return text.length > MAX_BODY ? text.slice(0, MAX_BODY) : text;
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET') return 'connection reset';
  if (cause?.code === 'ENOTFOUND') return 'host not found';
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  // A client's message about a header quotes the header's value: never pass it on.
  return /header/i.test(message) ? 'the HTTP client refused a header (its value is not shown)' : message;
}

/**
 * Loads the machinery behind `fetch` (Node loads it on first use, some tens of milliseconds) without
 * sending anything, so that the first http probe does not pay for it.
 */
export function warmHttp(): void {
  void globalThis.Response;
}
