import type { ContainerSummary } from '../docker/client.js';
import type { PeerSelector } from '../experiment/shapes.js';
import type { Target } from '../targets/target.js';
import { chainName, type Family, type IptablesRuleSet, ruleComment, scopeRules } from './iptables-plan.js';
import { isIpv6, type ResolvedScope, withPrefix } from './scope.js';

/** Addresses of a container, per network. */
export function addressesOf(
  container: Pick<ContainerSummary, 'networks'>,
): { network: string; address: string }[] {
  return container.networks.flatMap((network) => [
    ...(network.ipv4 ? [{ network: network.name, address: network.ipv4 }] : []),
    ...(network.ipv6 ? [{ network: network.name, address: network.ipv6 }] : []),
  ]);
}

/**
 * A peer container's addresses on the networks it shares with the target: the addresses the target's
 * traffic to it actually uses. Sharing none is an error: their traffic does not flow directly.
 */
export function sharedAddresses(target: ContainerSummary, peer: ContainerSummary): string[] {
  const networks = new Set(target.networks.map((network) => network.name));
  return addressesOf(peer)
    .filter((entry) => networks.has(entry.network))
    .map((entry) => withPrefix(entry.address));
}

export class PeerError extends Error {}

export interface PeerResolver {
  /** Containers a selector names (throws NoTargetError when none). */
  select(selector: PeerSelector): ContainerSummary[];
  container(target: Target): ContainerSummary;
}

export function resolveScope(
  spec: {
    to?: PeerSelector[] | undefined;
    ports?: number[] | undefined;
    protocol?: ResolvedScope['protocol'] | undefined;
  },
  target: Target,
  peers: PeerResolver,
): ResolvedScope {
  const cidrs = new Set<string>();
  const self = peers.container(target);
  for (const peer of spec.to ?? []) {
    if (peer.cidr) {
      cidrs.add(withPrefix(peer.cidr));
      continue;
    }
    for (const container of peers.select(peer)) {
      if (container.id === target.id) continue;
      const addresses = sharedAddresses(self, container);
      if (addresses.length === 0) {
        throw new PeerError(
          `${target.name} and ${container.name} share no network (${self.networks.map((network) => network.name).join(', ') || 'none'} vs ${container.networks.map((network) => network.name).join(', ') || 'none'})`,
        );
      }
      for (const address of addresses) cidrs.add(address);
    }
  }
  if ((spec.to?.length ?? 0) > 0 && cidrs.size === 0) {
    throw new PeerError(`the peers of ${target.name} resolve to no address other than its own`);
  }
  return { cidrs: [...cidrs].sort(), ports: spec.ports ?? [], protocol: spec.protocol ?? 'all' };
}

export function familiesFor(scope: ResolvedScope, container: ContainerSummary): Family[] {
  if (scope.cidrs.length > 0) {
    const families = new Set<Family>(scope.cidrs.map((cidr) => (isIpv6(cidr) ? 'ipv6' : 'ipv4')));
    return [...families];
  }
  return hasIpv6(container) ? ['ipv4', 'ipv6'] : ['ipv4'];
}

/** A fault's chains: one per address family the scope needs and per hook, named for the run and the fault. */
export function ruleSets(
  scope: ResolvedScope,
  container: ContainerSummary,
  ids: { runId: string; faultId: string },
  hooks: readonly ('OUTPUT' | 'INPUT')[],
  verdict: 'drop' | 'reset',
): IptablesRuleSet[] {
  return familiesFor(scope, container).flatMap((family) =>
    hooks.map((hook) => ({
      family,
      chain: chainName(ids.runId, `${ids.faultId}${family === 'ipv6' ? '6' : ''}`, hook),
      hook,
      comment: ruleComment(ids.runId, ids.faultId),
      rules: scopeRules(scope, hook, verdict, family),
    })),
  );
}

export function hasIpv6(container: ContainerSummary): boolean {
  return container.networks.some((network) => network.ipv6);
}

/** Partition groups: each member's blocked addresses are every other group's members' shared addresses. */
export function partitionTargets(
  groups: ContainerSummary[][],
  spec: { direction?: 'both' | 'one-way' | undefined },
): { container: ContainerSummary; blockedAddresses: string[]; egressOnly: boolean }[] {
  const seen = new Map<string, number>();
  groups.forEach((group, index) => {
    for (const container of group) {
      const earlier = seen.get(container.id);
      if (earlier !== undefined && earlier !== index) {
        throw new PeerError(
          `${container.name} is in partition groups ${earlier + 1} and ${index + 1}; a container can be in one group only`,
        );
      }
      seen.set(container.id, index);
    }
  });
  const oneWay = spec.direction === 'one-way';
  const result: { container: ContainerSummary; blockedAddresses: string[]; egressOnly: boolean }[] = [];
  groups.forEach((group, index) => {
    if (oneWay && index > 0) return;
    const others = groups.filter((_, other) => other !== index).flat();
    for (const container of group) {
      const blocked = new Set(others.flatMap((other) => sharedAddresses(container, other)));
      if (blocked.size === 0) continue;
      result.push({ container, blockedAddresses: [...blocked].sort(), egressOnly: oneWay });
    }
  });
  return result;
}
