import { CHAIN_PREFIX, splitSaveLine } from '../../network/iptables-plan.js';

export { splitSaveLine };

import type { NetnsRunner } from '../../network/netns-runner.js';
import type { Target } from '../../targets/target.js';
import type { Leftover } from '../driver.js';

/**
 * Finds faultline's chains in `iptables-save` output: the jumps to them (to delete with -D) and the
 * chains (to flush and delete). Chain names carry the run id: FL-<run>-<fault>-O|I.
 */
export function iptablesLeftovers(save: string, binary: string): Leftover[] {
  const chains = new Map<string, Leftover>();
  const leftover = (chain: string): Leftover => {
    let entry = chains.get(chain);
    if (!entry) {
      entry = {
        what: `${binary} chain ${chain}`,
        runId: chain.slice(CHAIN_PREFIX.length).split('-')[0],
        commands: [],
      };
      chains.set(chain, entry);
    }
    return entry;
  };
  let table = 'filter';
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    if (table !== 'filter') continue;
    if (line.startsWith(`:${CHAIN_PREFIX}`)) leftover(line.slice(1).split(' ')[0]!);
    if (line.startsWith('-A ')) {
      const args = splitSaveLine(line);
      const jump = args[args.indexOf('-j') + 1];
      if (args.includes('-j') && jump?.startsWith(CHAIN_PREFIX) && !args[1]!.startsWith(CHAIN_PREFIX)) {
        leftover(jump).commands.unshift(['-w', '5', '-D', ...args.slice(1)]);
      }
    }
  }
  for (const [chain, entry] of chains)
    entry.commands.push(['-w', '5', '-F', chain], ['-w', '5', '-X', chain]);
  return [...chains.values()].map((entry) => ({
    ...entry,
    commands: entry.commands.map((argv) => [binary, ...argv]),
  }));
}

/** faultline's chains in every iptables flavour the namespace has. */
export async function iptablesScan(runner: NetnsRunner, target: Target): Promise<Leftover[]> {
  const found: Leftover[] = [];
  for (const binary of ['iptables-nft', 'iptables-legacy', 'ip6tables-nft', 'ip6tables-legacy']) {
    const save = await runner.run(target, [`${binary}-save`]).catch(() => undefined);
    if (save && save.exitCode === 0) found.push(...iptablesLeftovers(save.stdout, binary));
  }
  return found;
}
