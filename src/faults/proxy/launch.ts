import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type NetnsRunner, NetnsUnavailableError, verifiedPid } from '../../network/netns-runner.js';
import type { Target } from '../../targets/target.js';
import type { InjectContext } from '../driver.js';
import type { ProxyConfig } from './config.js';
import {
  checkProxyImage,
  type ProxyContainer,
  proxyContainer,
  proxyContainerSpec,
  REBUILD_HINT,
  startProxyContainer,
} from './helper-start.js';
import { proxyCommand, type StartedProxy, startProxy } from './start.js';

/**
 * Where a proxy fault's proxy runs, by the way into the target's namespace: with nsenter a host
 * process (node, entered into the namespace), its configuration in a private folder; with the helper
 * way a helper container sharing the namespace. Everything that differs is here; the nat rules that
 * steer traffic to the proxy are the same either way.
 */

const DIR_PREFIX = 'faultline-proxy-';

export interface ProxyLaunch {
  /** What the recipe records of this way: the nsenter way's folder, the helper way's container. */
  recipe: { dir: string } | { container: ProxyContainer };
  start(): Promise<StartedProxy>;
  /** Removes what a failed injection may have left of it (the folder, the container). Idempotent. */
  cleanup(): Promise<void>;
}

export const removeDir = (dir: string | undefined) =>
  dir && basename(dir).startsWith(DIR_PREFIX)
    ? rm(dir, { recursive: true, force: true }).catch(() => undefined)
    : undefined;

/** The exec way would need node in the target's own image, which it rarely has. */
export function refuseExec(runner: NetnsRunner): void {
  if (runner.via !== 'exec') return;
  throw new NetnsUnavailableError(
    "proxy faults run a proxy process (node) inside the target's network namespace, which the exec way cannot do (nothing was injected): the target's own image rarely has node",
    'Use --via helper (any Docker Engine), or run faultline as root on the Docker host with --via nsenter.',
  );
}

/** The helper runner's image: where the proxy container comes from. */
function helperImageOf(runner: NetnsRunner): string {
  const image = (runner as { image?: unknown }).image;
  if (typeof image === 'string') return image;
  throw new NetnsUnavailableError(
    'the helper way has no helper image to start the proxy from (nothing was injected)',
    'Pass --helper-image, or run faultline as root on the Docker host with --via nsenter.',
  );
}

/** Checks what the way needs and says how the proxy will start; changes nothing yet. */
export async function prepareLaunch(
  config: ProxyConfig,
  faultId: string,
  target: Target,
  ctx: InjectContext,
  runner: NetnsRunner,
  marker: readonly string[],
): Promise<ProxyLaunch> {
  const docker = ctx.platform.engine;
  if (runner.via === 'helper') {
    const image = helperImageOf(runner);
    const problem = await checkProxyImage(docker, image);
    if (problem) throw new NetnsUnavailableError(`${problem} (nothing was injected)`, REBUILD_HINT);
    const container = proxyContainer(config.runId, faultId);
    const spec = proxyContainerSpec(image, target, config, container, marker);
    return {
      recipe: { container },
      start: () => startProxyContainer(docker, spec, config),
      cleanup: () => docker.remove(container.name).catch(() => undefined),
    };
  }
  const pid = await verifiedPid(docker, target);
  const dir = await mkdtemp(join(tmpdir(), DIR_PREFIX));
  const configFile = join(dir, 'config.json');
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return {
    recipe: { dir },
    start: () => startProxy(proxyCommand(pid, configFile, marker), config, join(dir, 'output.log')),
    cleanup: async () => {
      await removeDir(dir);
    },
  };
}
