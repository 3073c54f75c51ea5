import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import type { InjectContext } from '../../../src/faults/driver.js';
import { type IptablesPlan, iptablesFamily } from '../../../src/faults/iptables/family.js';
import { type TcPlan, tcFamily } from '../../../src/faults/tc/family.js';
import { NsenterRunner } from '../../../src/network/netns-runner.js';
import { NetworkContext } from '../../../src/network/network-fault.js';
import type { ResolvedScope } from '../../../src/network/scope.js';
import type { Platform } from '../../../src/platform/platform.js';
import { tempDir } from '../../support/cli.js';
import { uniquePrefix } from '../../support/containers.js';
import { NetworkLab, nsenterOk, pidOf } from '../../support/network.js';
import { recordCommands } from '../../support/recorded-runner.js';
import {
  applyThenDie,
  applyThenKilled,
  namespaceOf,
  refuseWhen,
  wrapTools,
} from '../../support/tool-wrappers.js';

/**
 * The ways a batch can go wrong for real, in a container's namespace reached with nsenter: a tc revert
 * batch that stops at a line (its filter removed behind faultline's back) or is refused whole goes on
 * one command at a time; an iptables-restore that dies after committing (its outcome unknown) has its
 * rules removed with the rest.
 */
const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('batch-fallback'));

beforeAll(async () => {
  await lab.start([{ service: 'a' }, { service: 'b' }]);
});

afterAll(async () => {
  await lab.remove();
});

/** A context whose commands are recorded as argv, so a test sees how the work was split. */
function recorded() {
  const ran: string[][] = [];
  const context = new NetworkContext(recordCommands(new NsenterRunner(client), ran));
  const ctx: InjectContext = { platform: {} as Platform, network: () => context };
  return { ran, ctx };
}

describe('a tc revert batch that cannot run whole', () => {
  const bandwidth = (scope: ResolvedScope): TcPlan => ({
    type: 'tc',
    kind: 'bandwidth',
    scope,
    tbf: { rate: '4mbit' },
    device: 'eth0',
    direction: 'egress',
  });

  /** Two bandwidth faults on a's eth0 (all traffic; traffic to b): two bands under one root. */
  async function twoBands(ctx: InjectContext) {
    const a = lab.get('a');
    const first = await tcFamily.inject(
      bandwidth({ cidrs: [], ports: [], protocol: 'all' }),
      a,
      'f1',
      ctx,
      () => {},
    );
    const onlyFirst = await lab.states(['a']);
    const toB = bandwidth({ cidrs: [`${lab.get('b').ip}/32`], ports: [], protocol: 'all' });
    const second = await tcFamily.inject(toB, a, 'f2', ctx, () => {});
    expect(await nsenterOk(a.name, 'tc', 'class', 'show', 'dev', 'eth0')).toMatch(/class htb fa1:3 /);
    return { first, second, onlyFirst };
  }

  it("stops at a filter removed behind faultline's back and goes on one command at a time", async () => {
    const a = lab.get('a');
    const { ran, ctx } = recorded();
    const before = await lab.states(['a']);
    const { first, second, onlyFirst } = await twoBands(ctx);
    // Behind faultline's back, every filter of the device is deleted: the revert batch's first line
    // (the band's filter) finds nothing to delete, and tc stops there.
    await nsenterOk(a.name, 'tc', 'filter', 'del', 'dev', 'eth0', 'parent', 'fa1:');
    ran.length = 0;
    expect(await second.revert()).toMatchObject({ status: 'target-gone' });
    expect(ran).toEqual([
      ['tc', '-batch', '-'],
      ['tc', 'class', 'del', 'dev', 'eth0', 'classid', 'fa1:3'],
    ]);
    // The rest of the band is gone; the first fault's band is as it was, but for its deleted filter.
    const after = await lab.states(['a']);
    expect(after.a!['tc class eth0']).toBe(onlyFirst.a!['tc class eth0']);
    expect(after.a!['tc qdisc eth0']).toBe(onlyFirst.a!['tc qdisc eth0']);
    expect(after.a!['tc filter eth0']).toBe('');
    expect(await first.revert()).toMatchObject({ status: 'reverted' });
    expect(await lab.states(['a'])).toEqual(before);
  });

  it("takes a band whose own filter alone was removed behind faultline's back and removes the rest of it", async () => {
    const a = lab.get('a');
    const { ctx } = recorded();
    const before = await lab.states(['a']);
    const { first, second, onlyFirst } = await twoBands(ctx);
    // Only the second band's filter is deleted (by its priority); the first band's filter stays. tc
    // says "Filter with specified priority/protocol not found" when the revert deletes it again.
    const filters = await nsenterOk(a.name, 'tc', 'filter', 'show', 'dev', 'eth0');
    const line = filters.split('\n').find((text) => text.includes('flowid fa1:3'));
    const prio = line && /pref (\d+) /.exec(line)?.[1];
    expect(prio, filters).toBeDefined();
    await nsenterOk(a.name, 'tc', 'filter', 'del', 'dev', 'eth0', 'parent', 'fa1:', 'prio', prio!);
    // The rest of the band is removed, and the revert says part of it was already gone (not failed).
    expect(await second.revert()).toMatchObject({ status: 'target-gone' });
    expect(await lab.states(['a'])).toEqual(onlyFirst);
    expect(await first.revert()).toMatchObject({ status: 'reverted' });
    expect(await lab.states(['a'])).toEqual(before);
  });

  it('refused whole (a tc without -batch) runs every command of the revert one at a time', async () => {
    const { ran, ctx } = recorded();
    const before = await lab.states(['a']);
    const { first, second, onlyFirst } = await twoBands(ctx);
    process.env.BLOCK_NS = await namespaceOf(await pidOf(lab.get('a').name));
    const tc = await wrapTools({ tc: refuseWhen('[ "$1 $2" = "-batch -" ]') });
    const path0 = process.env.PATH;
    process.env.PATH = `${tc}:${path0}`;
    ran.length = 0;
    try {
      expect(await second.revert()).toMatchObject({ status: 'reverted' });
    } finally {
      process.env.PATH = path0;
      delete process.env.BLOCK_NS;
    }
    expect(ran).toEqual([
      ['tc', '-batch', '-'],
      ['tc', 'filter', 'del', 'dev', 'eth0', 'parent', 'fa1:', 'prio', '3'],
      ['tc', 'class', 'del', 'dev', 'eth0', 'classid', 'fa1:3'],
    ]);
    expect(await lab.states(['a'])).toEqual(onlyFirst);
    expect(await first.revert()).toMatchObject({ status: 'reverted' });
    expect(await lab.states(['a'])).toEqual(before);
  });
});

