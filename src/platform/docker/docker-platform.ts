import type { DockerClient } from '../../docker/client.js';
import { engineIdentity } from '../../docker/endpoint-identity.js';
import type { Feature } from '../../network/capabilities.js';
import { NetworkContext } from '../../network/network-fault.js';
import { chooseRunner, DEFAULT_NETWORK_SETUP, type NetworkSetup, preflight } from '../../network/setup.js';
import type { Target } from '../../targets/target.js';
import type { Platform } from '../platform.js';

/** The Docker Engine (or Podman's Docker API) as a platform: the client, and nsenter/helper/exec for namespaces. */
export class DockerPlatform implements Platform {
  readonly identity: string;

  constructor(
    readonly engine: DockerClient,
    private readonly setup: NetworkSetup = DEFAULT_NETWORK_SETUP,
  ) {
    this.identity = engineIdentity(engine.endpoint);
  }

  get endpoint() {
    return this.engine.endpoint;
  }

  listTargets() {
    return this.engine.listContainers({ all: true });
  }

  async enterNetwork(runId: string, targets: readonly Target[]) {
    const chosen = await chooseRunner(this.engine, this.setup, runId, { targets });
    return {
      network: new NetworkContext(chosen.runner),
      why: `${chosen.runner.via}: ${chosen.why}`,
    };
  }

  checkFeatures(network: NetworkContext, features: readonly Feature[]) {
    return preflight(this.engine, network.runner, this.setup, features);
  }
}
