import type { Target } from '../targets/target.js';
import type { NetnsRunner } from './netns-runner.js';
import { isIpv6 } from './scope.js';

export interface NetInterface {
  name: string;
  addresses: { address: string; prefix: number; family: 'ipv4' | 'ipv6' }[];
}

/** Parses `ip -j addr show`. */
export function parseIpAddr(json: string): NetInterface[] {
  const links = JSON.parse(json) as {
    ifname: string;
    addr_info?: { family: string; local: string; prefixlen: number; scope?: string }[];
  }[];
  return links.map((link) => ({
    // Inside a namespace, veth peers read "eth0@if12": the part before @ is the device.
    name: link.ifname.split('@')[0]!,
    addresses: (link.addr_info ?? [])
      .filter((info) => info.family === 'inet' || info.family === 'inet6')
      .map((info) => ({
        address: info.local,
        prefix: info.prefixlen,
        family: info.family === 'inet' ? ('ipv4' as const) : ('ipv6' as const),
      })),
  }));
}

export async function listInterfaces(runner: NetnsRunner, target: Target): Promise<NetInterface[]> {
  const result = await runner.run(target, ['ip', '-j', 'addr', 'show']);
  if (result.exitCode !== 0) throw new Error(`ip addr failed in ${target.name}: ${result.stderr.trim()}`);
  return parseIpAddr(result.stdout);
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((total, part) => total * 256 + Number(part), 0);
}

export function ipv4InSubnet(address: string, network: string, prefix: number): boolean {
  if (prefix === 0) return true;
  const mask = prefix === 32 ? 0xffffffff : (~0 << (32 - prefix)) >>> 0;
  return (ipv4ToNumber(address) & mask) >>> 0 === (ipv4ToNumber(network) & mask) >>> 0;
}

/**
 * The devices a fault shapes: with peers, the interfaces whose subnet holds a peer (the networks they
 * share), plus the default-route interface for peers outside every subnet; without, every interface
 * but loopback.
 */
export function devicesFor(interfaces: readonly NetInterface[], cidrs: readonly string[]): string[] {
  const candidates = interfaces.filter((item) => item.name !== 'lo' && item.addresses.length > 0);
  if (cidrs.length === 0) return candidates.map((item) => item.name);
  const chosen = new Set<string>();
  for (const cidr of cidrs) {
    const [address] = cidr.split('/');
    const holder = isIpv6(address!)
      ? undefined
      : candidates.find((item) =>
          item.addresses.some(
            (entry) => entry.family === 'ipv4' && ipv4InSubnet(address!, entry.address, entry.prefix),
          ),
        );
    chosen.add((holder ?? candidates[0])?.name ?? 'eth0');
  }
  return [...chosen];
}

export interface QdiscInfo {
  kind: string;
  handle: string;
  root: boolean;
}

/** Parses `tc -j qdisc show dev X`. */
export function parseQdiscs(json: string): QdiscInfo[] {
  const items = JSON.parse(json || '[]') as {
    kind: string;
    handle: string;
    root?: boolean;
    parent?: string;
  }[];
  return items.map((item) => ({ kind: item.kind, handle: item.handle, root: item.root === true }));
}
