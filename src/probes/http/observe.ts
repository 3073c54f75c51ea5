import type { ProbeSpec } from '../../experiment/schema.js';
import { formatDuration } from '../../util/duration.js';
import { checkHeaders } from '../../util/http-headers.js';
import { sendHttp } from '../http-request.js';
import { type Observation, ProbeFailure } from '../observation.js';

type HttpSpec = NonNullable<ProbeSpec['http']>;
const MAX_BODY = 1024 * 1024;

export async function observeHttp(
  spec: HttpSpec,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Observation> {
  // A header the client would refuse is reported by name, never by value (clients quote the value).
  const checked = checkHeaders(spec.headers);
  if (!checked.ok) throw new ProbeFailure(checked.problem, 'error');
  const headers = { ...checked.headers };
  let body: string | undefined;
  if (typeof spec.body === 'string') body = spec.body;
  else if (spec.body !== undefined) {
    body = JSON.stringify(spec.body);
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
  }
  if (body !== undefined && (spec.method === 'GET' || spec.method === 'HEAD')) {
    throw new ProbeFailure(`a ${spec.method} request cannot have a body: use POST, PUT or PATCH`, 'error');
  }
  const started = performance.now();
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    // A URL with credentials is refused when the file is validated.
    const answer = await sendHttp(
      { url: spec.url, method: spec.method, headers, body },
      AbortSignal.any([signal, timeout]),
      MAX_BODY,
    );
    return { kind: 'http', status: answer.status, body: answer.body, latencyMs: performance.now() - started };
  } catch (error) {
    if (timeout.aborted)
      throw new ProbeFailure(`no answer within ${formatDuration(timeoutMs)}`, 'unreachable');
    if (signal.aborted) throw new ProbeFailure('cancelled', 'error');
    throw new ProbeFailure(describeRequestError(error), 'unreachable');
  }
}

function describeRequestError(error: unknown): string {
  const { code, message: raw } = error as { code?: string; message?: string };
  // OpenSSL's messages end with a line break and may hold several: one line for a report cell.
  const message = raw?.replace(/\s+/g, ' ').trim();
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset';
  if (code === 'ENOTFOUND') return 'host not found';
  const text = code ? `${code}${message ? `: ${message}` : ''}` : (message ?? String(error));
  // A client's message about a header may quote the header's value: never pass it on.
  return /header/i.test(text) ? 'the HTTP client refused a header (its value is not shown)' : text;
}
