import { describe, expect, it } from 'vitest';
import { type ProxyRecipe, proxyFamily } from '../../../../src/faults/proxy/family.js';
import { parseCmdlines, stopMarked } from '../../../../src/faults/proxy/find.js';
import { natApplyCommands, natChainName, natRuleSet } from '../../../../src/faults/proxy/rules.js';
import { natLeftovers } from '../../../../src/faults/proxy/scan.js';
import type { Target } from '../../../../src/targets/target.js';
import { FakeDocker } from '../../support/fake-docker.js';
import { FakeNetnsRunner, fail, ok } from '../../support/fakes.js';

const target: Target = { id: 'a1b2c3d4e5f6', name: 'shop-api-1', service: 'api' };
const MARKER = ['faultline-proxy', '3f9a1c7e', 'tcp-timeout-1'];
const set = natRuleSet({ runId: '3f9a1c7e', faultId: 'tcp-timeout-1' }, 'PREROUTING', [
  ['-p', 'tcp', '--dport', '80', '-j', 'REDIRECT', '--to-ports', '47000'],
]);
const recipe: ProxyRecipe = { type: 'proxy', ipv4: 'iptables-nft', sets: [set], marker: MARKER };

/**
 * The host as the nsenter way sees it: the target's nat table (chains and jumps), and the host's
 * processes with their command lines. A process in `stubborn` ignores SIGTERM.
 */
function host(processes: Record<number, string[]>, stubborn: number[] = []) {
  const chains = new Set<string>();
  const jumps = new Set<string>();
  const procs = new Map(Object.entries(processes).map(([pid, args]) => [Number(pid), args]));
  const runner = new FakeNetnsRunner((argv) => {
    const [binary, ...rest] = argv;
    if (binary === 'iptables-nft') {
      const [, , , , op, chain, ...more] = rest;
      const jump = `${chain} ${more.join(' ')}`;
      const gone = fail('iptables: No chain/target/match by that name.');
      if (op === '-N') chains.add(chain!);
      else if (op === '-I') jumps.add(`${chain} ${more.slice(1).join(' ')}`);
      else if (op === '-D') return jumps.delete(jump) ? ok() : gone;
      else if (op === '-X') return chains.delete(chain!) ? ok() : gone;
      else if (op === '-F') return chains.has(chain!) ? ok() : gone;
      return ok();
    }
    if (binary === 'ls') return ok(`acpi\n1\n${[...procs.keys()].join('\n')}\nself\n`);
    if (binary === 'head') {
      const paths = rest.slice(3);
      const shown = paths.flatMap((path) => {
        const args = procs.get(Number(path.split('/')[2]));
        return args ? [`==> ${path} <==\n${args.join('\0')}\0`] : [];
      });
      return { exitCode: shown.length === paths.length ? 0 : 1, stdout: shown.join('\n'), stderr: '' };
    }
    if (binary === 'kill') {
      const pid = Number(rest[1]);
      if (rest[0] === '-KILL' || !stubborn.includes(pid)) procs.delete(pid);
      return ok();
    }
    return fail(`unexpected ${argv.join(' ')}`);
  });
  for (const argv of natApplyCommands(set)) void runner.run(target, ['iptables-nft', ...argv]);
  runner.calls.length = 0;
  return { runner, procs, chains, jumps };
}

const proxyArgs = (marker: string[]) => [
  '/usr/bin/node',
  '/opt/fl/dist/proxy/main.js',
  '/tmp/c.json',
  ...marker,
];

