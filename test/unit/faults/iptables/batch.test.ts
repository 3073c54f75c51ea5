import { describe, expect, it } from 'vitest';
import type { InjectContext } from '../../../../src/faults/driver.js';
import { type IptablesPlan, iptablesFamily } from '../../../../src/faults/iptables/family.js';
import type { IptablesRuleSet } from '../../../../src/network/iptables-plan.js';
import type { CommandResult } from '../../../../src/network/netns-runner.js';
import { NetworkContext } from '../../../../src/network/network-fault.js';
import type { Platform } from '../../../../src/platform/platform.js';
import type { Target } from '../../../../src/targets/target.js';
import { FakeNetnsRunner, fail, ok } from '../../support/fakes.js';

const target: Target = { id: 'a1b2c3d4e5f6', name: 'shop-api-1', service: 'api' };
const comment = 'faultline run=3f9a1c7e fault=partition-1';
const set = (family: 'ipv4' | 'ipv6', hook: 'OUTPUT' | 'INPUT', cidr: string): IptablesRuleSet => ({
  family,
  chain: `FL-3f9a1c7e-partition-1${family === 'ipv6' ? '6' : ''}-${hook[0]}`,
  hook,
  comment,
  rules: [[hook === 'OUTPUT' ? '-d' : '-s', cidr, '-j', 'DROP']],
});
const plan: IptablesPlan = {
  type: 'iptables',
  kind: 'partition',
  sets: [
    set('ipv4', 'OUTPUT', '172.20.0.3/32'),
    set('ipv4', 'INPUT', '172.20.0.3/32'),
    set('ipv6', 'OUTPUT', 'fd00::3/128'),
  ],
};

/** The namespace as the save tools see it: nf_tables, no filter table yet, no legacy rules. */
function answers(overrides: (argv: string[], input?: string) => CommandResult | undefined = () => undefined) {
  return new FakeNetnsRunner((argv, _target, input) => overrides(argv, input) ?? ok());
}

function inject(runner: FakeNetnsRunner, announced: unknown[] = []) {
  const ctx: InjectContext = { platform: {} as Platform, network: () => new NetworkContext(runner) };
  return iptablesFamily.inject(plan, target, 'partition-1', ctx, (recipe) => announced.push(recipe));
}

const V4_BATCH = [
  '*filter',
  ':FL-3f9a1c7e-partition-1-O - [0:0]',
  ':FL-3f9a1c7e-partition-1-I - [0:0]',
  '-A FL-3f9a1c7e-partition-1-O -d 172.20.0.3/32 -j DROP',
  '-A FL-3f9a1c7e-partition-1-I -s 172.20.0.3/32 -j DROP',
  `-I OUTPUT 1 -m comment --comment "${comment}" -j FL-3f9a1c7e-partition-1-O`,
  `-I INPUT 1 -m comment --comment "${comment}" -j FL-3f9a1c7e-partition-1-I`,
  'COMMIT',
];

/** The ipv4 revert batch: each jump deleted, then its chain flushed and removed. */
const V4_REVERT = [
  '*filter',
  `-D OUTPUT -m comment --comment "${comment}" -j FL-3f9a1c7e-partition-1-O`,
  '-F FL-3f9a1c7e-partition-1-O',
  '-X FL-3f9a1c7e-partition-1-O',
  `-D INPUT -m comment --comment "${comment}" -j FL-3f9a1c7e-partition-1-I`,
  '-F FL-3f9a1c7e-partition-1-I',
  '-X FL-3f9a1c7e-partition-1-I',
  'COMMIT',
];

