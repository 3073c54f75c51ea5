import { randomBytes } from 'node:crypto';
import { type DockerClient, isNotFound } from '../../docker/client.js';
import {
  FAULTLINE_FAULT_ID,
  FAULTLINE_HELPER,
  FAULTLINE_RUN_ID,
  FAULTLINE_TARGET_ID,
} from '../../docker/labels.js';
import { TargetGoneError } from '../../network/netns-runner.js';
import type { Target } from '../../targets/target.js';
import { LIST_SCRIPT, type NsProcess, parseListing } from './ns-listing.js';
import { parseSignalled, SIGNAL_SCRIPT, type Signalled, signalArgs } from './signal-script.js';

/**
 * The helper way of a signal step: a short-lived container from the helper image shares the target's
 * PID namespace (`--pid container:<target>`), lists its processes from /proc and signals them with its
 * shell's kill. Nothing runs on the Docker host, so it works as any user and with any Engine.
 */
export interface HelperWay {
  image: string;
  runId: string;
  faultId: string;
}

/** How long one command in the helper may take; the helper ends on its own after HELPER_LIFE_S. */
const EXEC_TIMEOUT_MS = 15_000;
const HELPER_LIFE_S = '300';

/** The `docker run` a person would type for the same helper. */
export function describeHelper(image: string, target: string): string {
  return `docker run --rm --pid container:${target} --network none --cgroupns host ${image}`;
}

/** Why the helper could not do its part; nothing more was signalled. */
export class HelperWayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelperWayError';
  }
}

/** A helper in the target's PID namespace, for one inject or one undo; removed when `use` ends. */
export async function withHelper<T>(
  docker: DockerClient,
  way: HelperWay,
  target: Target,
  use: (helper: NsHelper) => Promise<T>,
): Promise<T> {
  const details = await docker.inspect(target.id).catch((error: unknown) => {
    if (isNotFound(error)) throw new TargetGoneError(`${target.name} no longer exists`);
    throw error;
  });
  if (!details.running) throw new TargetGoneError(`${target.name} is ${details.state}`);
  const id = await docker.runHelper({
    image: way.image,
    cmd: ['sleep', HELPER_LIFE_S],
    networkMode: 'none',
    capAdd: [],
    // The host's cgroup names tell the target's processes from the helper's own.
    cgroupnsMode: 'host',
    pidMode: `container:${details.id}`,
    labels: {
      [FAULTLINE_HELPER]: '1',
      [FAULTLINE_RUN_ID]: way.runId,
      [FAULTLINE_FAULT_ID]: way.faultId,
      [FAULTLINE_TARGET_ID]: details.id,
    },
  });
  try {
    return await use(new NsHelper(docker, id, details.id, way.image));
  } finally {
    await docker.remove(id).catch(() => undefined);
  }
}

export class NsHelper {
  constructor(
    private readonly docker: DockerClient,
    readonly id: string,
    private readonly containerId: string,
    private readonly image: string,
  ) {}

  private async sh(script: string, args: readonly string[]): Promise<string> {
    const result = await this.docker.exec(this.id, ['sh', '-c', script, 'faultline-signal', ...args], {
      timeoutMs: EXEC_TIMEOUT_MS,
    });
    if (result.exitCode !== 0 || result.timedOut) {
      throw new HelperWayError(
        `the helper (image ${this.image}) could not ${script === LIST_SCRIPT ? "list the target's processes" : 'send the signal'}: ${result.timedOut ? 'timed out' : `exit ${result.exitCode}`} ${result.stderr.trim()}`.trim(),
      );
    }
    return result.stdout;
  }

  /** Every process in the namespace (the helper's own too, with inTarget false), lowest PID first. */
  async list(): Promise<NsProcess[]> {
    const marker = `faultline-${randomBytes(8).toString('hex')}`;
    return parseListing(await this.sh(LIST_SCRIPT, [marker]), marker, this.containerId);
  }

  /** Sends `signal` to each process that is still the same one (and stopped, with `stoppedOnly`). */
  async signal(
    signal: string,
    processes: readonly { pid: number; startTicks: number }[],
    stoppedOnly = false,
  ): Promise<Signalled> {
    if (processes.length === 0) return parseSignalled('');
    return parseSignalled(await this.sh(SIGNAL_SCRIPT, signalArgs(signal, processes, stoppedOnly)));
  }
}
