import { parseQdiscs } from '../network/interfaces.js';
import { CHAIN_PREFIX } from '../network/iptables-plan.js';
import type { NetnsRunner } from '../network/netns-runner.js';
import { ROOT_HANDLE } from '../network/tc-plan.js';
import type { Target } from '../targets/target.js';

/** Something faultline left in a container's network namespace, found by looking, with how to remove it. */
export interface Leftover {
  what: string;
  /** The run that left it, when it can be told (iptables chains carry it). */
  runId: string | undefined;
  commands: string[][];
}

/** Splits an iptables-save line into arguments, honouring double quotes. */
export function splitSaveLine(line: string): string[] {
  const args: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of line.matchAll(pattern))
    args.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!);
  return args;
}

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

/** faultline's root qdiscs (handle fa1:) and ingress redirects (to flin-* ifb devices) in a namespace. */
export async function tcLeftovers(runner: NetnsRunner, target: Target): Promise<Leftover[]> {
  const links = await runner.run(target, ['ip', '-j', 'link', 'show']);
  if (links.exitCode !== 0) return [];
  const devices = (JSON.parse(links.stdout) as { ifname: string }[]).map(
    (link) => link.ifname.split('@')[0]!,
  );
  const found: Leftover[] = [];
  for (const device of devices) {
    const shown = await runner.run(target, ['tc', '-j', 'qdisc', 'show', 'dev', device]);
    if (shown.exitCode !== 0) continue;
    const qdiscs = parseQdiscs(shown.stdout);
    if (device.startsWith('flin-')) continue;
    const ifb = devices.find((name) => name === `flin-${device}`.slice(0, 15));
    if (ifb && qdiscs.some((qdisc) => qdisc.kind === 'ingress')) {
      found.push({
        what: `ingress redirect on ${device} to ${ifb}`,
        runId: undefined,
        commands: [
          ['tc', 'qdisc', 'del', 'dev', device, 'handle', 'ffff:', 'ingress'],
          ['ip', 'link', 'del', ifb],
        ],
      });
    }
    if (qdiscs.some((qdisc) => qdisc.root && qdisc.handle === ROOT_HANDLE)) {
      found.push({
        what: `root qdisc ${ROOT_HANDLE} on ${device}`,
        runId: undefined,
        commands: [['tc', 'qdisc', 'del', 'dev', device, 'root', 'handle', ROOT_HANDLE]],
      });
    }
  }
  // An ifb device whose redirect is already gone.
  for (const ifb of devices.filter((name) => name.startsWith('flin-'))) {
    if (!found.some((item) => item.commands.some((argv) => argv.includes(ifb)))) {
      found.push({ what: `ifb device ${ifb}`, runId: undefined, commands: [['ip', 'link', 'del', ifb]] });
    }
  }
  return found;
}

export async function namespaceLeftovers(runner: NetnsRunner, target: Target): Promise<Leftover[]> {
  const found: Leftover[] = [];
  for (const binary of ['iptables-nft', 'iptables-legacy', 'ip6tables-nft', 'ip6tables-legacy']) {
    const save = await runner.run(target, [`${binary}-save`]).catch(() => undefined);
    if (save && save.exitCode === 0) found.push(...iptablesLeftovers(save.stdout, binary));
  }
  found.push(...(await tcLeftovers(runner, target)));
  return found;
}