describe('an iptables fault goes in as one iptables-restore batch per family', () => {
  it('runs one restore per family with the chains, rules and jumps on stdin', async () => {
    const runner = answers();
    const fault = await inject(runner);
    const restores = runner.calls.filter((call) => call.argv[0]!.endsWith('-restore'));
    expect(restores.map((call) => call.argv)).toEqual([
      ['iptables-nft-restore', '-w', '5', '--noflush'],
      ['ip6tables-nft-restore', '-w', '5', '--noflush'],
    ]);
    expect(restores[0]!.input).toBe(`${V4_BATCH.join('\n')}\n`);
    expect(restores[1]!.input).toBe(
      [
        '*filter',
        ':FL-3f9a1c7e-partition-16-O - [0:0]',
        '-A FL-3f9a1c7e-partition-16-O -d fd00::3/128 -j DROP',
        `-I OUTPUT 1 -m comment --comment "${comment}" -j FL-3f9a1c7e-partition-16-O`,
        'COMMIT',
        '',
      ].join('\n'),
    );
    // No single iptables command: detection, the ipv6 table question, then the two batches.
    expect(runner.lines().filter((line) => /^ip6?tables-nft -/.test(line))).toEqual([]);
    expect(await fault.revert()).toMatchObject({ status: 'reverted' });
  });

  it('reverts in one batch per family, deleting the jumps and then the chains', async () => {
    const runner = answers();
    const fault = await inject(runner);
    runner.calls.length = 0;
    expect(await fault.revert()).toMatchObject({ status: 'reverted' });
    const restores = runner.calls.filter((call) => call.argv[0]!.endsWith('-restore'));
    expect(restores[0]!.input).toBe(`${V4_REVERT.join('\n')}\n`);
    expect(restores).toHaveLength(2);
    expect(runner.lines().filter((line) => / -[DFX] /.test(line))).toEqual([]);
  });

  it('a refused batch names its failing line and removes only what earlier batches put in', async () => {
    const runner = answers((argv) =>
      argv[0] === 'ip6tables-nft-restore'
        ? fail(
            "ip6tables-nft-restore v1.8.9 (nf_tables): Couldn't load target `NOPE'\nError occurred at line: 3\nTry `ip6tables-nft-restore -h' for more information.",
            2,
          )
        : undefined,
    );
    const error = await inject(runner).catch((thrown: Error) => thrown);
    expect((error as Error).message).toBe(
      "ip6tables-nft-restore failed at line 3 of the batch (-A FL-3f9a1c7e-partition-16-O -d fd00::3/128 -j DROP): ip6tables-nft-restore v1.8.9 (nf_tables): Couldn't load target `NOPE'",
    );
    const after = runner.lines().slice(runner.lines().indexOf('ip6tables-nft-restore -w 5 --noflush') + 1);
    expect(after).toEqual([
      `iptables-nft -w 5 -D INPUT -m comment --comment ${comment} -j FL-3f9a1c7e-partition-1-I`,
      'iptables-nft -w 5 -F FL-3f9a1c7e-partition-1-I',
      'iptables-nft -w 5 -X FL-3f9a1c7e-partition-1-I',
      `iptables-nft -w 5 -D OUTPUT -m comment --comment ${comment} -j FL-3f9a1c7e-partition-1-O`,
      'iptables-nft -w 5 -F FL-3f9a1c7e-partition-1-O',
      'iptables-nft -w 5 -X FL-3f9a1c7e-partition-1-O',
      // The ipv4 filter table was not there before: it is dropped again once empty.
      'iptables-nft-save -t filter',
      'nft delete table ip filter',
    ]);
  });

  it('a batch that may have gone in (a timeout) is removed with the rest', async () => {
    const runner = answers((argv) => (argv[0] === 'iptables-nft-restore' ? fail('', 124) : undefined));
    const error = await inject(runner).catch((thrown: Error) => thrown);
    expect((error as Error).message).toBe('iptables-nft-restore failed: exit 124');
    expect(runner.lines()).toContain('iptables-nft -w 5 -X FL-3f9a1c7e-partition-1-O');
    expect(runner.lines().some((line) => line.startsWith('ip6tables-nft-restore'))).toBe(false);
  });

  it('when a revert batch fails, each rule is removed on its own and the outcome is as before', async () => {
    const gone = /-D INPUT .*partition-1-I$/;
    const runner = answers();
    const fault = await inject(runner);
    runner.calls.length = 0;
    runner.answer = (argv) => {
      if (argv[0] === 'iptables-nft-restore') return fail('iptables-nft-restore: line 5 failed', 1);
      if (gone.test(argv.join(' ')))
        return fail('iptables: Bad rule (does a matching rule exist in that chain?).');
      return ok();
    };
    expect(await fault.revert()).toMatchObject({ status: 'target-gone' });
    const ipv4 = runner.lines().filter((line) => line.startsWith('iptables-nft '));
    expect(ipv4).toHaveLength(6);
    expect(ipv4).toContain('iptables-nft -w 5 -X FL-3f9a1c7e-partition-1-I');
    // The ipv6 batch went through: none of its rules is removed one by one.
    expect(runner.lines().filter((line) => line.startsWith('ip6tables-nft '))).toEqual([]);
  });

  it('a revert whose fallback cannot remove a rule reports it failed', async () => {
    const runner = answers();
    const fault = await inject(runner);
    runner.answer = (argv) =>
      argv[0]!.endsWith('-restore') || argv.includes('-F')
        ? fail('iptables: Resource temporarily unavailable.', 4)
        : ok();
    const outcome = await fault.revert();
    expect(outcome.status).toBe('failed');
    expect(outcome.detail).toContain('iptables-nft -w 5 -F FL-3f9a1c7e-partition-1-O');
  });
});

describe('plan shows each batch as its command and here-document', () => {
  it('shows the apply and the revert batches', () => {
    const display = (t: Target, argv: readonly string[]) => `nsenter ${t.name} ${argv.join(' ')}`;
    const described = iptablesFamily.describe({ ...plan, sets: plan.sets.slice(0, 2) }, target, display);
    expect(described.actions).toEqual([
      ["nsenter shop-api-1 iptables-restore -w 5 --noflush <<'EOF'", ...V4_BATCH, 'EOF'].join('\n'),
    ]);
    expect(described.reverts[0]!.split('\n')).toEqual([
      "nsenter shop-api-1 iptables-restore -w 5 --noflush <<'EOF'",
      ...V4_REVERT,
      'EOF',
    ]);
    expect(described.reverts[1]!.split('\n')).toEqual([
      '# instead, where the fault created the nf_tables filter table and it holds only these rules:',
      'nsenter shop-api-1 iptables-save -t filter',
      'nsenter shop-api-1 nft delete table ip filter',
    ]);
  });
});
