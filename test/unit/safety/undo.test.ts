import { describe, expect, it, vi } from 'vitest';
import { DockerApiError } from '../../../src/docker/client.js';
import { injectContainerFault } from '../../../src/faults/container/lifecycle.js';
import type { RevertRecipe } from '../../../src/faults/fault.js';
import { applyCommands, type IptablesRuleSet } from '../../../src/network/iptables-plan.js';
import { TargetGoneError } from '../../../src/network/netns-runner.js';
import { inFlightUntil, undoRecipe } from '../../../src/safety/undo.js';
import type { Target } from '../../../src/targets/target.js';
import { FakeDocker } from '../support/fake-docker.js';
import { FakeNetnsRunner, fail, ok } from '../support/fakes.js';

vi.mock('../../../src/faults/retry.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../src/faults/retry.js')>();
  return {
    ...original,
    withRetry: <T>(operation: () => Promise<T>) =>
      original.withRetry(operation, { ...original.REVERT_RETRY, baseMs: 1, maxMs: 2 }),
  };
});

const target: Target = { id: 'a1b2c3d4e5f6', name: 'shop-api-1', service: 'api' };
const noRunner = () => Promise.reject(new Error('a container recipe needs no way into namespaces'));

/** Injects a container fault on a fake Engine and keeps the recipe it announced (what the ledger holds). */
async function injected(kind: 'pause' | 'stop' | 'kill' | 'restart') {
  const docker = new FakeDocker([{ name: target.name, id: target.id }]);
  let recipe: RevertRecipe | undefined;
  await injectContainerFault(docker, { kind }, target, 'f1', (announced) => {
    recipe = announced;
  });
  return { docker, recipe: recipe! };
}

describe('undoRecipe: container faults', () => {
  it('a pause is undone by an unpause, once: the second undo finds nothing to do', async () => {
    const { docker, recipe } = await injected('pause');
    expect(recipe).toMatchObject({ type: 'container', action: 'unpause' });
    expect(await undoRecipe(recipe, target, docker, noRunner)).toEqual({
      status: 'reverted',
      detail: 'unpaused',
    });
    expect(docker.stateOf(target.name)).toBe('running');
    expect(await undoRecipe(recipe, target, docker, noRunner)).toEqual({
      status: 'already-reverted',
      detail: 'not paused (running)',
    });
    expect(docker.callsTo('unpause')).toEqual([target.name]);
  });

  it.each(['stop', 'kill'] as const)('a %s is undone by a start, once', async (kind) => {
    const { docker, recipe } = await injected(kind);
    expect(docker.stateOf(target.name)).toBe('exited');
    expect(recipe).toMatchObject({ type: 'container', action: 'start' });
    expect(await undoRecipe(recipe, target, docker, noRunner)).toEqual({
      status: 'reverted',
      detail: 'started',
    });
    expect(await undoRecipe(recipe, target, docker, noRunner)).toEqual({
      status: 'already-reverted',
      detail: 'running',
    });
    expect(docker.callsTo('start')).toEqual([target.name]);
  });

  it('a restart leaves nothing to undo', async () => {
    const { docker, recipe } = await injected('restart');
    expect(await undoRecipe(recipe, target, docker, noRunner)).toEqual({
      status: 'already-reverted',
      detail: 'running',
    });
    expect(docker.callsTo('start')).toEqual([]);
    expect(docker.callsTo('unpause')).toEqual([]);
  });

  it('a container removed meanwhile (404) is target-gone, not failed', async () => {
    const { docker, recipe } = await injected('pause');
    await docker.remove(target.id);
    expect(await undoRecipe(recipe, target, docker, noRunner)).toEqual({
      status: 'target-gone',
      detail: 'the container was removed; nothing to revert',
    });
  });

  it('an Engine that keeps refusing is failed, with its message', async () => {
    const { docker, recipe } = await injected('pause');
    docker.failOn('unpause');
    expect(await undoRecipe(recipe, target, docker, noRunner)).toEqual({
      status: 'failed',
      detail: 'simulated unpause failure',
    });
    expect(docker.callsTo('unpause').length).toBeGreaterThan(1);
  });

  it('while the injection may still land, it watches and starts the container again when it stops late', async () => {
    const docker = new FakeDocker([{ name: target.name, id: target.id }]);
    const recipe: RevertRecipe = { type: 'container', action: 'start' };
    setTimeout(() => docker.setState(target.name, 'exited'), 100);
    const outcome = await undoRecipe(recipe, target, docker, noRunner, { inFlightUntil: Date.now() + 500 });
    expect(outcome).toEqual({ status: 'reverted', detail: 'started' });
    expect(docker.stateOf(target.name)).toBe('running');
    expect(docker.callsTo('start')).toEqual([target.name]);
  });
});

