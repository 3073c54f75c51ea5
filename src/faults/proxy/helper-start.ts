import { type DockerClient, type HelperSpec, isNotFound } from '../../docker/client.js';
import {
  FAULTLINE_FAULT_ID,
  FAULTLINE_HELPER,
  FAULTLINE_RUN_ID,
  FAULTLINE_TARGET_ID,
  HELPER_IMAGE_LABEL,
  HELPER_IMAGE_TOOLS_LABEL,
} from '../../docker/labels.js';
import { IMAGE_PROXY_MAIN, PROXY_TOOL } from '../../platform/docker/helper-image/proxy-program.js';
import type { Target } from '../../targets/target.js';
import type { ProxyConfig, ProxyEvent } from './config.js';
import {
  lastLines,
  ProxyStartError,
  parseEvents,
  READY_TIMEOUT_MS,
  type StartedProxy,
  unboundPorts,
} from './start.js';

/**
 * The proxy in a helper container (the helper way, for Docker Desktop, colima, remote Engines and
 * non-root users): one container per fault, sharing the target's network namespace, the proxy its main
 * process, its configuration an argument (no file on any host), its events read from its log. The
 * container is named from the run and the fault, and labelled like every helper, so an undo finds it
 * from the recipe alone.
 */

/** How a recipe names the proxy container, before it exists. */
export interface ProxyContainer {
  name: string;
  runId: string;
  faultId: string;
}

export function proxyContainer(runId: string, faultId: string): ProxyContainer {
  return { name: `faultline-proxy-${runId}-${faultId}`, runId, faultId };
}

export function proxyContainerSpec(
  image: string,
  target: Target,
  config: ProxyConfig,
  container: ProxyContainer,
  marker: readonly string[],
): HelperSpec {
  return {
    image,
    name: container.name,
    cmd: ['node', IMAGE_PROXY_MAIN, '--config-json', JSON.stringify(config), ...marker],
    networkMode: `container:${target.id}`,
    capAdd: [],
    labels: {
      [FAULTLINE_HELPER]: '1',
      [FAULTLINE_RUN_ID]: container.runId,
      [FAULTLINE_FAULT_ID]: container.faultId,
      [FAULTLINE_TARGET_ID]: target.id,
    },
  };
}

const REBUILD = 'Rebuild the helper image with `faultline helper-image` (it then carries node and the proxy)';

/**
 * A helper image faultline built without the proxy (an older faultline) is refused before anything is
 * injected. An image faultline did not build is tried: starting the proxy says what it lacks.
 */
export async function checkProxyImage(docker: DockerClient, image: string): Promise<string | undefined> {
  const details = await docker.inspectImage(image).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (!details) return `the helper image ${image} is not there`;
  const tools = (details.labels[HELPER_IMAGE_TOOLS_LABEL] ?? '').split(',');
  if (details.labels[HELPER_IMAGE_LABEL] === '1' && !tools.includes(PROXY_TOOL))
    return `the helper image ${image} was built by an older faultline and has no fault proxy`;
  return undefined;
}

export const REBUILD_HINT = `${REBUILD}, or run faultline as root on the Docker host with --via nsenter.`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates and starts the container and waits for its `ready` event naming every listener. A container
 * that exits first, or is not ready in time, is removed and the start fails with its last lines.
 */
export async function startProxyContainer(
  docker: DockerClient,
  spec: HelperSpec,
  config: ProxyConfig,
  timeoutMs = READY_TIMEOUT_MS,
): Promise<StartedProxy> {
  let id: string;
  try {
    id = await docker.runHelper(spec);
  } catch (error) {
    throw new ProxyStartError(
      `the proxy container ${spec.name} did not start in ${spec.image}: ${(error as Error).message} (${REBUILD})`,
    );
  }
  const failed = async (why: string, text: string) => {
    await docker.remove(id).catch(() => undefined);
    return new ProxyStartError(`the proxy container ${spec.name} ${why}: ${lastLines(text)}`);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await docker.logs(id).catch(() => '');
    const ready = parseEvents(text).find((event) => event.event === 'ready');
    if (ready && ready.event === 'ready') {
      const missing = unboundPorts(ready, config);
      if (missing.length === 0) return started(docker, id, spec.name!, ready, config.drainMs);
      throw await failed(`did not bind port ${missing.join(', ')}`, text);
    }
    const details = await docker.inspect(id).catch(() => undefined);
    if (!details?.running)
      throw await failed(`stopped before it was ready (exit ${details?.exitCode ?? 'unknown'})`, text);
    if (Date.now() > deadline) throw await failed(`was not ready within ${timeoutMs}ms`, text);
    await sleep(50);
  }
}

function started(
  docker: DockerClient,
  id: string,
  name: string,
  ready: Extract<ProxyEvent, { event: 'ready' }>,
  drainMs: number,
): StartedProxy {
  let stopping: Promise<'stopped' | 'already-gone'> | undefined;
  let printed = '';
  const read = async () => {
    printed = await docker.logs(id).catch(() => printed);
    return printed;
  };
  return {
    where: `container ${name}`,
    remedy: `docker rm -f ${name}`,
    ready,
    stop: () => {
      stopping ??= stopAndRemove(docker, id, drainMs, read);
      return stopping;
    },
    events: async () => parseEvents(stopping ? printed : await read()),
  };
}

/** docker stop with the drain time as its grace (SIGTERM, then SIGKILL), the log kept, then removal. */
async function stopAndRemove(
  docker: DockerClient,
  id: string,
  drainMs: number,
  read: () => Promise<string>,
): Promise<'stopped' | 'already-gone'> {
  let running: boolean;
  try {
    running = (await docker.inspect(id)).running;
    if (running) await docker.stop(id, Math.ceil(drainMs / 1000) + 1);
  } catch (error) {
    if (isNotFound(error)) return 'already-gone';
    throw error;
  }
  await read();
  await docker.remove(id);
  return running ? 'stopped' : 'already-gone';
}

/**
 * The undo's part: every helper container of the fault, by its name or by its labels (run and fault),
 * is stopped briefly and removed. Idempotent: none left is no error. Returns the names removed.
 */
export async function removeProxyContainers(
  docker: DockerClient,
  container: ProxyContainer,
  graceSeconds = 3,
): Promise<string[]> {
  const all = await docker.listContainers({ all: true });
  // Only faultline's helpers: a container of someone else's that happens to have the name is never touched.
  const ours = all.filter(
    (candidate) =>
      candidate.labels[FAULTLINE_HELPER] !== undefined &&
      (candidate.name === container.name ||
        (candidate.labels[FAULTLINE_RUN_ID] === container.runId &&
          candidate.labels[FAULTLINE_FAULT_ID] === container.faultId)),
  );
  for (const found of ours) {
    if (found.state === 'running')
      await docker.stop(found.id, graceSeconds).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    await docker.remove(found.id);
  }
  return ours.map((found) => found.name);
}
