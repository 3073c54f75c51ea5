/**
 * A network fault's scope once its peers are resolved to addresses: the traffic a fault applies to.
 * Pure data: tc and iptables commands are derived from it.
 */
export interface ResolvedScope {
  /** Peer addresses as CIDRs (containers become /32 or /128). Empty means any address. */
  cidrs: string[];
  ports: number[];
  protocol: 'tcp' | 'udp' | 'icmp' | 'all';
}

export function isIpv6(cidr: string): boolean {
  return cidr.includes(':');
}

export function withPrefix(address: string): string {
  if (address.includes('/')) return address;
  return isIpv6(address) ? `${address}/128` : `${address}/32`;
}

/** The protocols a scope's rules must name: ports need tcp and udp rules when no protocol is given. */
export function protocolsOf(scope: ResolvedScope): ('tcp' | 'udp' | 'icmp' | undefined)[] {
  if (scope.protocol !== 'all') return [scope.protocol];
  return scope.ports.length > 0 ? ['tcp', 'udp'] : [undefined];
}

/** A stable key: faults with the same scope share one tc band and compose there. */
export function scopeKey(scope: ResolvedScope): string {
  return JSON.stringify([[...scope.cidrs].sort(), [...scope.ports].sort((a, b) => a - b), scope.protocol]);
}

export function describeScope(scope: ResolvedScope): string {
  const parts: string[] = [];
  if (scope.cidrs.length > 0) parts.push(`to/from ${scope.cidrs.join(', ')}`);
  if (scope.ports.length > 0) parts.push(`port ${scope.ports.join(', ')}`);
  if (scope.protocol !== 'all') parts.push(scope.protocol);
  return parts.length > 0 ? parts.join(' ') : 'all traffic';
}