describe('an iptables-restore whose outcome is unknown', () => {
  const chain = (hook: string) => `FL-unknown0-blackhole-1-${hook}`;
  const plan = (): IptablesPlan => {
    const b = lab.get('b').ip;
    const set = (hook: 'OUTPUT' | 'INPUT') => ({
      family: 'ipv4' as const,
      chain: chain(hook[0]!),
      hook,
      comment: 'faultline run=unknown0 fault=blackhole-1',
      rules: [[hook === 'OUTPUT' ? '-d' : '-s', `${b}/32`, '-j', 'DROP']],
    });
    return { type: 'iptables', kind: 'blackhole', sets: [set('OUTPUT'), set('INPUT')] };
  };
  const path0 = process.env.PATH;
  let seen = '';

  beforeAll(async () => {
    seen = path.join(await tempDir(), 'seen');
    process.env.BLOCK_NS = await namespaceOf(await pidOf(lab.get('a').name));
  });

  afterAll(() => {
    process.env.PATH = path0;
    delete process.env.BLOCK_NS;
  });

  /** Injects with iptables-nft-restore wrapped: it commits, records the rules, then ends as `behaviour` says. */
  async function injectThrough(behaviour: typeof applyThenDie) {
    const wrappers = await wrapTools({
      'iptables-nft-restore': behaviour(`iptables-nft-save -t filter > ${seen}`),
    });
    await rm(seen, { force: true });
    process.env.PATH = `${wrappers}:${path0}`;
    const { ran, ctx } = recorded();
    try {
      const error = await iptablesFamily
        .inject(plan(), lab.get('a'), 'blackhole-1', ctx, () => {})
        .then(
          () => undefined,
          (thrown: Error) => thrown,
        );
      return { error, ran };
    } finally {
      process.env.PATH = path0;
    }
  }

  it('a restore that exits 137 after committing: its rules went in, and are removed again', async () => {
    const before = await lab.states(['a']);
    const { error, ran } = await injectThrough(applyThenDie);
    // The shell that ran the dead tool says "Killed" (dash) or nothing (then the exit code shows).
    expect(error?.message).toMatch(/^iptables-nft-restore failed: (Killed|exit 137)$/);
    // The batch really was committed before the tool died...
    expect(await readFile(seen, 'utf8')).toContain(`-A ${chain('O')} -d ${lab.get('b').ip}/32 -j DROP`);
    // ...and it was taken out command by command: jumps deleted, chains flushed and removed.
    const removal = ran.filter((argv) => argv[0] === 'iptables-nft' && ['-D', '-F', '-X'].includes(argv[3]!));
    expect(removal.map((argv) => argv.slice(3, 5).join(' '))).toEqual(
      expect.arrayContaining([`-X ${chain('O')}`, `-X ${chain('I')}`, '-D OUTPUT', '-D INPUT']),
    );
    expect(await lab.states(['a'])).toEqual(before);
  });

  it('a restore killed by a signal after committing leaves nothing behind either', async () => {
    const before = await lab.states(['a']);
    const { error } = await injectThrough(applyThenKilled);
    // The tool ran and was killed: its outcome is unknown (not "cannot run nsenter"), so it is cleaned up.
    expect(error?.message).toMatch(/^iptables-nft-restore failed: Command was killed with SIGKILL: nsenter /);
    expect(await readFile(seen, 'utf8')).toContain(`-A ${chain('I')} -s ${lab.get('b').ip}/32 -j DROP`);
    expect(await lab.states(['a'])).toEqual(before);
  });
});
