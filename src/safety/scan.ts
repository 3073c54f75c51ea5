import type { DockerClient } from '../docker/client.js';
import type { Leftover } from '../faults/driver.js';
import { FAMILIES } from '../faults/registry.js';
import type { NetnsRunner } from '../network/netns-runner.js';
import type { Target } from '../targets/target.js';

export type { Leftover } from '../faults/driver.js';

/** Everything faultline may have left in a container's network namespace: each family looks for its own. */
export async function namespaceLeftovers(
  runner: NetnsRunner,
  target: Target,
  docker?: DockerClient,
): Promise<Leftover[]> {
  const found: Leftover[] = [];
  for (const family of FAMILIES) if (family.scan) found.push(...(await family.scan(runner, target, docker)));
  return found;
}
