import { isIpv6, protocolsOf, type ResolvedScope } from './scope.js';

/**
 * iptables rules, as data. Each fault gets its own chains (one per direction), jumped to from INPUT
 * or OUTPUT by a rule whose comment names the run and the fault. Revert deletes exactly those jumps
 * and chains, so rules that others added are never touched, and `faultline recover` can find
 * faultline's rules by their chain names and comments alone.
 */
export type Family = 'ipv4' | 'ipv6';
export type Verdict = 'drop' | 'reset' | 'reject';

export interface IptablesRuleSet {
  family: Family;
  /** Chain name, at most 28 characters: FL-<run>-<fault>-O|I */
  chain: string;
  hook: 'OUTPUT' | 'INPUT';
  comment: string;
  /** Rule bodies appended to the chain (argv after `-A CHAIN`). */
  rules: string[][];
}

export const CHAIN_PREFIX = 'FL-';

export function chainName(runId: string, faultId: string, hook: 'OUTPUT' | 'INPUT'): string {
  const name = `${CHAIN_PREFIX}${runId.slice(0, 8)}-${faultId}`.slice(0, 26);
  return `${name}-${hook === 'OUTPUT' ? 'O' : 'I'}`;
}

export function ruleComment(runId: string, faultId: string): string {
  return `faultline run=${runId} fault=${faultId}`;
}

function target(verdict: Verdict, protocol: string | undefined, family: Family): string[] {
  if (verdict === 'drop') return ['-j', 'DROP'];
  // An RST is let through: the reset REJECT itself answers with one, and dropping it would turn a
  // fast refusal into a hang (with direction both, the INPUT rule would catch the OUTPUT rule's RST).
  if (verdict === 'reset' && protocol === 'tcp') {
    return ['!', '--tcp-flags', 'RST', 'RST', '-j', 'REJECT', '--reject-with', 'tcp-reset'];
  }
  return [
    '-j',
    'REJECT',
    '--reject-with',
    family === 'ipv4' ? 'icmp-port-unreachable' : 'icmp6-port-unreachable',
  ];
}

/**
 * The rule bodies for one direction. Egress matches destination addresses; ingress matches source
 * addresses; ports are always destination ports (the service being called, or the target's own port).
 */
export function scopeRules(
  scope: ResolvedScope,
  hook: 'OUTPUT' | 'INPUT',
  verdict: Verdict,
  family: Family,
): string[][] {
  const cidrs = scope.cidrs.filter((cidr) => isIpv6(cidr) === (family === 'ipv6'));
  if (scope.cidrs.length > 0 && cidrs.length === 0) return [];
  const protocols = verdict === 'reset' ? (['tcp'] as const) : protocolsOf(scope);
  const rules: string[][] = [];
  for (const cidr of cidrs.length > 0 ? cidrs : [undefined]) {
    for (const protocol of protocols) {
      const base: string[] = [];
      if (cidr) base.push(hook === 'OUTPUT' ? '-d' : '-s', cidr);
      if (protocol) base.push('-p', protocol === 'icmp' && family === 'ipv6' ? 'ipv6-icmp' : protocol);
      if (scope.ports.length === 1) base.push('--dport', String(scope.ports[0]));
      if (scope.ports.length > 1) base.push('-m', 'multiport', '--dports', scope.ports.join(','));
      rules.push([...base, ...target(verdict, protocol, family)]);
    }
  }
  return rules;
}

/** argv (after the iptables binary) that install a rule set: chain, rules, then the jump. */
export function applyCommands(set: IptablesRuleSet): string[][] {
  return [
    ['-w', '5', '-N', set.chain],
    ...set.rules.map((rule) => ['-w', '5', '-A', set.chain, ...rule]),
    ['-w', '5', '-I', set.hook, '1', ...jumpOf(set)],
  ];
}

/** argv that remove a rule set: the jump first (traffic flows again), then the chain. */
export function revertCommands(set: IptablesRuleSet): string[][] {
  return [
    ['-w', '5', '-D', set.hook, ...jumpOf(set)],
    ['-w', '5', '-F', set.chain],
    ['-w', '5', '-X', set.chain],
  ];
}

/** One argument as iptables-restore reads it: double-quoted when it holds a space, a quote or a `#`. */
function restoreArg(arg: string): string {
  return /^[^\s"'\\#]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, '\\$1')}"`;
}

const restoreLine = (argv: readonly string[]) => argv.map(restoreArg).join(' ');

/**
 * The lines of one iptables-restore batch that installs rule sets of one family, committed as one
 * transaction: the chains, their rules, then the jumps into them.
 */
export function applyBatch(sets: readonly IptablesRuleSet[]): string[] {
  return [
    '*filter',
    ...sets.map((set) => `:${set.chain} - [0:0]`),
    ...sets.flatMap((set) => set.rules.map((rule) => restoreLine(['-A', set.chain, ...rule]))),
    ...sets.map((set) => restoreLine(['-I', set.hook, '1', ...jumpOf(set)])),
    'COMMIT',
  ];
}

/** The lines of one batch that removes rule sets of one family: each jump, then its chain. */
export function revertBatch(sets: readonly IptablesRuleSet[]): string[] {
  return [
    '*filter',
    ...sets.flatMap((set) => revertCommands(set).map((argv) => restoreLine(argv.slice(2)))),
    'COMMIT',
  ];
}

/** Rule sets grouped by family, in the order they first appear: one batch each. */
export function byFamily(sets: readonly IptablesRuleSet[]): { family: Family; sets: IptablesRuleSet[] }[] {
  const groups = new Map<Family, IptablesRuleSet[]>();
  for (const set of sets) groups.set(set.family, [...(groups.get(set.family) ?? []), set]);
  return [...groups].map(([family, members]) => ({ family, sets: members }));
}

/** The arguments of the rule that jumps from the set's hook into its chain (after `-A HOOK`). */
export function jumpOf(set: IptablesRuleSet): string[] {
  return ['-m', 'comment', '--comment', set.comment, '-j', set.chain];
}

/** Name resolution fails: queries to port 53 and to Docker's embedded resolver are refused at once. */
export function dnsRules(family: Family): string[][] {
  const reject = [
    '-j',
    'REJECT',
    '--reject-with',
    family === 'ipv4' ? 'icmp-port-unreachable' : 'icmp6-port-unreachable',
  ];
  const rules = [
    ['-p', 'udp', '--dport', '53', ...reject],
    ['-p', 'tcp', '--dport', '53', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
  ];
  // Docker's embedded DNS answers on 127.0.0.11 and NATs port 53 to a random port first.
  if (family === 'ipv4') rules.push(['-d', '127.0.0.11/32', ...reject]);
  return rules;
}

/** Splits an iptables-save line into arguments, honouring double quotes. */
export function splitSaveLine(line: string): string[] {
  const args: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of line.matchAll(pattern))
    args.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!);
  return args;
}
