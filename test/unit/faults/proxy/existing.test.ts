import { describe, expect, it } from 'vitest';
import type { ProxyConfig, ProxyListener } from '../../../../src/faults/proxy/config.js';
import {
  connections,
  existingFilter,
  listCommand,
  resetCommand,
  resetExisting,
} from '../../../../src/faults/proxy/existing.js';
import type { CommandResult } from '../../../../src/network/netns-runner.js';
import type { Target } from '../../../../src/targets/target.js';
import { FakeNetnsRunner } from '../../support/fakes.js';

const target: Target = { id: 'a1b2c3d4e5f6', name: 'shop-api-1', service: 'api' };

function listener(host: string, port: number, upstream: { host: string; port: number }): ProxyListener {
  return { id: 'http-abort-1', listen: { host, port }, upstream, protocol: 'http', http: [] };
}

function config(listeners: ProxyListener[]): ProxyConfig {
  return {
    runId: '3f9a1c7e',
    listeners,
    upstreamSourcePorts: { from: 30000, to: 32767 },
    drainMs: 2000,
    seed: 1,
  };
}

const inbound = config([listener('0.0.0.0', 47000, { host: '172.18.0.2', port: 8080 })]);
const outbound = config([
  listener('127.0.0.1', 47000, { host: '172.18.0.3', port: 5432 }),
  listener('127.0.0.1', 47001, { host: '172.18.0.4', port: 5432 }),
]);

const result = (exitCode: number, stdout = '', stderr = ''): CommandResult => ({ exitCode, stdout, stderr });
const line = (local: string, peer: string) => `0      0      ${local} ${peer}`;
const A = line('[::ffff:172.18.0.2]:8080', '[::ffff:172.18.0.1]:41106');
const B = line('[::ffff:172.18.0.2]:8080', '[::ffff:172.18.0.1]:41108');
const NEW = line('[::ffff:172.18.0.2]:47000', '[::ffff:172.18.0.1]:41200');

describe('the connections a proxy fault resets', () => {
  it("inbound: the target's port, except connections from the proxy's upstream source ports", () => {
    expect(existingFilter(inbound).join(' ')).toBe(
      '( sport = :8080 ) and not ( dport >= :30000 and dport <= :32767 )',
    );
  });

  it('outbound: each peer address and port, except connections leaving from those ports', () => {
    expect(existingFilter(outbound).join(' ')).toBe(
      '( ( dst 172.18.0.3 and dport = :5432 ) or ( dst 172.18.0.4 and dport = :5432 ) ) and not ( sport >= :30000 and sport <= :32767 )',
    );
  });

  it('lists with ss and resets with ss -K, established TCP connections only, as argument arrays', () => {
    expect(listCommand(inbound).slice(0, 6)).toEqual(['ss', '-t', '-n', '-H', 'state', 'established']);
    expect(resetCommand(inbound).slice(0, 7)).toEqual(['ss', '-K', '-t', '-n', '-H', 'state', 'established']);
  });

  it('reads each connection as its local and peer address from ss lines', () => {
    expect(connections(`${A}\n${B}\n`)).toEqual([
      '[::ffff:172.18.0.2]:8080 [::ffff:172.18.0.1]:41106',
      '[::ffff:172.18.0.2]:8080 [::ffff:172.18.0.1]:41108',
    ]);
    expect(connections('')).toEqual([]);
  });
});

describe('resetting the connections opened before a proxy fault', () => {
  it('resets them and says how many', async () => {
    const answers = [result(0, `${A}\n${B}\n`), result(0, `${A}\n${B}\n`), result(0, `${NEW}\n`)];
    const runner = new FakeNetnsRunner(() => answers.shift()!);
    const outcome = await resetExisting(runner, target, inbound, 'reset');
    expect(runner.calls.map((call) => call.argv[1])).toEqual(['-t', '-K', '-t']);
    expect(outcome).toEqual({ detail: 'reset 2 connections opened before the fault', warnings: [] });
  });

  it('runs nothing more when there is no connection to reset', async () => {
    const runner = new FakeNetnsRunner(() => result(0));
    const outcome = await resetExisting(runner, target, inbound, undefined);
    expect(runner.calls).toHaveLength(1);
    expect(outcome.detail).toBe('no connection opened before the fault');
  });

  it('warns with how many still bypass the fault when the kernel cannot reset them', async () => {
    // Without SOCK_DESTROY, ss -K prints nothing and exits 0: the connections are still there.
    const answers = [result(0, `${A}\n${B}\n`), result(0, ''), result(0, `${A}\n${NEW}\n`)];
    const runner = new FakeNetnsRunner(() => answers.shift()!);
    const outcome = await resetExisting(runner, target, inbound, 'reset');
    expect(outcome.detail).toBe('1 of 2 connections opened before the fault not reset');
    expect(outcome.warnings).toEqual([
      '1 connection opened before the fault still bypass it until they close: ss -K could not reset them (a kernel without SOCK_DESTROY)',
    ]);
  });

  it('warns, and does not throw, when ss is missing', async () => {
    const runner = new FakeNetnsRunner(() =>
      result(127, '', 'nsenter: failed to execute ss: No such file or directory'),
    );
    const outcome = await resetExisting(runner, target, inbound, 'reset');
    expect(outcome.warnings).toEqual([
      "connections opened before the fault were not reset and bypass it until they close: ss is not installed where the fault's commands run (install iproute2 there)",
    ]);
  });

  it('warns, and does not throw, when the way into the namespace fails', async () => {
    const runner = new FakeNetnsRunner(() => {
      throw new Error('shop-api-1 is exited');
    });
    const outcome = await resetExisting(runner, target, inbound, 'reset');
    expect(outcome.warnings[0]).toContain('ss failed: shop-api-1 is exited');
  });

  it('with existing: keep, runs nothing and says they are kept', async () => {
    const runner = new FakeNetnsRunner(() => result(0, A));
    const outcome = await resetExisting(runner, target, inbound, 'keep');
    expect(runner.calls).toEqual([]);
    expect(outcome.detail).toBe('connections opened before the fault kept (they bypass it)');
  });
});
