import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import type { InjectContext } from '../../../src/faults/driver.js';
import { type IptablesPlan, iptablesFamily } from '../../../src/faults/iptables/family.js';
import { NsenterRunner } from '../../../src/network/netns-runner.js';
import { NetworkContext } from '../../../src/network/network-fault.js';
import type { Platform } from '../../../src/platform/platform.js';
import { toTarget } from '../../../src/targets/resolve.js';
import { uniquePrefix } from '../../support/containers.js';
import { NetworkLab, nsenterOk } from '../../support/network.js';
import { recordCommands } from '../../support/recorded-runner.js';

/**
 * An iptables fault goes into a namespace as one iptables-restore transaction per family: a batch with
 * a bad rule in the middle leaves nothing behind, not even the rules before it.
 */
const client = createDockerClient();
const lab = new NetworkLab(uniquePrefix('batch'));

beforeAll(async () => {
  await lab.start([{ service: 'a' }, { service: 'b' }]);
});

afterAll(async () => {
  await lab.remove();
});

const chain = (hook: string) => `FL-batch000-blackhole-1-${hook}`;

function plan(middle: string[]): IptablesPlan {
  const b = lab.get('b').ip;
  const set = (hook: 'OUTPUT' | 'INPUT') => ({
    family: 'ipv4' as const,
    chain: chain(hook[0]!),
    hook,
    comment: 'faultline run=batch000 fault=blackhole-1',
    rules: [
      [hook === 'OUTPUT' ? '-d' : '-s', `${b}/32`, '-p', 'tcp', '-j', 'DROP'],
      ...(hook === 'OUTPUT' ? [middle] : []),
      [hook === 'OUTPUT' ? '-d' : '-s', `${b}/32`, '-p', 'udp', '-j', 'DROP'],
    ],
  });
  return { type: 'iptables', kind: 'blackhole', sets: [set('OUTPUT'), set('INPUT')] };
}

/** Every command run in the namespace, as its argv. */
const ran: string[][] = [];

async function inject(fault: IptablesPlan) {
  const container = (await client.listContainers({ all: true })).find(
    (found) => found.name === lab.get('a').name,
  )!;
  const ctx: InjectContext = {
    platform: {} as Platform,
    network: () => {
      return new NetworkContext(recordCommands(new NsenterRunner(client), ran));
    },
  };
  return iptablesFamily.inject(fault, toTarget(container), 'blackhole-1', ctx, () => undefined);
}

describe('an iptables fault is one transaction per namespace and family', () => {
  it('a batch with a bad rule in the middle leaves the namespace exactly as it was', async () => {
    const before = await lab.states(['a']);
    const bad = ['-d', `${lab.get('b').ip}/32`, '-p', 'no-such-protocol', '-j', 'DROP'];
    const error = await inject(plan(bad)).catch((thrown: Error) => thrown);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^iptables-nft-restore failed at line 5 of the batch \\(-A ${chain('O')} -d [\\d.]+/32 -p no-such-protocol -j DROP\\): .*no-such-protocol`,
      ),
    );
    expect(await lab.states(['a'])).toEqual(before);
    // Nothing had to be cleaned up: the refused transaction never touched the namespace.
    expect(ran.filter((argv) => argv.some((arg) => ['-D', '-F', '-X'].includes(arg)))).toEqual([]);
    expect(ran.filter((argv) => argv[0] === 'iptables-nft-restore')).toHaveLength(1);
  });

  it('the same batch without the bad rule goes in whole, and its revert leaves the namespace as it was', async () => {
    const before = await lab.states(['a']);
    const fault = await inject(plan(['-d', `${lab.get('b').ip}/32`, '-p', 'icmp', '-j', 'DROP']));
    const during = (await lab.states(['a'])).a!['iptables-nft-save']!;
    expect(during.split('\n').filter((line) => line.startsWith(`-A ${chain('O')}`))).toHaveLength(3);
    expect(during).toContain(
      `-A OUTPUT -m comment --comment "faultline run=batch000 fault=blackhole-1" -j ${chain('O')}`,
    );
    ran.length = 0;
    expect(await fault.revert()).toMatchObject({ status: 'reverted' });
    expect(await lab.states(['a'])).toEqual(before);
    // The fault created the filter table and it held nothing else: one look, then the table went.
    expect(ran.map((argv) => argv.join(' '))).toEqual([
      'iptables-nft-save -t filter',
      'nft delete table ip filter',
    ]);
  });

  it("a rule someone added to the fault's table meanwhile stays, with the table; only the fault's rules go", async () => {
    const a = lab.get('a').name;
    const fault = await inject(plan(['-d', `${lab.get('b').ip}/32`, '-p', 'icmp', '-j', 'DROP']));
    await nsenterOk(
      a,
      'iptables-nft',
      '-w',
      '5',
      '-A',
      'OUTPUT',
      '-p',
      'tcp',
      '--dport',
      '9',
      '-j',
      'ACCEPT',
    );
    try {
      ran.length = 0;
      expect(await fault.revert()).toMatchObject({ status: 'reverted' });
      expect(ran.map((argv) => argv.join(' '))).not.toContain('nft delete table ip filter');
      const after = await nsenterOk(a, 'iptables-nft-save', '-t', 'filter');
      expect(after).toContain('-A OUTPUT -p tcp -m tcp --dport 9 -j ACCEPT');
      expect(after).not.toContain('FL-batch000');
    } finally {
      await nsenterOk(a, 'nft', 'delete', 'table', 'ip', 'filter');
    }
  });
});
