import type { z } from 'zod';
import type { ContainerSummary } from '../../docker/client.js';
import { chainName, dnsRules, type Family, ruleComment } from '../../network/iptables-plan.js';
import {
  hasIpv6,
  PeerError,
  type PeerResolver,
  partitionTargets,
  resolveScope,
  ruleSets,
} from '../../network/network-plan.js';
import type { ResolvedScope } from '../../network/scope.js';
import { toTarget } from '../../targets/resolve.js';
import type { Target } from '../../targets/target.js';
import { defineDriver, type PlannedFault, type StepPlanContext } from '../driver.js';
import { targetedDriver } from '../targeted.js';
import { type IptablesPlan, iptablesFamily } from './family.js';
import {
  type BlackholeSpec,
  blackholeFault,
  type DnsSpec,
  dnsFault,
  type PartitionSpec,
  partitionFault,
  resetFault,
} from './schema.js';

const hooksOf = (direction: string | undefined): ('OUTPUT' | 'INPUT')[] =>
  direction === 'egress' ? ['OUTPUT'] : direction === 'ingress' ? ['INPUT'] : ['OUTPUT', 'INPUT'];

export interface IptablesPlanInput {
  target: Target;
  faultId: string;
  runId: string;
  peers: PeerResolver;
}

/** blackhole and reset: drop, or answer with a reset, the scope's traffic in the chosen directions. */
export function planBlock(
  kind: 'blackhole' | 'reset',
  spec: BlackholeSpec,
  input: IptablesPlanInput,
): IptablesPlan {
  const scope = resolveScope(spec, input.target, input.peers);
  const container = input.peers.container(input.target);
  const verdict = kind === 'reset' ? 'reset' : 'drop';
  return {
    type: 'iptables',
    kind,
    sets: ruleSets(scope, container, input, hooksOf(spec.direction), verdict),
  };
}

/** dns: refuse the container's DNS queries, over UDP and TCP, in every address family it has. */
export function planDns(input: IptablesPlanInput): IptablesPlan {
  const container = input.peers.container(input.target);
  const families: Family[] = hasIpv6(container) ? ['ipv4', 'ipv6'] : ['ipv4'];
  return {
    type: 'iptables',
    kind: 'dns',
    sets: families.map((family) => ({
      family,
      chain: chainName(input.runId, `${input.faultId}${family === 'ipv6' ? '6' : ''}`, 'OUTPUT'),
      hook: 'OUTPUT' as const,
      comment: ruleComment(input.runId, input.faultId),
      rules: dnsRules(family),
    })),
  };
}

/** One member of a partition: drop its traffic to (and, both ways, from) the other groups' addresses. */
export function planPartitionMember(
  member: { container: ContainerSummary; blockedAddresses: string[]; egressOnly: boolean },
  input: Omit<IptablesPlanInput, 'target' | 'peers'>,
): IptablesPlan {
  const scope: ResolvedScope = { cidrs: member.blockedAddresses, ports: [], protocol: 'all' };
  const hooks: ('OUTPUT' | 'INPUT')[] = member.egressOnly ? ['OUTPUT'] : ['OUTPUT', 'INPUT'];
  return {
    type: 'iptables',
    kind: 'partition',
    sets: ruleSets(scope, member.container, input, hooks, 'drop'),
  };
}

/** A step whose targets each get their own chains. */
function perTarget<const Kind extends string, Spec extends BlackholeSpec | DnsSpec>(
  kind: Kind,
  schema: () => z.ZodType<Spec>,
  planOne: (spec: Spec, input: IptablesPlanInput) => IptablesPlan,
) {
  return targetedDriver({
    kind,
    family: iptablesFamily,
    schema,
    planOne: (spec, target, faultId, ctx) =>
      planOne(spec, { target, faultId, runId: ctx.runId, peers: ctx.peers }),
  });
}

export const blackholeDriver = perTarget('blackhole', blackholeFault, (spec, input) =>
  planBlock('blackhole', spec, input),
);
export const resetDriver = perTarget('reset', resetFault, (spec, input) => planBlock('reset', spec, input));
export const dnsDriver = perTarget('dns', dnsFault, (_spec, input) => planDns(input));

export const partitionDriver = defineDriver({
  kind: 'partition',
  family: iptablesFamily,
  schema: partitionFault,
  common: (spec: PartitionSpec) => ({
    durationMs: spec.duration,
    background: spec.background,
    maxTargets: spec['max-targets'],
  }),
  plan(spec: PartitionSpec, ctx: StepPlanContext) {
    const groups = spec.groups.map((group, g) =>
      group.flatMap((member, m) =>
        ctx
          .resolve(member, `${ctx.path}.${g}.${m}`, `${ctx.where}.groups[${g}][${m}]`)
          .map((target) => ctx.container(target)),
      ),
    );
    const selector = spec.groups
      .map((group) => `[${group.map((member) => ctx.describeSelector(member)).join(', ')}]`)
      .join(spec.direction === 'one-way' ? ' -> ' : ' | ');
    const faults: PlannedFault[] = [];
    try {
      for (const member of partitionTargets(groups, spec)) {
        const target = toTarget(member.container);
        const faultId = ctx.nextId();
        faults.push({ target, faultId, fault: planPartitionMember(member, { faultId, runId: ctx.runId }) });
      }
      if (faults.length === 0 && groups.every((group) => group.length > 0)) {
        ctx.problem(`${ctx.where}: the groups share no network, so there is nothing to cut`);
      }
    } catch (error) {
      if (!(error instanceof PeerError)) throw error;
      ctx.problem(`${ctx.where}: ${error.message}`);
    }
    return { selector, faults };
  },
});
