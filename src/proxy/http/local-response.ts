import { STATUS_CODES } from 'node:http';

/** The bytes of a response the proxy gives itself (an abort), with a Content-Length. */
export function localResponse(
  status: number,
  body: string | undefined,
  headers: Record<string, string> | undefined,
  close: boolean,
): Buffer {
  const payload = Buffer.from(body ?? '', 'utf8');
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}`];
  const given = new Set(Object.keys(headers ?? {}).map((name) => name.toLowerCase()));
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!['content-length', 'transfer-encoding', 'connection'].includes(name.toLowerCase())) {
      lines.push(`${name}: ${value}`);
    }
  }
  if (!given.has('content-type') && payload.length > 0) lines.push('content-type: text/plain; charset=utf-8');
  lines.push(`content-length: ${payload.length}`);
  if (close) lines.push('connection: close');
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}
