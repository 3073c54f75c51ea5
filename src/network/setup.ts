import type { DockerClient } from '../docker/client.js';
import { DEFAULT_HELPER_IMAGE } from '../docker/labels.js';
import type { Target } from '../targets/target.js';
import {
  checkFeatures,
  type Feature,
  helperScratch,
  hostScratch,
  MissingCapabilityError,
} from './capabilities.js';
import {
  ExecRunner,
  HelperRunner,
  type NetnsRunner,
  NetnsUnavailableError,
  NsenterRunner,
  nsenterPossible,
  pidMismatchError,
  type Via,
} from './netns-runner.js';
import { describePidMismatch, type PidView, viewPid } from './target-pid.js';

export interface NetworkSetup {
  /** How to reach targets' network namespaces; auto picks nsenter when possible, else the helper. */
  via: Via | 'auto';
  helperImage: string;
}

export const DEFAULT_NETWORK_SETUP: NetworkSetup = { via: 'auto', helperImage: DEFAULT_HELPER_IMAGE };

export interface ChooseOptions {
  /**
   * The targets of the run's network faults: nsenter is chosen only when this process sees each one's
   * process. Undefined (recover, which may scan any container): every running container.
   */
  targets?: readonly Target[] | undefined;
  /** Where this process sees processes; tests point it at a directory of made-up entries. */
  procRoot?: string | undefined;
  /** Whether nsenter can work here at all; tests replace it. */
  nsenterPossible?: (() => Promise<{ ok: boolean; why: string }>) | undefined;
}

/** Picks the way into network namespaces, and says why; fails with a remedy when there is none. */
export async function chooseRunner(
  docker: DockerClient,
  setup: NetworkSetup,
  runId: string,
  options: ChooseOptions = {},
): Promise<{ runner: NetnsRunner; why: string }> {
  let notNsenter: string | undefined;
  if (setup.via === 'nsenter' || setup.via === 'auto') {
    const nsenter = await (options.nsenterPossible ?? (() => nsenterPossible(docker.endpoint)))();
    if (!nsenter.ok && setup.via === 'nsenter') {
      throw new NetnsUnavailableError(
        `cannot use nsenter: ${nsenter.why}`,
        'Run faultline as root on the Docker host, or use --via helper.',
      );
    }
    if (nsenter.ok) {
      const targets = options.targets ?? (await runningContainers(docker));
      const { mismatch, pids } = await checkPids(docker, targets, options.procRoot);
      if (!mismatch) {
        const seen = targets.length > 0 ? ", the targets' processes visible here" : '';
        // The pids just checked are the runner's first guess; each is checked again before it is used.
        return { runner: new NsenterRunner(docker, options.procRoot, pids), why: `${nsenter.why}${seen}` };
      }
      if (setup.via === 'nsenter')
        throw pidMismatchError(mismatch.view, mismatch.target, 'cannot use nsenter');
      notNsenter = describePidMismatch(mismatch.view, mismatch.target);
    } else {
      notNsenter = nsenter.why;
    }
  }
  if (setup.via === 'helper' || setup.via === 'auto') {
    if (await docker.imageExists(setup.helperImage)) {
      return {
        runner: new HelperRunner(docker, setup.helperImage, runId),
        why: `${notNsenter ? `${notNsenter}; ` : ''}helper image ${setup.helperImage}`,
      };
    }
    throw new NetnsUnavailableError(
      `network faults need a way into the targets' network namespaces, and the helper image ${setup.helperImage} is not there${notNsenter ? ` (${notNsenter})` : ''}`,
      `Build it offline with \`faultline helper-image\`, pass --helper-image with any image that has tc, ip and iptables, or run faultline as root on the Docker host (nsenter).`,
    );
  }
  return { runner: new ExecRunner(docker), why: "the targets' own tc and iptables (--via exec)" };
}

async function runningContainers(docker: DockerClient): Promise<Target[]> {
  return (await docker.listContainers()).map((container) => ({ id: container.id, name: container.name }));
}

/**
 * The first target whose Engine pid is not its process here. Targets that are not running are left
 * out: there is nothing to enter, and the run reports them as gone.
 */
async function checkPids(
  docker: DockerClient,
  targets: readonly Target[],
  procRoot: string | undefined,
): Promise<{
  mismatch: { target: Target; view: Exclude<PidView, { kind: 'own' }> } | undefined;
  pids: Map<string, number>;
}> {
  const unique = [...new Map(targets.map((target) => [target.id, target])).values()];
  const pids = new Map<string, number>();
  const views = await Promise.all(
    unique.map(async (target) => {
      const details = await docker.inspect(target.id).catch(() => undefined);
      if (!details?.running || details.pid <= 0) return undefined;
      const view = await viewPid(details.pid, details.id, procRoot);
      if (view.kind !== 'own') return { target, view };
      pids.set(target.id, details.pid);
      return undefined;
    }),
  );
  return { mismatch: views.find((view) => view !== undefined), pids };
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
  features: readonly Feature[],
): Promise<void> {
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
