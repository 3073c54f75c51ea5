import { type DockerClient, isNotFound } from '../../docker/client.js';
import { DockerUnavailableError } from '../../docker/engine-errors.js';
import type { Target } from '../../targets/target.js';
import { formatDuration } from '../../util/duration.js';
import { type Observation, ProbeFailure } from '../observation.js';

export async function observeContainer(docker: DockerClient, target: Target): Promise<Observation> {
  const started = performance.now();
  try {
    const details = await docker.inspect(target.id);
    return {
      kind: 'container',
      state: details.state,
      health: details.health,
      restarts: details.restartCount,
      latencyMs: performance.now() - started,
    };
  } catch (error) {
    throw dockerFailure(error, target);
  }
}

export async function observeExec(
  docker: DockerClient,
  target: Target,
  argv: readonly string[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Observation> {
  const started = performance.now();
  try {
    const result = await docker.exec(target.id, argv, { timeoutMs, signal });
    if (result.timedOut) {
      throw new ProbeFailure(
        `${argv[0]} in ${target.name} did not finish within ${formatDuration(timeoutMs)}`,
        'unreachable',
      );
    }
    return { kind: 'process', ...result, latencyMs: performance.now() - started };
  } catch (error) {
    throw dockerFailure(error, target);
  }
}

function dockerFailure(error: unknown, target: Target): Error {
  if (error instanceof ProbeFailure) return error;
  if (error instanceof DockerUnavailableError) return new ProbeFailure(error.message, 'error');
  if (isNotFound(error)) return new ProbeFailure(`container ${target.name} no longer exists`, 'unreachable');
  const message = error instanceof Error ? error.message : String(error);
  // "is not running" / "is paused" (409): the system is down, which the hypothesis is there to catch.
  if (/not running|is paused|restarting/i.test(message))
    return new ProbeFailure(`${target.name}: ${message}`, 'unreachable');
  return new ProbeFailure(`${target.name}: ${message}`, 'error');
}
