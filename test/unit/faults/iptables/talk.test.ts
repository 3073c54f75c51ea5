import { describe, expect, it } from 'vitest';
import type { InjectContext } from '../../../../src/faults/driver.js';
import { iptablesFamily } from '../../../../src/faults/iptables/family.js';
import type { CommandResult, RunOptions } from '../../../../src/network/netns-runner.js';
import { NetworkContext } from '../../../../src/network/network-fault.js';
import type { Talk } from '../../../../src/network/talk.js';
import type { Platform } from '../../../../src/platform/platform.js';
import type { Target } from '../../../../src/targets/target.js';
import { FakeNetnsRunner, fail, ok } from '../../support/fakes.js';
import { PARTITION_COMMENT, partitionPlan, savedWithFault } from '../../support/partition-fault.js';

const target: Target = { id: 'a1b2c3d4e5f6', name: 'shop-api-1', service: 'api' };
const comment = PARTITION_COMMENT;
const plan = partitionPlan();
const withFault = (extra: string[] = []) => savedWithFault(extra);

/**
 * A way in that holds talks (as nsenter does): a look, then one follow-up or none. Every step is
 * logged in order, the ledger's announce included, and answered by the same function as commands.
 */
class TalkingRunner extends FakeNetnsRunner {
  readonly log: string[] = [];

  override run(target: Target, argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    this.log.push(`run ${argv.join(' ')}`);
    return super.run(target, argv, options);
  }

  async talk(target: Target, look: readonly string[], then: readonly (readonly string[])[]): Promise<Talk> {
    this.log.push(`look ${look.join(' ')}`);
    const looked = await this.answer([...look], target);
    let open = true;
    return {
      look: looked,
      answer: async (choice, input) => {
        open = false;
        const argv = [...then[choice]!];
        this.log.push(`answer ${argv.join(' ')}`);
        this.calls.push({ target: target.name, argv, ...(input === undefined ? {} : { input }) });
        return this.answer(argv, target, input);
      },
      end: async () => {
        if (open) this.log.push('end');
        open = false;
      },
    };
  }
}

/** nf_tables, no filter table yet, no legacy rules: as a fresh container's namespace. */
const fresh = (overrides: (argv: string[]) => CommandResult | undefined = () => undefined) =>
  new TalkingRunner((argv) => overrides(argv) ?? ok());

function inject(runner: TalkingRunner) {
  const ctx: InjectContext = { platform: {} as Platform, network: () => new NetworkContext(runner) };
  return iptablesFamily.inject(plan, target, 'partition-1', ctx, () => runner.log.push('announce'));
}

describe('an iptables fault on a way in that holds talks', () => {
  it('looks, writes the ledger entry, then sends the batch to the same process', async () => {
    const runner = fresh();
    await inject(runner);
    // Without /proc to read (a fake way in), the legacy tool is asked too, as before.
    expect(runner.log).toEqual([
      'look iptables-nft-save',
      'run iptables-legacy-save',
      'announce',
      'answer iptables-nft-restore -w 5 --noflush',
    ]);
    expect(runner.calls.at(-1)!.input).toMatch(/^\*filter\n:FL-3f9a1c7e-partition-1-O - \[0:0\]\n/);
  });

  it('a batch refused in the talk names its line, leaves nothing to remove, drops the table it made', async () => {
    const runner = fresh((argv) =>
      argv[0] === 'iptables-nft-restore'
        ? fail("iptables-nft-restore: Couldn't load target `NOPE'\nError occurred at line: 4", 2)
        : undefined,
    );
    const error = await inject(runner).catch((thrown: Error) => thrown);
    expect((error as Error).message).toBe(
      "iptables-nft-restore failed at line 4 of the batch (-A FL-3f9a1c7e-partition-1-O -d 172.20.0.3/32 -j DROP): iptables-nft-restore: Couldn't load target `NOPE'",
    );
    expect(runner.log.slice(4)).toEqual([
      'run iptables-nft-save -t filter',
      'run nft delete table ip filter',
    ]);
  });

  it('a batch stopped in the talk (its fate unknown) is removed rule by rule', async () => {
    const runner = fresh((argv) => (argv[0] === 'iptables-nft-restore' ? fail('timed out', 124) : undefined));
    await expect(inject(runner)).rejects.toThrow('iptables-nft-restore failed: timed out');
    expect(runner.log).toContain('run iptables-nft -w 5 -X FL-3f9a1c7e-partition-1-O');
  });

  it('ends the talk unanswered on the legacy backend, and restores with the legacy tool', async () => {
    const runner = fresh((argv) => {
      if (argv[0] === 'iptables-nft-save') return fail('iptables-nft-save: not found', 127);
      if (argv[0] === 'iptables-legacy-save') return ok('*filter\n-A OUTPUT -j ACCEPT\nCOMMIT\n');
      return undefined;
    });
    await inject(runner);
    expect(runner.log).toEqual([
      'look iptables-nft-save',
      'run iptables-legacy-save',
      'announce',
      'end',
      'run iptables-legacy-restore -w 5 --noflush',
    ]);
  });

  it('reverts by dropping the table it made when the look shows only its rules', async () => {
    const runner = fresh();
    const fault = await inject(runner);
    runner.log.length = 0;
    runner.answer = (argv) => (argv[0] === 'iptables-nft-save' ? ok(withFault()) : ok());
    expect(await fault.revert()).toMatchObject({ status: 'reverted' });
    expect(runner.log).toEqual(['look iptables-nft-save -t filter', 'answer nft delete table ip filter']);
  });

  it('reverts with the batch in the same talk when the table holds more, and rule by rule if refused', async () => {
    const runner = fresh();
    const fault = await inject(runner);
    runner.log.length = 0;
    const other = '-A OUTPUT -p tcp --dport 22 -j ACCEPT';
    runner.answer = (argv) => {
      if (argv[0] === 'iptables-nft-save') return ok(withFault([other]));
      if (argv[0] === 'iptables-nft-restore') return fail('iptables-nft-restore: line 2 failed');
      return ok();
    };
    expect(await fault.revert()).toMatchObject({ status: 'reverted' });
    expect(runner.log.slice(0, 3)).toEqual([
      'look iptables-nft-save -t filter',
      'answer iptables-nft-restore -w 5 --noflush',
      `run iptables-nft -w 5 -D OUTPUT -m comment --comment ${comment} -j FL-3f9a1c7e-partition-1-O`,
    ]);
    expect(runner.calls.findLast((call) => call.argv[0] === 'iptables-nft-restore')?.input).toMatch(
      /^\*filter\n-D OUTPUT /,
    );
  });

  it('a table drop refused in the talk is followed by the revert batch', async () => {
    const runner = fresh();
    const fault = await inject(runner);
    runner.log.length = 0;
    runner.answer = (argv) => {
      if (argv[0] === 'iptables-nft-save') return ok(withFault());
      if (argv[0] === 'nft') return fail('Error: Could not process rule: Device or resource busy');
      return ok();
    };
    expect(await fault.revert()).toMatchObject({ status: 'reverted' });
    expect(runner.log.slice(0, 3)).toEqual([
      'look iptables-nft-save -t filter',
      'answer nft delete table ip filter',
      'run iptables-nft-restore -w 5 --noflush',
    ]);
  });
});
