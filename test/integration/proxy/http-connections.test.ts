import http from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../../support/containers.js';
import { ProxyFaults } from '../../support/proxy-faults.js';
import { rawExchange, request, statusesIn } from '../../support/proxy-http.js';
import { ProxyLab, tcpSession } from '../../support/proxy-lab.js';

/**
 * HTTP faults are per request, not per connection: a keep-alive client and a client that pipelines
 * requests on one connection see each request faulted or not by its own route, in order, and a
 * WebSocket Upgrade switched by the server passes through untouched while the fault holds.
 */
const lab = new ProxyLab(uniquePrefix('pxconn'));
const faults = new ProxyFaults(lab);
const api = () => lab.get('api').ip;
const ABORT_ITEM =
  '  - http-abort: { target: { service: api }, port: 8080, status: 503, match: { path: /item } }';

beforeAll(async () => {
  await lab.start(['api']);
  await faults.captureBaseline();
});

afterAll(async () => {
  await faults.dispose();
  await lab.remove();
});

describe('HTTP faults on keep-alive, pipelined and upgraded connections', () => {
  it('a keep-alive client: each request on the one connection is faulted by its own route', async () => {
    await faults.hold([ABORT_ITEM], async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const results = [];
      for (let index = 0; index < 10; index++) {
        results.push(await request(api(), index % 2 === 0 ? '/item' : '/health', { agent }));
      }
      agent.destroy();
      console.log(
        `[proxy] keep-alive: ${results.map((result) => `${result.status}${result.reused ? 'r' : ''}`).join(' ')}`,
      );
      expect(results.map((result) => result.status)).toEqual([
        503, 200, 503, 200, 503, 200, 503, 200, 503, 200,
      ]);
      expect(results.slice(1).every((result) => result.reused)).toBe(true);
      expect(results[1]!.body.toString()).toBe('ok GET /health');
    });
  });

  it('pipelined requests: answered in order, each faulted by its own route', async () => {
    await faults.hold([ABORT_ITEM], async () => {
      const one = (path: string) => `GET ${path} HTTP/1.1\r\nHost: api\r\n\r\n`;
      const paths = ['/item', '/health', '/item/2', '/other', '/item'];
      // Every request in one write: the proxy reads them from one buffer.
      // Complete: five status lines, the last (an abort with no body) ended by its blank line.
      const received = await rawExchange(
        api(),
        paths.map(one).join(''),
        (bytes) => statusesIn(bytes).length === paths.length && bytes.toString('latin1').endsWith('\r\n\r\n'),
      );
      const text = received.toString('latin1');
      console.log(`[proxy] pipelined: ${statusesIn(received).join(' ')}`);
      expect(statusesIn(received)).toEqual([503, 200, 503, 200, 503]);
      expect(text.indexOf('ok GET /health')).toBeGreaterThan(0);
      expect(text.indexOf('ok GET /health')).toBeLessThan(text.indexOf('ok GET /other'));
    });
  });

  it('pipelined requests before a reset one are answered, then the connection is reset', async () => {
    await faults.hold(
      ['  - http-reset: { target: { service: api }, port: 8080, match: { path: /item } }'],
      async () => {
        const one = (path: string) => `GET ${path} HTTP/1.1\r\nHost: api\r\n\r\n`;
        const outcomes = [];
        for (let index = 0; index < 10; index++) {
          outcomes.push(
            await tcpSession(api(), 8080, {
              send: one('/health') + one('/other') + one('/item') + one('/health'),
            }),
          );
        }
        console.log(
          `[proxy] pipelined before a reset: ${outcomes.map((outcome) => `${statusesIn(outcome.bytes).join('+')} ${outcome.outcome}`).join(', ')}`,
        );
        for (const outcome of outcomes) {
          expect(statusesIn(outcome.bytes)).toEqual([200, 200]);
          expect(outcome.bytes.toString('latin1')).toMatch(/ok GET \/health[\s\S]*ok GET \/other$/);
          // The proxy resets the connection (RST) once those answers are out. Linux hands a client
          // a reset that arrives behind data it has not read yet as an end of stream (a loopback
          // probe writing 100 bytes then resetting: 200 of 200 ends), so either is a reset here;
          // what matters is that nothing answers /item or the request after it.
          expect(['ECONNRESET', 'done']).toContain(outcome.outcome);
        }
      },
    );
  });

  it('a WebSocket Upgrade passes through during a fault, bytes echoed untouched', async () => {
    await faults.hold([ABORT_ITEM], async () => {
      const upgrade = [
        'GET /ws HTTP/1.1',
        'Host: api',
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
        '',
        '',
      ].join('\r\n');
      // After the switch, bytes that look like a request the fault matches: passed on, not aborted.
      const payload = 'GET /item HTTP/1.1\r\nHost: api\r\n\r\n\x81\x05hello';
      const received = await rawExchange(api(), upgrade, (bytes) =>
        bytes.toString('latin1').includes('\r\n\r\n'),
      );
      expect(received.toString('latin1')).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
      const echoed = await upgradedEcho(upgrade, payload);
      console.log(`[proxy] upgrade during http-abort: ${JSON.stringify(echoed)}`);
      expect(echoed).toBe(payload);
    });
  });
});

/** Switches a connection with `upgrade`, then writes `payload` and returns what comes back after the 101. */
function upgradedEcho(upgrade: string, payload: string): Promise<string> {
  let wrote = false;
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect({ host: api(), port: 8080 }, () => socket.write(upgrade));
    socket.setTimeout(5000, () => socket.destroy(new Error(`no echo within 5 s: ${JSON.stringify(text)}`)));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!wrote) {
        wrote = true;
        socket.write(Buffer.from(payload, 'latin1'));
      }
      const after = text.slice(end + 4);
      if (after.length >= payload.length) {
        socket.destroy();
        resolve(after);
      }
    });
    socket.on('error', reject);
  });
}
