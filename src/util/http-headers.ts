/**
 * Checks request headers before they are sent, so a refused header is explained by its name and the
 * reason, never by its value: HTTP clients quote the value in their errors, and a header value is often
 * a credential. Values are trimmed of spaces, tabs and line breaks at both ends, as fetch does.
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What Node's HTTP client and fetch both accept in a value: tab, visible ASCII, and Latin-1. */
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export type CheckedHeaders = { ok: true; headers: Record<string, string> } | { ok: false; problem: string };

export function checkHeaders(headers: Record<string, string> = {}): CheckedHeaders {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (!TOKEN.test(name)) {
      return {
        ok: false,
        problem: `header name ${JSON.stringify(name)} is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_\`|~ only)`,
      };
    }
    const value = raw.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
    if (!VALUE.test(value)) {
      return {
        ok: false,
        problem: `header ${JSON.stringify(name)} has a character not allowed in an HTTP header value (${offending(value)}); its value is not shown`,
      };
    }
    out[name] = value;
  }
  return { ok: true, headers: out };
}

function offending(value: string): string {
  if (/[\r\n]/.test(value))
    return 'a line break: a multi-line value, or one read from a file with its newline?';
  if (value.includes('\0')) return 'a NUL character';
  if (/[\x00-\x1f\x7f]/.test(value)) return 'a control character';
  return 'a character outside Latin-1';
}

/** The headers with a content-length for `body` (its UTF-8 bytes), unless the author gave one. */
export function withContentLength(
  headers: Record<string, string>,
  body: string | undefined,
): Record<string, string> {
  if (body === undefined || Object.keys(headers).some((key) => key.toLowerCase() === 'content-length')) {
    return headers;
  }
  return { ...headers, 'content-length': String(Buffer.byteLength(body)) };
}
