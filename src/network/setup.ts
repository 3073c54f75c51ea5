import type { DockerClient } from '../docker/client.js';
import type { NetworkFaultKind } from '../experiment/schema.js';
import {
  checkFeatures,
  type Feature,
  helperScratch,
  hostScratch,
  MissingCapabilityError,
} from './capabilities.js';
import { DEFAULT_HELPER_IMAGE } from './helper-image.js';
import {
  ExecRunner,
  HelperRunner,
  type NetnsRunner,
  NetnsUnavailableError,
  NsenterRunner,
  nsenterPossible,
  type Via,
} from './netns-runner.js';
import type { NetworkFaultPlan } from './network-fault.js';

export interface NetworkSetup {
  /** How to reach targets' network namespaces; auto picks nsenter when possible, else the helper. */
  via: Via | 'auto';
  helperImage: string;
}

export const DEFAULT_NETWORK_SETUP: NetworkSetup = { via: 'auto', helperImage: DEFAULT_HELPER_IMAGE };

/** Picks the way into network namespaces, and says why; fails with a remedy when there is none. */
export async function chooseRunner(
  docker: DockerClient,
  setup: NetworkSetup,
  runId: string,
): Promise<{ runner: NetnsRunner; why: string }> {
  if (setup.via === 'nsenter' || setup.via === 'auto') {
    const nsenter = await nsenterPossible();
    if (nsenter.ok) return { runner: new NsenterRunner(docker), why: nsenter.why };
    if (setup.via === 'nsenter') {
      throw new NetnsUnavailableError(
        `cannot use nsenter: ${nsenter.why}`,
        'Run faultline as root on the Docker host, or use --via helper.',
      );
    }
  }
  if (setup.via === 'helper' || setup.via === 'auto') {
    if (await docker.imageExists(setup.helperImage)) {
      return {
        runner: new HelperRunner(docker, setup.helperImage, runId),
        why: `helper image ${setup.helperImage}`,
      };
    }
    throw new NetnsUnavailableError(
      `network faults need a way into the targets' network namespaces, and the helper image ${setup.helperImage} is not there`,
      `Build it offline with \`faultline helper-image\`, pass --helper-image with any image that has tc, ip and iptables, or run faultline as root on the Docker host (nsenter).`,
    );
  }
  return { runner: new ExecRunner(docker), why: "the targets' own tc and iptables (--via exec)" };
}

const NETEM_KINDS: readonly NetworkFaultKind[] = ['delay', 'loss', 'duplicate', 'corrupt', 'reorder'];

/** The kernel features a set of network faults needs. */
export function requiredFeatures(faults: readonly NetworkFaultPlan[]): Feature[] {
  const features = new Set<Feature>();
  for (const fault of faults) {
    if (fault.type === 'tc') {
      features.add('htb');
      features.add('u32');
      if (NETEM_KINDS.includes(fault.kind as NetworkFaultKind) || fault.netem) features.add('netem');
      if (fault.tbf) features.add('tbf');
    } else {
      features.add('iptables');
      features.add('comment');
      if (fault.kind === 'reset' || fault.kind === 'dns') features.add('reject');
      if (fault.sets.some((set) => set.rules.some((rule) => rule.includes('multiport'))))
        features.add('multiport');
    }
  }
  return [...features];
}

/**
 * Checks, before anything is injected, that this host can do every network fault the run needs. A
 * missing feature ends the run as errored with the remedy. With --via exec there is no scratch
 * namespace to check in; the first command that fails says why.
 */
export async function preflight(
  docker: DockerClient,
  runner: NetnsRunner,
  setup: NetworkSetup,
  faults: readonly NetworkFaultPlan[],
): Promise<void> {
  const features = requiredFeatures(faults);
  if (features.length === 0 || runner.via === 'exec') return;
  const scratch = runner.via === 'nsenter' ? hostScratch() : await helperScratch(docker, setup.helperImage);
  try {
    const checks = await checkFeatures(scratch, features);
    const failed = checks.filter((check) => !check.ok);
    if (failed.length > 0) throw new MissingCapabilityError(failed, runner.via);
  } finally {
    await scratch.dispose().catch(() => undefined);
  }
}
