import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProxyConfig } from '../../../../src/faults/proxy/config.js';
import { proxyCommand, proxyMarker, startProxy } from '../../../../src/faults/proxy/start.js';

const FAKE = fileURLToPath(new URL('./fake-proxy.mjs', import.meta.url));
const config: ProxyConfig = {
  runId: '3f9a1c7e',
  listeners: [47000, 47001].map((port) => ({
    id: 'tcp-timeout-1',
    listen: { host: '127.0.0.1', port },
    upstream: { host: '172.18.0.3', port: 5432 },
    protocol: 'tcp' as const,
    toxics: [{ type: 'timeout' as const, ms: 0 }],
  })),
  upstreamSourcePorts: { from: 30000, to: 32767 },
  drainMs: 100,
  seed: 1,
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let dir: string;
const argv = () => [
  process.execPath,
  FAKE,
  join(dir, 'config.json'),
  ...proxyMarker('3f9a1c7e', 'tcp-timeout-1'),
];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-proxy-test-'));
  await import('node:fs/promises').then((fs) =>
    fs.writeFile(join(dir, 'config.json'), JSON.stringify(config)),
  );
});
afterEach(async () => {
  delete process.env.FAKE_PROXY_MODE;
  await rm(dir, { recursive: true, force: true });
});

describe('starting the proxy', () => {
  it("enters only the target's network namespace, with faultline's node and the marker last", () => {
    expect(
      proxyCommand(
        4242,
        '/tmp/x/config.json',
        proxyMarker('3f9a1c7e', 'http-abort-1'),
        '/opt/fl/dist/proxy/main.js',
      ),
    ).toEqual([
      'nsenter',
      '--net=/proc/4242/ns/net',
      '--',
      process.execPath,
      '/opt/fl/dist/proxy/main.js',
      '/tmp/x/config.json',
      'faultline-proxy',
      '3f9a1c7e',
      'http-abort-1',
    ]);
  });

  it('waits for ready, then stops it with SIGTERM (it drains) and only once', async () => {
    const proxy = await startProxy(argv(), config, join(dir, 'output.log'));
    expect(proxy.ready.listeners.map((listener) => listener.port)).toEqual([47000, 47001]);
    expect(alive(proxy.pid)).toBe(true);
    expect(await proxy.stop()).toBe('stopped');
    expect(await proxy.stop()).toBe('stopped');
    expect(alive(proxy.pid)).toBe(false);
    expect((await proxy.events()).map((event) => event.event)).toEqual(['ready', 'drained']);
  });

  it('a proxy that exits before it is ready is an error with what it said', async () => {
    process.env.FAKE_PROXY_MODE = 'crash';
    await expect(startProxy(argv(), config, join(dir, 'output.log'))).rejects.toThrow(
      'the proxy stopped before it was ready (exit 3): cannot bind: address in use',
    );
  });

  it('a proxy that never says ready is killed after the timeout', async () => {
    process.env.FAKE_PROXY_MODE = 'silent';
    const started = Date.now();
    // 1.5 s: long enough for the fake to start and set its SIGTERM handler on a busy machine.
    await expect(startProxy(argv(), config, join(dir, 'output.log'), 1500)).rejects.toThrow(
      'the proxy was not ready within 1500ms',
    );
    expect(Date.now() - started).toBeLessThan(6000);
    // It was told to stop: the fake drains on SIGTERM.
    expect(await readFile(join(dir, 'output.log'), 'utf8')).toContain('"event":"drained"');
  });

  it('a proxy that binds fewer listeners than asked is stopped and refused', async () => {
    process.env.FAKE_PROXY_MODE = 'partial';
    await expect(startProxy(argv(), config, join(dir, 'output.log'))).rejects.toThrow(
      'the proxy did not bind port 47001',
    );
  });
});
