import { CHAIN_PREFIX } from '../../network/iptables-plan.js';
import type { NetnsRunner } from '../../network/netns-runner.js';
import type { Target } from '../../targets/target.js';
import type { Leftover } from '../driver.js';
import { splitSaveLine } from '../iptables/scan.js';

const PROXY_CHAIN = new RegExp(`^${CHAIN_PREFIX}[^-]+-.+-N[PO]$`);

/**
 * Finds faultline's chains in the `nat` table of `iptables-save` output: the jumps to them from
 * PREROUTING or OUTPUT (to delete with -D) and the chains (to flush and delete). Chain names carry
 * the run id: FL-<run>-<fault>-NP|NO. Docker's own nat chains (DOCKER_OUTPUT, ...) are never named.
 */
export function natLeftovers(save: string, binary: string): Leftover[] {
  const chains = new Map<string, Leftover>();
  const leftover = (chain: string): Leftover => {
    let entry = chains.get(chain);
    if (!entry) {
      entry = {
        what: `${binary} nat chain ${chain}`,
        runId: chain.slice(CHAIN_PREFIX.length).split('-')[0],
        commands: [],
      };
      chains.set(chain, entry);
    }
    return entry;
  };
  // Only the chains proxy faults name (FL-<run>-<fault>-NP|NO): another FL- chain is not one of ours.
  const ours = (chain: string | undefined) => chain !== undefined && PROXY_CHAIN.test(chain);
  let table = '';
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    if (table !== 'nat') continue;
    const declared = line.startsWith(':') ? line.slice(1).split(' ')[0] : undefined;
    if (ours(declared)) leftover(declared!);
    if (line.startsWith('-A ')) {
      const args = splitSaveLine(line);
      const jump = args[args.indexOf('-j') + 1];
      if (args.includes('-j') && ours(jump) && !args[1]!.startsWith(CHAIN_PREFIX)) {
        leftover(jump!).commands.unshift(['-w', '5', '-t', 'nat', '-D', ...args.slice(1)]);
      }
    }
  }
  for (const [chain, entry] of chains) {
    entry.commands.push(['-w', '5', '-t', 'nat', '-F', chain], ['-w', '5', '-t', 'nat', '-X', chain]);
  }
  return [...chains.values()].map((entry) => ({
    ...entry,
    commands: entry.commands.map((argv) => [binary, ...argv]),
  }));
}

/** faultline's nat chains in every IPv4 iptables flavour the namespace has. */
export async function proxyScan(runner: NetnsRunner, target: Target): Promise<Leftover[]> {
  const found: Leftover[] = [];
  for (const binary of ['iptables-nft', 'iptables-legacy']) {
    // Without -t: naming the nat table would create it in iptables-legacy, a change of its own.
    const save = await runner.run(target, [`${binary}-save`]).catch(() => undefined);
    if (save && save.exitCode === 0) found.push(...natLeftovers(save.stdout, binary));
  }
  return found;
}
