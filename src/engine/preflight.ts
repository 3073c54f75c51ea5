import { EnvironmentError, errorMessage, FaultlineError } from '../errors.js';
import { familyOf, requiredFeatures } from '../faults/registry.js';
import { NetnsUnavailableError, type Via } from '../network/netns-runner.js';
import type { NetworkContext } from '../network/network-fault.js';
import { type Platform, platformOf } from '../platform/platform.js';
import { allInjections, namespaceInjections, type Plan, type PlannedInjection } from './plan.js';

/**
 * What `run` checks on this host before anything is injected, and `plan` checks the same way: every
 * network fault can go through the chosen way into its target, the host can do what those faults need
 * (netem, ifb, iptables: checked in a scratch namespace), and each fault's own family check passes.
 * Throws the first problem found; changes nothing that outlives the check.
 */
export async function preflightPlan(
  plan: Plan,
  platform: Platform,
  network: NetworkContext | undefined,
): Promise<void> {
  const injections = namespaceInjections(plan.steps);
  if (injections.length > 0 && network) {
    refuseUnreachable(injections, network.runner.via);
    await platform.checkFeatures(network, requiredFeatures(injections.map((injection) => injection.fault)));
  }
  await preflightFaults(plan, platform, network?.runner.via);
}

/** Each fault's own check that it can be made from here, before anything of the run is injected. */
async function preflightFaults(plan: Plan, fallback: Platform, via: Via | undefined): Promise<void> {
  for (const injection of allInjections(plan.steps)) {
    const family = familyOf(injection.fault);
    if (!family.preflight) continue;
    const platform = platformOf(injection.target) ?? fallback;
    try {
      await family.preflight(injection.fault, injection.target, platform, via);
    } catch (error) {
      const known = error instanceof FaultlineError ? error : undefined;
      throw new EnvironmentError(
        known?.code ?? 'FAULT_PREFLIGHT_FAILED',
        `${injection.kind} on ${injection.target.name} cannot be made from here: ${errorMessage(error)} (nothing was injected)`,
        { hint: known?.hint, cause: error },
      );
    }
  }
}

/** Faults whose family cannot work through the chosen way in are refused before anything is injected. */
function refuseUnreachable(injections: readonly PlannedInjection[], via: Via): void {
  for (const injection of injections) {
    const ways = familyOf(injection.fault).ways;
    if (ways && !ways.includes(via)) {
      throw new NetnsUnavailableError(
        `${injection.kind} on ${injection.target.name} works only through the ${ways.join(' or ')} way into its target, and this run goes in via ${via} (nothing was injected)`,
        `Run faultline as root on the Docker host with --via ${ways[0]!}.`,
      );
    }
  }
}
