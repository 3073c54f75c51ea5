import { PeerError, type PeerResolver, resolveScope } from '../../network/network-plan.js';
import { isIpv6, withPrefix } from '../../network/scope.js';
import type { Target } from '../../targets/target.js';
import { deriveSeed } from '../../util/random.js';
import type { ProxyConfig, ProxyListener } from './config.js';
import {
  inboundRule,
  listenPort,
  type NatRuleSet,
  natRuleSet,
  outboundRule,
  ROUTES_PER_FAULT,
  UPSTREAM_SOURCE_PORTS,
} from './rules.js';
import type { ProxySpec } from './schema.js';

/** After SIGTERM, how long connections already through the proxy may finish. */
export const DRAIN_MS = 2000;

/** One way traffic reaches the proxy: where it listens, where it forwards, and the redirect rule. */
export interface Route {
  listen: { host: string; port: number };
  upstream: { host: string; port: number };
  rule: string[];
}

export interface ProxyRoutes {
  hook: 'PREROUTING' | 'OUTPUT';
  routes: Route[];
}

/**
 * The routes of a proxy fault on one target. `port`: one per port of the target itself; `to` with
 * `ports`: one per peer address and port. Peers are reached over IPv4, and a `cidr` must be a single
 * address (the proxy forwards each route to one upstream).
 */
export function proxyRoutes(
  spec: ProxySpec,
  target: Target,
  faultId: string,
  peers: PeerResolver,
): ProxyRoutes {
  const pairs = spec.port ? inboundPairs(spec.port, target, peers) : outboundPairs(spec, target, peers);
  if (pairs.length > ROUTES_PER_FAULT) {
    throw new PeerError(
      `${target.name}: ${pairs.length} routes (peer addresses x ports) through the proxy; one fault takes at most ${ROUTES_PER_FAULT}: split it into several steps`,
    );
  }
  const inbound = spec.port !== undefined;
  const routes = pairs.map(({ host, port }, index) => {
    const listen = listenPort(faultId, index);
    if (listen === undefined) {
      throw new PeerError(`${target.name}: too many proxy faults in one run for the proxy's ports`);
    }
    return {
      // Inbound traffic is redirected to the address of the interface it arrives on; outbound
      // traffic redirected in OUTPUT arrives on 127.0.0.1.
      listen: { host: inbound ? '0.0.0.0' : '127.0.0.1', port: listen },
      upstream: { host, port },
      rule: inbound ? inboundRule(port, listen) : outboundRule(`${host}/32`, port, listen),
    };
  });
  return { hook: inbound ? 'PREROUTING' : 'OUTPUT', routes };
}

/**
 * The target's own address on its first network, not 127.0.0.1: a service may listen on its container
 * address only, and one that does listen on loopback would see every proxied request come from
 * localhost, which some services trust or treat differently. The proxy's connection to it leaves
 * through OUTPUT, so the PREROUTING redirect does not catch it again.
 */
function inboundPairs(ports: number[], target: Target, peers: PeerResolver) {
  const container = peers.container(target);
  const first = container.networks[0];
  if (!first?.ipv4) {
    throw new PeerError(
      `${target.name} has no IPv4 address on its first network (${first?.name ?? 'none'}); the proxy forwards to it there`,
    );
  }
  return ports.map((port) => ({ host: first.ipv4!, port }));
}

function outboundPairs(spec: ProxySpec, target: Target, peers: PeerResolver) {
  for (const peer of spec.to ?? []) {
    if (!peer.cidr) continue;
    if (isIpv6(peer.cidr)) throw new PeerError(`to: ${peer.cidr}: proxy faults reach IPv4 peers only`);
    if (!withPrefix(peer.cidr).endsWith('/32')) {
      throw new PeerError(`to: ${peer.cidr} is an address block; a proxy fault needs single addresses`);
    }
  }
  const scope = resolveScope({ to: spec.to, ports: spec.ports }, target, peers);
  const addresses = scope.cidrs.filter((cidr) => !isIpv6(cidr)).map((cidr) => cidr.replace(/\/32$/, ''));
  if (addresses.length === 0)
    throw new PeerError(`the peers of ${target.name} have no IPv4 address it reaches`);
  return addresses.flatMap((host) => (spec.ports ?? []).map((port) => ({ host, port })));
}

/** The proxy's configuration for one fault on one target, and the nat rules that steer traffic to it. */
export function proxySetup(
  ids: { runId: string; faultId: string },
  planned: ProxyRoutes,
  body: Pick<ProxyListener, 'protocol' | 'http' | 'toxics' | 'percent'>,
): { config: ProxyConfig; sets: NatRuleSet[] } {
  return {
    config: {
      runId: ids.runId,
      listeners: planned.routes.map((route) => ({
        id: ids.faultId,
        listen: route.listen,
        upstream: route.upstream,
        ...body,
      })),
      upstreamSourcePorts: { ...UPSTREAM_SOURCE_PORTS },
      drainMs: DRAIN_MS,
      seed: deriveSeed(0, `${ids.runId}/${ids.faultId}`),
    },
    sets: [
      natRuleSet(
        ids,
        planned.hook,
        planned.routes.map((route) => route.rule),
      ),
    ],
  };
}
