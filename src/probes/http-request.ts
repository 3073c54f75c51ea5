import http from 'node:http';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { withContentLength } from '../util/http-headers.js';

/**
 * One HTTP request as a probe sends it, with Node's own client (loaded with the process; `fetch` loads
 * a second client on first use, tens of milliseconds on the first probe's path). Each request has a
 * connection of its own: a sample never reuses a socket a fault left half-open, and no idle socket
 * outlives the run. Redirects are not followed; a compressed body is decoded, as fetch decodes it.
 */
export interface HttpRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** Sends `request`; rejects with the client's error, or with `signal`'s reason once it aborts. */
export async function sendHttp(
  request: HttpRequest,
  signal: AbortSignal,
  maxBody: number,
): Promise<HttpAnswer> {
  const url = new URL(request.url);
  const transport = url.protocol === 'https:' ? await import('node:https') : http;
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const outgoing = transport.request(url, {
      method: request.method,
      headers: withContentLength(request.headers, request.body),
      agent: false,
      // Plain HTTP names no TLS server: saying so spares Node testing the host for an IP address (its
      // IPv6 expression compiles on first use). https works the name out from the host, as it must.
      ...(url.protocol === 'http:' ? { servername: '' } : {}),
    });
    const abort = () => {
      outgoing.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', abort, { once: true });
    const fail = (error: unknown) => {
      signal.removeEventListener('abort', abort);
      outgoing.destroy();
      reject(error);
    };
    outgoing.on('error', fail);
    outgoing.on('response', (response) => {
      readText(decoded(response), maxBody).then((body) => {
        signal.removeEventListener('abort', abort);
        resolve({ status: response.statusCode ?? 0, body });
      }, fail);
    });
    outgoing.end(request.body);
  });
}

/** The response body as sent, or through the decoder its content-encoding names. */
function decoded(response: http.IncomingMessage): Readable {
  const encoding = response.headers['content-encoding']?.trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (!decoder) return response;
  response.on('error', (error) => decoder.destroy(error));
  response.on('close', () => {
    if (!response.complete) decoder.destroy(cutShort());
  });
  return response.pipe(decoder);
}

/**
 * Reads a body to its end as UTF-8 (a byte-order mark dropped, as fetch drops it), keeping at most
 * `maxBody` characters. A connection closed before the end is an error.
 */
function readText(stream: Readable, maxBody: number): Promise<string> {
  // A character takes at most 3 bytes per UTF-16 unit: this many bytes always hold `maxBody` of them.
  const keep = maxBody * 3;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    stream.on('data', (chunk: Buffer) => {
      if (kept >= keep) return;
      chunks.push(chunk);
      kept += chunk.length;
    });
    stream.on('error', reject);
    stream.on('end', () => {
      const text = new TextDecoder().decode(Buffer.concat(chunks, Math.min(kept, keep)));
      resolve(text.length > maxBody ? text.slice(0, maxBody) : text);
    });
    stream.on('close', () => {
      if (!stream.readableEnded) reject(cutShort());
    });
  });
}

function cutShort(): Error {
  return Object.assign(new Error('the connection closed before the whole answer arrived'), {
    code: 'ECONNRESET',
  });
}
