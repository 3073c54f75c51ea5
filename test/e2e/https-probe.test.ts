import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultline, tempDir, writeExperiment } from '../support/cli.js';

/**
 * An https probe from the built CLI: the bundle loads Node's https client on first use, through the
 * loader's import. Pointed at a plain-HTTP server on loopback, the probe speaks TLS to it and is told
 * so by OpenSSL: proof that the https client was loaded and used (not refused, not a loading error).
 */
let server: http.Server;
let port: number;

beforeAll(async () => {
  server = http.createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('an https probe in the built CLI', () => {
  it('speaks TLS: against a plain-HTTP server the baseline misses with the TLS error', async () => {
    const dir = await tempDir();
    const file = await writeExperiment(
      dir,
      'https.yaml',
      `title: https probe
description: an https probe of a plain-HTTP server
hypothesis:
  - name: tls
    http: { url: "https://127.0.0.1:${port}/" }
    expect: { status: 200 }
method:
  - wait: 1ms
`,
    );
    const result = await faultline(['run', file], { env: { FAULTLINE_STATE_DIR: dir } });
    expect(result.exitCode, result.all).toBe(3);
    expect(result.all).toMatch(/baseline not met.*tls: status: expected 200, saw EPROTO: .*SSL routines/);
    expect(result.all).not.toMatch(/is not a function|Cannot find module/);
  });
});