describe('undoing a proxy fault from its recipe', () => {
  it('removes the nat chain, stops exactly the process whose command line ends with the marker, then finds nothing', async () => {
    const { runner, procs, chains, jumps } = host({
      700: proxyArgs(MARKER),
      701: proxyArgs(['faultline-proxy', '3f9a1c7e', 'tcp-timeout-11']),
      702: ['vim', 'faultline-proxy', '3f9a1c7e', 'tcp-timeout-1', 'notes.txt'],
      703: ['grep', 'faultline-proxy 3f9a1c7e tcp-timeout-1'],
    });
    const ctx = { docker: new FakeDocker(), runner: async () => runner };
    expect(await proxyFamily.undo(recipe, target, ctx)).toEqual({
      status: 'reverted',
      detail: 'removed nat rules; stopped proxy pid 700',
    });
    expect([...procs.keys()]).toEqual([701, 702, 703]);
    expect([chains.size, jumps.size]).toEqual([0, 0]);
    expect(runner.lines().filter((line) => line.startsWith('kill'))).toEqual(['kill -TERM 700']);
    expect(runner.lines()[0]).toBe(
      'iptables-nft -w 5 -t nat -D PREROUTING -m comment --comment faultline run=3f9a1c7e fault=tcp-timeout-1 -j FL-3f9a1c7e-tcp-timeout-1-NP',
    );
    expect(await proxyFamily.undo(recipe, target, ctx)).toEqual({
      status: 'already-reverted',
      detail: 'nothing of it was left',
    });
  });

  it('sends SIGKILL to a proxy still there after the grace time', async () => {
    const { runner, procs } = host({ 700: proxyArgs(MARKER) }, [700]);
    const stop = await stopMarked(runner, target, MARKER, { graceMs: 50, pollMs: 10 });
    expect(stop).toEqual({ stopped: [700], failures: [] });
    expect(procs.size).toBe(0);
    expect(runner.lines().filter((line) => line.startsWith('kill'))).toEqual([
      'kill -TERM 700',
      'kill -KILL 700',
    ]);
  });

  it('through a way that cannot see the host, removes the rules and says the proxy needs nsenter', async () => {
    const { runner, chains } = host({ 700: proxyArgs(MARKER) });
    Object.defineProperty(runner, 'via', { value: 'helper' });
    const outcome = await proxyFamily.undo(recipe, target, {
      docker: new FakeDocker(),
      runner: async () => runner,
    });
    expect(outcome.status).toBe('failed');
    expect(outcome.detail).toContain('run `faultline recover --via nsenter` as root on the Docker host');
    expect(chains.size).toBe(0);
    expect(runner.lines().some((line) => line.startsWith('kill'))).toBe(false);
  });
});

describe('nat rules and leftovers', () => {
  it('keeps chain names within 28 characters, and two faults apart even when cut', () => {
    const long = natChainName('3f9a1c7e', 'http-slow-body-1', 'OUTPUT');
    const longer = natChainName('3f9a1c7e', 'http-slow-body-12', 'OUTPUT');
    expect(long).toBe('FL-3f9a1c7e-http-slow-b-1-NO');
    expect(longer).toBe('FL-3f9a1c7e-http-slow-12-NO');
    expect(Math.max(long.length, longer.length)).toBeLessThanOrEqual(28);
  });

  it("reads command lines from head's output, NULs and all", () => {
    const output = '==> /proc/1/cmdline <==\ninit\0\n==> /proc/20/cmdline <==\nnode\0a b\0faultline-proxy\0';
    expect(parseCmdlines(output)).toEqual(
      new Map([
        [1, ['init']],
        [20, ['node', 'a b', 'faultline-proxy']],
      ]),
    );
  });

  it("finds faultline's nat chains and their jumps, never Docker's or another table's", () => {
    const save = [
      '*filter',
      ':FL-3f9a1c7e-f1-O - [0:0]',
      'COMMIT',
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      ':DOCKER_OUTPUT - [0:0]',
      ':FL-3f9a1c7e-tcp-timeout-1-NP - [0:0]',
      '-A PREROUTING -m comment --comment "faultline run=3f9a1c7e fault=tcp-timeout-1" -j FL-3f9a1c7e-tcp-timeout-1-NP',
      '-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT',
      '-A FL-3f9a1c7e-tcp-timeout-1-NP -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 47000',
      'COMMIT',
    ].join('\n');
    expect(natLeftovers(save, 'iptables-nft')).toEqual([
      {
        what: 'iptables-nft nat chain FL-3f9a1c7e-tcp-timeout-1-NP',
        runId: '3f9a1c7e',
        commands: [
          [
            'iptables-nft',
            '-w',
            '5',
            '-t',
            'nat',
            '-D',
            'PREROUTING',
            '-m',
            'comment',
            '--comment',
            'faultline run=3f9a1c7e fault=tcp-timeout-1',
            '-j',
            'FL-3f9a1c7e-tcp-timeout-1-NP',
          ],
          ['iptables-nft', '-w', '5', '-t', 'nat', '-F', 'FL-3f9a1c7e-tcp-timeout-1-NP'],
          ['iptables-nft', '-w', '5', '-t', 'nat', '-X', 'FL-3f9a1c7e-tcp-timeout-1-NP'],
        ],
      },
    ]);
  });
});
