import { describe, expect, it } from 'vitest';
import type { InjectContext } from '../../../src/faults/driver.js';
import { iptablesFamily } from '../../../src/faults/iptables/family.js';
import { NetworkContext } from '../../../src/network/network-fault.js';
import { onlyTheseSets } from '../../../src/network/nft-tables.js';
import type { Platform } from '../../../src/platform/platform.js';
import { FakeNetnsRunner, fail, ok } from '../support/fakes.js';
import {
  PARTITION_COMMENT,
  partitionPlan,
  partitionSet,
  partitionSets,
  savedWithFault,
} from '../support/partition-fault.js';

const target = { id: 'a1b2c3d4e5f6', name: 'shop-api-1' };
const comment = PARTITION_COMMENT;
const set = partitionSet;
const sets = partitionSets();
const plan = partitionPlan();

/** What iptables-nft-save -t filter prints while the fault is in, plus `extra` lines before COMMIT. */
const saved = (extra: string[] = [], policy = 'ACCEPT') => savedWithFault(extra, { policy, frame: true });

describe('a filter table that holds only the fault', () => {
  it("is told apart from one that holds anything else, or lacks part of the fault's rules", () => {
    expect(onlyTheseSets(saved(), sets)).toBe(true);
    expect(onlyTheseSets(saved(['-A OUTPUT -p tcp --dport 22 -j ACCEPT']), sets)).toBe(false);
    expect(onlyTheseSets(saved([':MINE - [0:0]']), sets)).toBe(false);
    expect(onlyTheseSets(saved([], 'DROP'), sets)).toBe(false);
    expect(onlyTheseSets(saved(["# Table `filter' is incompatible, use 'nft' tool."]), sets)).toBe(false);
    expect(onlyTheseSets(saved().replace(/^-A OUTPUT .*\n/m, ''), sets)).toBe(false);
    expect(onlyTheseSets(saved().replace(`"${comment}"`, '"someone else"'), sets)).toBe(false);
    expect(onlyTheseSets(saved(), [...sets, { ...set('OUTPUT'), chain: 'FL-3f9a1c7e-partition-2-O' }])).toBe(
      false,
    );
  });
});

/** nf_tables with no filter table before the fault; the save at revert answers `atRevert`. */
function runner(atRevert: string) {
  let injected = false;
  return new FakeNetnsRunner((argv) => {
    if (argv[0] === 'iptables-nft-save') return ok(injected ? atRevert : '*nat\nCOMMIT\n');
    if (argv[0] === 'iptables-legacy-save') return ok();
    if (argv[0] === 'iptables-nft-restore') injected = true;
    return ok();
  });
}

async function injectAndRevert(fake: FakeNetnsRunner) {
  const ctx: InjectContext = { platform: {} as Platform, network: () => new NetworkContext(fake) };
  const fault = await iptablesFamily.inject(plan, target, 'partition-1', ctx, () => undefined);
  const before = fake.calls.length;
  const outcome = await fault.revert();
  return { outcome, reverted: fake.lines().slice(before) };
}

describe('reverting a fault that created the filter table', () => {
  it('drops the table with the rules in one step when it holds nothing else', async () => {
    const { outcome, reverted } = await injectAndRevert(runner(saved()));
    expect(reverted).toEqual(['iptables-nft-save -t filter', 'nft delete table ip filter']);
    expect(outcome).toMatchObject({
      status: 'reverted',
      detail: 'removed chains FL-3f9a1c7e-partition-1-O, FL-3f9a1c7e-partition-1-I',
    });
  });

  it('removes only its own rules, with the batch, when something else went into the table meanwhile', async () => {
    const fake = runner(saved(['-A OUTPUT -p tcp --dport 22 -j ACCEPT']));
    const { outcome, reverted } = await injectAndRevert(fake);
    expect(reverted).toEqual([
      'iptables-nft-save -t filter',
      'iptables-nft-restore -w 5 --noflush',
      'iptables-nft-save -t filter',
    ]);
    expect(reverted).not.toContain('nft delete table ip filter');
    expect(outcome.status).toBe('reverted');
  });

  it('falls back to the batch when nft cannot drop the table', async () => {
    const fake = runner(saved());
    const answer = fake.answer;
    fake.answer = (argv, t, input) =>
      argv[0] === 'nft' ? fail('nft: not found', 127) : answer(argv, t, input);
    const { outcome, reverted } = await injectAndRevert(fake);
    expect(reverted.slice(0, 3)).toEqual([
      'iptables-nft-save -t filter',
      'nft delete table ip filter',
      'iptables-nft-restore -w 5 --noflush',
    ]);
    expect(outcome.status).toBe('reverted');
  });
});
