import type { ContainerSummary, DockerClient } from '../docker/client.js';
import type { DockerEndpoint } from '../docker/endpoint.js';
import type { Feature } from '../network/capabilities.js';
import type { NetworkContext } from '../network/network-fault.js';
import type { Target } from '../targets/target.js';

/**
 * Where faults land, as the engine and the fault drivers see it: what can be targeted, the container
 * lifecycle, a way into a target's network namespace, and who the platform is. Docker (any Engine:
 * a socket, tcp/TLS, ssh, a context, Podman's compatible API) is its implementation
 * (docker/docker-platform.ts); docs/platform-seam.md maps it onto Kubernetes.
 */
export interface Platform {
  /** One string per Engine, however it was reached: ledgers and locks name it. */
  readonly identity: string;
  /** The endpoint as it was chosen (shown with why), when known. */
  readonly endpoint: DockerEndpoint | undefined;
  /** Lifecycle verbs, inspect, exec and helper containers: the Engine API the families use. */
  readonly engine: DockerClient;
  /** Everything that could be a target, running or not, with its labels and networks. */
  listTargets(): Promise<ContainerSummary[]>;
  /** Chooses the way into these targets' network namespaces, and says why. */
  enterNetwork(runId: string, targets: readonly Target[]): Promise<{ network: NetworkContext; why: string }>;
  /** Checks, before anything is injected, that the way in can do what the run's faults need. */
  checkFeatures(network: NetworkContext, features: readonly Feature[]): Promise<void>;
}

const PLATFORM = Symbol('faultline.platform');

/**
 * Gives a target an opaque reference to the platform it was resolved on. The reference is a hidden
 * symbol: it never reaches the journal or a report, and a copy of the target does not carry it.
 */
export function onPlatform<T extends Target>(target: T, platform: Platform): T {
  Object.defineProperty(target, PLATFORM, { value: platform, enumerable: false });
  return target;
}

/** The platform a target was resolved on, if it still carries it. */
export function platformOf(target: Target): Platform | undefined {
  return (target as { [PLATFORM]?: Platform })[PLATFORM];
}
