import { composeDefault, translateComposeValue } from './compose-value.js';

/**
 * A service's published ports, from compose's short syntax ("8080:80", "127.0.0.1:8080:80/tcp") and
 * long syntax ({target, published, host_ip, protocol}, as `docker compose config` writes it). Only a
 * fixed TCP host port can be probed: a range, a random host port, UDP or a variable with no default is
 * skipped, with the reason.
 */
export interface PublishedPort {
  /** Where to connect from this host: the host IP compose binds, or 127.0.0.1 for all addresses. */
  host: string;
  /** The host port as faultline writes it: a number, or `${env:VAR:-8080}`. */
  port: string;
  containerPort: number;
}

export type PortResult = { port: PublishedPort } | { skipped: string };

export function publishedPort(entry: unknown): PortResult {
  if (typeof entry === 'number') return { skipped: `${entry}: no fixed host port (Docker picks one)` };
  if (typeof entry === 'string') return shortSyntax(entry);
  if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
    const long = entry as Record<string, unknown>;
    const shown = JSON.stringify(entry);
    if (long.protocol !== undefined && long.protocol !== 'tcp') return { skipped: `${shown}: not TCP` };
    if (long.published === undefined || long.published === null || long.published === '') {
      return { skipped: `${shown}: no fixed host port (Docker picks one)` };
    }
    return fixed(
      shown,
      stringOf(long.host_ip) ?? '',
      stringOf(long.published) ?? '',
      stringOf(long.target) ?? '',
    );
  }
  return { skipped: `${JSON.stringify(entry)}: not a port` };
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function shortSyntax(entry: string): PortResult {
  const [spec, protocol = 'tcp'] = entry.split('/');
  if (protocol !== 'tcp') return { skipped: `${entry}: not TCP` };
  const parts = splitOutside(spec ?? '');
  if (parts.length === 1) return { skipped: `${entry}: no fixed host port (Docker picks one)` };
  if (parts.length > 3) return { skipped: `${entry}: not a port mapping faultline reads` };
  const [ip, host, container] = parts.length === 3 ? parts : ['', parts[0], parts[1]];
  return fixed(entry, ip ?? '', host ?? '', container ?? '');
}

/** Splits on ":" outside `${...}` and `[...]` (an IPv6 address). */
function splitOutside(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '{' || char === '[') depth++;
    if (char === '}' || char === ']') depth = Math.max(0, depth - 1);
    if (char === ':' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

const PORT = /^\d{1,5}$/;

function fixed(shown: string, ip: string, host: string, container: string): PortResult {
  if (host === '') return { skipped: `${shown}: no fixed host port (Docker picks one)` };
  const translated = translateComposeValue(host);
  if ('unresolved' in translated) {
    return {
      skipped: `${shown}: the host port is ${translated.unresolved}, with no default to fall back on`,
    };
  }
  const hostDefault = composeDefault(host) ?? '';
  const containerDefault = composeDefault(container) ?? '';
  if (hostDefault.includes('-') || containerDefault.includes('-'))
    return { skipped: `${shown}: a port range` };
  if (!isPort(hostDefault) || !isPort(containerDefault)) return { skipped: `${shown}: not a port number` };
  const address = composeDefault(ip)?.replace(/^\[|\]$/g, '') ?? '';
  const anyAddress = address === '' || address === '0.0.0.0' || address === '::';
  return {
    port: {
      host: anyAddress ? '127.0.0.1' : address,
      port: translated.text,
      containerPort: Number(containerDefault),
    },
  };
}

function isPort(text: string): boolean {
  return PORT.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}
