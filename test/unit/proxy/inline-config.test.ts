import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

/**
 * The proxy reads its configuration from an argument too (`--config-json '<json>'`): a helper
 * container has no file of it. A configuration it cannot read there exits 2 naming the option.
 */
const MAIN = path.resolve('src/proxy/main.ts');

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const first = new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      resolve(line);
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, first, exited, lines };
}

describe('the proxy with its configuration as an argument', () => {
  it('binds the listeners of --config-json and stops on SIGTERM', async () => {
    const config = {
      runId: 'r',
      seed: 1,
      drainMs: 0,
      upstreamSourcePorts: { from: 47000, to: 47099 },
      listeners: [
        {
          id: 'f1',
          listen: { host: '127.0.0.1', port: 0 },
          upstream: { host: '127.0.0.1', port: 9 },
          protocol: 'tcp',
        },
      ],
    };
    const proxy = run(['--config-json', JSON.stringify(config), 'faultline-proxy', 'r', 'f1']);
    expect(JSON.parse(await proxy.first)).toMatchObject({ event: 'ready', listeners: [{ id: 'f1' }] });
    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);
  });

  it('exits 2 naming --config-json when the JSON cannot be read', async () => {
    const proxy = run(['--config-json', '{not json', 'faultline-proxy', 'r', 'f1']);
    const event = JSON.parse(await proxy.first) as { event: string; message: string };
    expect(event.event).toBe('error');
    expect(event.message).toMatch(/^--config-json: the configuration is not JSON/);
    expect(await proxy.exited).toBe(2);
  });
});