/** A namespace that knows iptables chains and jumps, faultline's root qdiscs, ingress qdiscs and links. */
function fakeNamespace() {
  const chains = new Set<string>();
  const jumps = new Set<string>();
  const roots = new Set<string>();
  const ingress = new Set<string>();
  const links = new Set<string>();
  const runner = new FakeNetnsRunner((argv) => {
    const [binary, ...rest] = argv;
    if (binary!.endsWith('-save'))
      return ok(':INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n');
    if (binary === 'nft') return ok();
    if (binary!.includes('tables')) {
      const [, , op, chain, ...more] = rest;
      const jump = `${binary} ${chain} ${(op === '-I' ? more.slice(1) : more).join(' ')}`;
      if (op === '-N') chains.add(`${binary} ${chain}`);
      if (op === '-I') jumps.add(jump);
      if (op === '-D' && !jumps.delete(jump))
        return fail('iptables: Bad rule (does a matching rule exist in that chain?).');
      if ((op === '-F' || op === '-X') && !chains.has(`${binary} ${chain}`))
        return fail('iptables: No chain/target/match by that name.');
      if (op === '-X') chains.delete(`${binary} ${chain}`);
      return ok();
    }
    const line = argv.join(' ');
    const device = argv[4]!;
    if (/^tc qdisc del dev \S+ root handle fa1:$/.test(line))
      return roots.delete(device) ? ok() : fail('Error: Cannot delete qdisc with handle of zero.');
    if (/^tc qdisc del dev \S+ handle ffff: ingress$/.test(line))
      return ingress.delete(device) ? ok() : fail('Error: Cannot find specified qdisc on specified device.');
    if (line.startsWith('ip link del '))
      return links.delete(argv[3]!) ? ok() : fail(`Cannot find device "${argv[3]}"`);
    return fail(`unexpected command ${line}`);
  });
  const install = (binary: string, set: IptablesRuleSet) => {
    for (const argv of applyCommands(set)) runner.answer([binary, ...argv], target);
  };
  return { runner, chains, jumps, roots, ingress, links, install, get: () => Promise.resolve(runner) };
}

const set = (family: 'ipv4' | 'ipv6', chain: string): IptablesRuleSet => ({
  family,
  chain,
  hook: 'OUTPUT',
  comment: 'faultline run=r1 fault=f1',
  rules: [['-j', 'DROP']],
});
const iptablesRecipe: RevertRecipe = {
  type: 'iptables',
  ipv4: 'iptables-nft',
  ipv6: 'ip6tables-nft',
  sets: [set('ipv4', 'FL-r1-f1-O'), set('ipv6', 'FL-r1-f16-O')],
};
const docker = new FakeDocker();

