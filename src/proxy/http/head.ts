/** HTTP/1.x message heads: finding their end, reading the start line and the headers. */

export const MAX_HEAD_BYTES = 64 * 1024;

export interface MessageHead {
  /** Request: method, target and version; response: version, status and reason. */
  start: [string, string, string];
  /** Header names lower-case, in order; repeated headers appear repeatedly. */
  headers: [string, string][];
}

/** Where the head ends (the index just past its blank line), or -1 when it has not all arrived. */
export function headEnd(buffer: Buffer): number {
  const at = buffer.indexOf('\r\n\r\n', 0, 'latin1');
  return at < 0 ? -1 : at + 4;
}

/** The head's start line and headers, or undefined when it is not a well-formed head. */
export function parseHead(raw: Buffer): MessageHead | undefined {
  const lines = raw.toString('latin1', 0, raw.length - 4).split('\r\n');
  const first = lines[0] ?? '';
  const a = first.indexOf(' ');
  const b = first.indexOf(' ', a + 1);
  if (a <= 0) return undefined;
  const start: [string, string, string] =
    b < 0
      ? [first.slice(0, a), first.slice(a + 1), '']
      : [first.slice(0, a), first.slice(a + 1, b), first.slice(b + 1)];
  const headers: [string, string][] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return { start, headers };
}

export function header(head: MessageHead, name: string): string | undefined {
  for (const [key, value] of head.headers) if (key === name) return value;
  return undefined;
}

/** True when a comma-separated header (Connection, Transfer-Encoding) lists `token`. */
export function headerHas(head: MessageHead, name: string, token: string): boolean {
  for (const [key, value] of head.headers) {
    if (key !== name) continue;
    for (const part of value.split(',')) if (part.trim().toLowerCase() === token) return true;
  }
  return false;
}

/** Whether the connection stays open after this message, by its version and Connection header. */
export function keepsAlive(head: MessageHead, version: string): boolean {
  if (headerHas(head, 'connection', 'close')) return false;
  if (version === 'HTTP/1.0') return headerHas(head, 'connection', 'keep-alive');
  return true;
}

const REQUEST_LINE = /^[A-Z][A-Z_-]{0,31} [^\s]+ HTTP\/1\.[01]\r?\n/;
const REQUEST_PREFIXES = [
  /^[A-Z][A-Z_-]{0,31}$/,
  /^[A-Z][A-Z_-]{0,31} [^\s]*$/,
  /^[A-Z][A-Z_-]{0,31} [^\s]+ $/,
];
const VERSION = 'HTTP/1.';

/**
 * Whether the first bytes of a connection can start an HTTP/1.x request: 'yes' once a whole request
 * line is there, 'maybe' while they are a prefix of one, 'no' as soon as they cannot be.
 */
export function looksLikeHttp(bytes: Buffer): 'yes' | 'no' | 'maybe' {
  const text = bytes.toString('latin1', 0, Math.min(bytes.length, 8192));
  const newline = text.indexOf('\n');
  if (newline >= 0) return REQUEST_LINE.test(text.slice(0, newline + 1)) ? 'yes' : 'no';
  if (text.length >= 8192) return 'no';
  if (REQUEST_PREFIXES.some((prefix) => prefix.test(text))) return 'maybe';
  const space = text.lastIndexOf(' ');
  const tail = text.slice(space + 1);
  const line = text.slice(0, space + 1);
  if (space > 0 && /^[A-Z][A-Z_-]{0,31} [^\s]+ $/.test(line) && isVersionPrefix(tail)) return 'maybe';
  return 'no';
}

function isVersionPrefix(tail: string): boolean {
  if (tail.length <= VERSION.length) return VERSION.startsWith(tail);
  return /^HTTP\/1\.[01]\r?$/.test(tail);
}
