import { describe, expect, it } from 'vitest';
import type { ProxyConfig } from '../../../../src/faults/proxy/config.js';
import { notHttpProblem } from '../../../../src/faults/proxy/problems.js';

const config: ProxyConfig = {
  runId: 'r1',
  listeners: [
    {
      id: 'f1',
      listen: { host: '0.0.0.0', port: 47000 },
      upstream: { host: '10.0.0.2', port: 5432 },
      protocol: 'http',
      http: [],
    },
  ],
  upstreamSourcePorts: { from: 30000, to: 32767 },
  drainMs: 1000,
  seed: 1,
};

describe('traffic an HTTP fault could not act on', () => {
  it('is no problem when the proxy saw only HTTP', () => {
    expect(notHttpProblem(config, [{ event: 'ready', pid: 1, listeners: [{ id: 'f1', port: 47000 }] }])).toBe(
      undefined,
    );
  });

  it('names the route, the first bytes and the way out for a server that speaks first', () => {
    expect(
      notHttpProblem(config, [
        { event: 'not-http', listener: 'f1', from: 'server', firstBytes: 'R\\x00\\x00' },
      ]),
    ).toBe(
      'traffic to 10.0.0.2:5432 is not plaintext HTTP/1.x (first bytes "R\\x00\\x00": the server spoke first, as databases and mail servers do); it passed through untouched. HTTP faults need plaintext HTTP/1.1: for any other TCP protocol use a TCP toxic (e.g. tcp-latency, tcp-reset-peer)',
    );
  });

  it('recognises a TLS handshake and HTTP/2 from the client', () => {
    const tls = notHttpProblem(config, [
      { event: 'not-http', listener: 'f1', from: 'client', firstBytes: '\\x16\\x03\\x01\\x02' },
    ]);
    expect(tls).toContain('a TLS handshake: HTTPS cannot be faulted by HTTP faults');
    const h2 = notHttpProblem(config, [
      { event: 'not-http', listener: 'f1', from: 'client', firstBytes: 'PRI * HTTP/2.0\\x0d\\x0a' },
    ]);
    expect(h2).toContain('HTTP/2 (cleartext or gRPC)');
  });
});