describe('undoRecipe: network faults', () => {
  it('an iptables recipe deletes each jump, then its chain, with the binary of its family', async () => {
    const ns = fakeNamespace();
    ns.install('iptables-nft', set('ipv4', 'FL-r1-f1-O'));
    ns.install('ip6tables-nft', set('ipv6', 'FL-r1-f16-O'));
    expect(await undoRecipe(iptablesRecipe, target, docker, ns.get)).toEqual({
      status: 'reverted',
      detail: 'removed rules',
    });
    const jump = '-m comment --comment faultline run=r1 fault=f1 -j';
    expect(ns.runner.lines()).toEqual([
      `iptables-nft -w 5 -D OUTPUT ${jump} FL-r1-f1-O`,
      'iptables-nft -w 5 -F FL-r1-f1-O',
      'iptables-nft -w 5 -X FL-r1-f1-O',
      `ip6tables-nft -w 5 -D OUTPUT ${jump} FL-r1-f16-O`,
      'ip6tables-nft -w 5 -F FL-r1-f16-O',
      'ip6tables-nft -w 5 -X FL-r1-f16-O',
    ]);
    expect([...ns.chains, ...ns.jumps]).toEqual([]);
  });

  it('is idempotent: rules already gone are no failure, and say nothing was left', async () => {
    const ns = fakeNamespace();
    ns.install('iptables-nft', set('ipv4', 'FL-r1-f1-O'));
    await undoRecipe(iptablesRecipe, target, docker, ns.get);
    expect(await undoRecipe(iptablesRecipe, target, docker, ns.get)).toEqual({
      status: 'already-reverted',
      detail: 'nothing of it was left',
    });
    expect(ns.runner.calls).toHaveLength(12);
  });

  it('another iptables error stops the undo and reports the command and its stderr', async () => {
    const runner = new FakeNetnsRunner(() =>
      fail('iptables v1.8.9 (nf_tables): Permission denied (you must be root)\n'),
    );
    const outcome = await undoRecipe(iptablesRecipe, target, docker, () => Promise.resolve(runner));
    expect(outcome).toEqual({
      status: 'failed',
      detail:
        'iptables-nft -w 5 -D OUTPUT -m comment --comment faultline run=r1 fault=f1 -j FL-r1-f1-O: iptables v1.8.9 (nf_tables): Permission denied (you must be root)',
    });
    expect(runner.calls).toHaveLength(1);
  });

  it('drops the filter table it created once it is empty', async () => {
    const ns = fakeNamespace();
    ns.install('iptables-nft', set('ipv4', 'FL-r1-f1-O'));
    await undoRecipe({ ...iptablesRecipe, createdTables: ['ipv4'] }, target, docker, ns.get);
    expect(ns.runner.lines().slice(-2)).toEqual([
      'iptables-nft-save -t filter',
      'nft delete table ip filter',
    ]);
  });

  it('a tc recipe removes faultline’s root, and the ingress redirect and ifb device', async () => {
    const ns = fakeNamespace();
    ns.roots.add('eth0');
    ns.ingress.add('eth1');
    ns.links.add('flin-eth1');
    const recipe: RevertRecipe = {
      type: 'tc',
      devices: [{ device: 'eth0' }, { device: '', ingressOf: 'eth1' }],
    };
    expect(await undoRecipe(recipe, target, docker, ns.get)).toEqual({
      status: 'reverted',
      detail: 'removed qdiscs',
    });
    expect(ns.runner.lines()).toEqual([
      'tc qdisc del dev eth0 root handle fa1:',
      'tc qdisc del dev eth1 handle ffff: ingress',
      'ip link del flin-eth1',
    ]);
    expect(await undoRecipe(recipe, target, docker, ns.get)).toEqual({
      status: 'already-reverted',
      detail: 'nothing of it was left',
    });
  });

  it('a namespace that is gone is target-gone, not failed', async () => {
    const runner = new FakeNetnsRunner(() => {
      throw new TargetGoneError('shop-api-1 is exited');
    });
    expect(await undoRecipe(iptablesRecipe, target, docker, () => Promise.resolve(runner))).toEqual({
      status: 'target-gone',
      detail: 'the container stopped, restarted or was removed: its namespace is gone',
    });
  });

  it('a 404 from the Engine while entering the namespace is target-gone too', async () => {
    const runner = new FakeNetnsRunner(() => {
      throw new DockerApiError('No such container: a1b2c3d4e5f6', 404);
    });
    const outcome = await undoRecipe({ type: 'tc', devices: [{ device: 'eth0' }] }, target, docker, () =>
      Promise.resolve(runner),
    );
    expect(outcome.status).toBe('target-gone');
    expect(runner.calls).toHaveLength(1);
  });
});

describe('undoRecipe: a recipe this version does not know', () => {
  it('is a failed undo naming the type (the watchdog and recover go on with the other faults), with no settle wait', async () => {
    const runner = new FakeNetnsRunner(() => ok(''));
    const recipe: RevertRecipe = { type: 'from-a-newer-faultline', rules: [] };
    const outcome = await undoRecipe(recipe, target, new FakeDocker([]), () => Promise.resolve(runner));
    expect(outcome).toEqual({
      status: 'failed',
      detail:
        'this faultline knows no fault of type "from-a-newer-faultline", so it cannot undo it: run `faultline recover` with the version that wrote the ledger',
    });
    expect(runner.calls).toEqual([]);
    const intent = {
      type: 'intent' as const,
      faultId: 'x-1',
      kind: 'x',
      target,
      revert: recipe,
      at: new Date().toISOString(),
    };
    expect(inFlightUntil(intent as Parameters<typeof inFlightUntil>[0], new Set())).toBeUndefined();
  });
});
