import { CHAIN_PREFIX, ruleComment } from '../../network/iptables-plan.js';

/**
 * The nat rules that steer a proxy fault's traffic to its proxy, as data. Each fault gets one chain in
 * the `nat` table, jumped to from PREROUTING (traffic the target receives on its own ports) or OUTPUT
 * (traffic it sends to peers) by a rule whose comment names the run and the fault. Revert deletes
 * exactly that jump and that chain, so nat rules others added (Docker's own) are never touched.
 */

export type NatHook = 'PREROUTING' | 'OUTPUT';

export interface NatRuleSet {
  /** At most 28 characters: FL-<run>-<fault>-NP (PREROUTING) or -NO (OUTPUT). */
  chain: string;
  hook: NatHook;
  comment: string;
  /** Rule bodies appended to the chain (argv after `-A CHAIN`). */
  rules: string[][];
}

/**
 * The proxy's listening ports: each fault owns ROUTES_PER_FAULT of them, from its number in the run.
 * Outside Linux's default ephemeral range (32768-60999), where the kernel places every socket that
 * binds no port of its own in the target's namespace (its outbound connections, Docker's embedded
 * DNS listener): a port from that range may already be taken there, and the proxy could not listen.
 */
export const LISTEN_PORTS = { from: 28000, to: 29999 } as const;
export const ROUTES_PER_FAULT = 8;

/**
 * The local ports the proxy's own upstream connections bind, exempted from the OUTPUT redirect so they
 * reach the peer rather than the proxy again. Below Linux's default ephemeral range (32768-60999): a
 * connection the target's application opens itself never gets one of these by chance, so none of its
 * traffic slips past the fault. Disjoint from LISTEN_PORTS.
 */
export const UPSTREAM_SOURCE_PORTS = { from: 30000, to: 32767 } as const;

const MAX_CHAIN = 28;

/**
 * FL-<run>-<fault>-NP|NO. A fault id too long to fit keeps its number (`http-slow-body-12` becomes
 * `http-slow-12`), so two faults of a run never share a chain.
 */
export function natChainName(runId: string, faultId: string, hook: NatHook): string {
  const head = `${CHAIN_PREFIX}${runId.slice(0, 8)}-`;
  const tail = hook === 'PREROUTING' ? '-NP' : '-NO';
  const room = MAX_CHAIN - head.length - tail.length;
  let fault = faultId;
  if (fault.length > room) {
    const number = /-\d+$/.exec(fault)?.[0] ?? '';
    fault = `${fault.slice(0, room - number.length).replace(/-+$/, '')}${number}`;
  }
  return `${head}${fault}${tail}`;
}

/**
 * The listening port of a fault's route: the fault's number in the run (the planner numbers faults
 * `<kind>-<n>`) picks its block of ROUTES_PER_FAULT ports, so `plan` and the run agree on it and two
 * faults of one run never share a port. Undefined when the block falls outside LISTEN_PORTS.
 */
export function listenPort(faultId: string, route: number): number | undefined {
  const number = Number(/-(\d+)$/.exec(faultId)?.[1] ?? 1);
  if (route >= ROUTES_PER_FAULT) return undefined;
  const port = LISTEN_PORTS.from + (Math.max(number, 1) - 1) * ROUTES_PER_FAULT + route;
  return port <= LISTEN_PORTS.to ? port : undefined;
}

/** Traffic the target receives on `port` goes to the proxy's `listen` port. */
export function inboundRule(port: number, listen: number): string[] {
  return ['-p', 'tcp', '--dport', String(port), '-j', 'REDIRECT', '--to-ports', String(listen)];
}

/** Traffic the target sends to `peer:port` goes to the proxy, except the proxy's own upstream connections. */
export function outboundRule(peer: string, port: number, listen: number): string[] {
  return [
    '-p',
    'tcp',
    '-d',
    peer,
    '--dport',
    String(port),
    '!',
    '--sport',
    `${UPSTREAM_SOURCE_PORTS.from}:${UPSTREAM_SOURCE_PORTS.to}`,
    '-j',
    'REDIRECT',
    '--to-ports',
    String(listen),
  ];
}

export function natRuleSet(
  ids: { runId: string; faultId: string },
  hook: NatHook,
  rules: string[][],
): NatRuleSet {
  return {
    chain: natChainName(ids.runId, ids.faultId, hook),
    hook,
    comment: ruleComment(ids.runId, ids.faultId),
    rules,
  };
}

/** argv (after the iptables binary) that install a rule set: chain, rules, then the jump. */
export function natApplyCommands(set: NatRuleSet): string[][] {
  return [
    ['-w', '5', '-t', 'nat', '-N', set.chain],
    ...set.rules.map((rule) => ['-w', '5', '-t', 'nat', '-A', set.chain, ...rule]),
    ['-w', '5', '-t', 'nat', '-I', set.hook, '1', ...jump(set)],
  ];
}

/** argv that remove a rule set: the jump first (traffic flows directly again), then the chain. */
export function natRevertCommands(set: NatRuleSet): string[][] {
  return [
    ['-w', '5', '-t', 'nat', '-D', set.hook, ...jump(set)],
    ['-w', '5', '-t', 'nat', '-F', set.chain],
    ['-w', '5', '-t', 'nat', '-X', set.chain],
  ];
}

function jump(set: NatRuleSet): string[] {
  return ['-m', 'comment', '--comment', set.comment, '-j', set.chain];
}
