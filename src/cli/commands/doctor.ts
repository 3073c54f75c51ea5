import type { DockerClient } from '../../docker/client.js';
import { type DockerEndpoint, describeEndpoint } from '../../docker/endpoint.js';
import { FaultlineError } from '../../errors.js';
import { familyFeatures } from '../../faults/registry.js';
import { checkFeatures, helperScratch, hostScratch } from '../../network/capabilities.js';
import { nsenterPossible } from '../../network/netns-runner.js';
import type { NetworkSetup } from '../../network/setup.js';
import { describePidMismatch, viewPid } from '../../network/target-pid.js';
import { helperImageAdvice } from '../../platform/docker/helper-image/index.js';
import { toTarget } from '../../targets/resolve.js';
import { printJson } from '../json-output.js';
import type { CommandContext } from '../program.js';
import { connectDocker } from './endpoint-options.js';
import { parseNetworkOptions } from './network-options.js';

interface Line {
  ok: boolean;
  /** Not available, but not needed either: shown, not counted. */
  optional?: boolean;
  what: string;
  remedy?: string | undefined;
}

/**
 * Checks what this host can do, with a remedy for each failure: Docker, each way into network
 * namespaces, and the kernel features network faults need (tested in scratch namespaces only).
 * Exit 0 when everything works, 3 when something does not.
 */
export async function doctorCommand(options: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const c = ctx.output.colors;
  const setup = parseNetworkOptions(options, ctx.env);
  const lines: Line[] = [];
  const print = (line: Line) =>
    ctx.output.stdout.write(
      `${line.optional ? c.dim('--  ') : line.ok ? c.green('ok  ') : c.red('FAIL')} ${line.what}${line.remedy ? `\n       ${c.dim(line.remedy)}` : ''}\n`,
    );
  const add = (line: Line) => {
    lines.push(line);
    if (!options.json) print(line);
  };

  const { docker, endpoint } = connectDocker(options, ctx.env);
  const dockerOk = await checkEngine(docker, endpoint, add);
  const ways = await checkWaysIn(docker, endpoint, dockerOk, setup, add);
  await checkKernel(docker, setup, ways, add);

  const failed = lines.filter((line) => !line.ok).length;
  const exitCode = failed === 0 ? 0 : 3;
  if (options.json) {
    const checks = lines.map((line) => ({
      ok: line.ok,
      optional: line.optional === true,
      what: line.what,
      remedy: line.remedy ?? null,
    }));
    printJson(ctx.output, { ok: failed === 0, problems: failed, checks, exitCode });
    return exitCode;
  }
  ctx.output.stdout.write(
    failed === 0
      ? `${c.green('everything faultline needs is here')}\n`
      : `${c.red(`${failed} problem(s)`)}: the faults that need them will end a run with exit 3 before anything is injected\n`,
  );
  return exitCode;
}

/**
 * nsenter also needs the Engine's pids to be this process's: inside a container without --pid=host they
 * are not. Checked on one running container, as a run checks each of its targets.
 */
async function nsenterSeesTargets(
  possible: { ok: boolean; why: string },
  docker: DockerClient | undefined,
): Promise<{ ok: boolean; why: string }> {
  if (!possible.ok || docker === undefined) return possible;
  const running = (await docker.listContainers().catch(() => [])).find(
    (container) => container.state === 'running',
  );
  if (!running) return { ok: true, why: `${possible.why} (no running container to check pids against)` };
  const details = await docker.inspect(running.id).catch(() => undefined);
  if (!details || details.pid <= 0) return possible;
  const view = await viewPid(details.pid, details.id);
  if (view.kind === 'own') return possible;
  return { ok: false, why: describePidMismatch(view, toTarget(running)) };
}

/** How to get the missing helper image here: the way that works on this host and the exact command. */
async function helperImageRemedy(image: string, docker: DockerClient): Promise<string> {
  const advice = await helperImageAdvice({ image, docker }).catch(
    () => 'Build it with `faultline helper-image`.',
  );
  return `${advice} (needed when nsenter is not available)`;
}

/** Whether the Engine answers, and what it is. */
async function checkEngine(docker: DockerClient, endpoint: DockerEndpoint, add: (line: Line) => void) {
  try {
    const version = await docker.ping();
    add({
      ok: true,
      what: `${
        version.engine === 'Podman'
          ? `Podman ${version.version}, Docker-compatible API ${version.apiVersion}`
          : `Docker Engine ${version.version}, API ${version.apiVersion}`
      }, at ${describeEndpoint(endpoint)}`,
    });
    return true;
  } catch (error) {
    add({
      ok: false,
      what: error instanceof Error ? error.message : String(error),
      remedy: error instanceof FaultlineError ? error.hint : undefined,
    });
    return false;
  }
}

/** Each way into network namespaces: nsenter from the host, the helper image, the targets' own tools. */
async function checkWaysIn(
  docker: DockerClient,
  endpoint: DockerEndpoint,
  dockerOk: boolean,
  setup: NetworkSetup,
  add: (line: Line) => void,
): Promise<{ nsenter: boolean; helper: boolean }> {
  const nsenter = await nsenterSeesTargets(await nsenterPossible(endpoint), dockerOk ? docker : undefined);
  const helper = dockerOk && (await docker.imageExists(setup.helperImage));
  add({
    ok: nsenter.ok || setup.via !== 'nsenter',
    optional: !nsenter.ok && setup.via !== 'nsenter',
    what: `nsenter from the host: ${nsenter.ok ? 'available' : `not available (${nsenter.why})`}`,
    remedy: nsenter.ok
      ? undefined
      : 'Optional: run faultline as root on the Docker host for the fastest way in.',
  });
  add({
    ok: helper || setup.via !== 'helper',
    optional: !helper && setup.via !== 'helper',
    what: `helper image ${setup.helperImage}: ${helper ? 'present' : 'missing'}`,
    remedy: helper ? undefined : await helperImageRemedy(setup.helperImage, docker),
  });
  if (!nsenter.ok && !helper && setup.via !== 'exec') {
    add({
      ok: false,
      what: 'no way into network namespaces: network faults cannot run',
      remedy: 'Run as root on the Docker host, or build the helper image with `faultline helper-image`.',
    });
  }
  return { nsenter: nsenter.ok, helper };
}

/** Every host feature a registered fault family may need, tried in a scratch namespace only. */
async function checkKernel(
  docker: DockerClient,
  setup: NetworkSetup,
  ways: { nsenter: boolean; helper: boolean },
  add: (line: Line) => void,
): Promise<void> {
  const wantNsenter = setup.via === 'nsenter' || (setup.via === 'auto' && ways.nsenter);
  const scratch =
    wantNsenter && ways.nsenter
      ? hostScratch()
      : ways.helper
        ? await helperScratch(docker, setup.helperImage)
        : undefined;
  if (!scratch) return;
  try {
    const checks = await checkFeatures(scratch, familyFeatures());
    for (const check of checks) add({ ok: check.ok, what: `kernel: ${check.detail}`, remedy: check.remedy });
  } finally {
    await scratch.dispose().catch(() => undefined);
  }
}
