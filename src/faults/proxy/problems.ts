import type { ProxyConfig, ProxyEvent } from './config.js';

/**
 * What the proxy saw that kept an HTTP fault from acting: connections whose first bytes were not an
 * HTTP/1.x request. They were passed through untouched, so the fault never applied to that traffic, and
 * a run that went on to pass would say nothing about it: the family turns this into the fault's problem.
 */

/** Names what the first bytes look like, when they look like something. */
function looksLike(event: Extract<ProxyEvent, { event: 'not-http' }>): string | undefined {
  if (event.from === 'server') return 'the server spoke first, as databases and mail servers do';
  if (event.firstBytes.startsWith('\\x16\\x03'))
    return 'a TLS handshake: HTTPS cannot be faulted by HTTP faults';
  if (event.firstBytes.startsWith('PRI * HTTP/2'))
    return 'HTTP/2 (cleartext or gRPC), which HTTP faults do not handle';
  return undefined;
}

/** One sentence per listener that saw traffic it could not fault, or undefined when all was HTTP. */
export function notHttpProblem(config: ProxyConfig, events: readonly ProxyEvent[]): string | undefined {
  const problems = events.flatMap((event) => {
    if (event.event !== 'not-http') return [];
    const listener = config.listeners.find((candidate) => candidate.id === event.listener);
    const where = listener ? `${listener.upstream.host}:${listener.upstream.port}` : event.listener;
    const like = looksLike(event);
    return [
      `traffic to ${where} is not plaintext HTTP/1.x (first bytes "${event.firstBytes}"${like ? `: ${like}` : ''}); it passed through untouched`,
    ];
  });
  if (problems.length === 0) return undefined;
  return `${[...new Set(problems)].join('; ')}. HTTP faults need plaintext HTTP/1.1: for any other TCP protocol use a TCP toxic (e.g. tcp-latency, tcp-reset-peer)`;
}
