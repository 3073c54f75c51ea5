/**
 * How a stress helper's processes land in the target's own cgroup, on cgroup v1 and v2 alike, with
 * either cgroup driver: the helper joins it. Docker cannot place a container below the target
 * (cgroup v2 lets no cgroup that holds processes hand controllers to a child; the systemd driver takes
 * only slices as parents), so the helper is an ordinary container that, before stress-ng starts, writes
 * its own pid into the target's `cgroup.procs`: every worker stress-ng forks is then the target's, and
 * the target's CPU quota, memory limit, OOM killer and accounting see the pressure.
 *
 * The helper shares the target's process namespace (`--pid container:<target>`), so `/proc/1/cgroup`
 * is the target's first process's cgroup list; with the host's cgroup namespace (`--cgroupns host`)
 * its paths are absolute, and the Engine host's cgroup tree is mounted at CGROUP_MOUNT.
 */

import type { CgroupSetup, DockerClient } from '../../docker/client.js';
import { EnvironmentError } from '../../errors.js';

/** Where the Engine host's /sys/fs/cgroup is mounted in a stress helper. */
export const CGROUP_MOUNT = '/faultline-cgroup';

/** The joining shell's exit codes: it could not write into a cgroup, or found none of the target's. */
export const JOIN_WRITE_FAILED = 97;
export const JOIN_NOT_FOUND = 98;

/**
 * The helper's entry: `sh -c JOIN_SCRIPT faultline-join <controller> <stress-ng args...>`. For each line
 * of the target's /proc/1/cgroup (`0::/path` on v2, `N:ctrl,ctrl:/path` on v1) it writes its pid into
 * that cgroup's cgroup.procs where the hierarchy is mounted, and fails unless it joined the one holding
 * <controller> (or the v2 tree). A constant: no input is ever part of the script.
 */
export const JOIN_SCRIPT = [
  'need=$1; shift; found=',
  'while IFS=: read -r _ ctrls path; do',
  `  if [ -z "$ctrls" ]; then base=${CGROUP_MOUNT}; list=v2; [ -e "$base/cgroup.controllers" ] || { base=${CGROUP_MOUNT}/unified; list=hybrid; }`,
  `  else base=${CGROUP_MOUNT}/\${ctrls#name=}; list=",$ctrls,"; fi`,
  '  dir=$base$path',
  '  [ -e "$dir/cgroup.procs" ] || continue',
  `  echo $$ > "$dir/cgroup.procs" || { echo "faultline: cannot join the target's cgroup $dir" >&2; exit ${JOIN_WRITE_FAILED}; }`,
  '  case "$list" in v2|*",$need,"*) found=1 ;; esac',
  'done < /proc/1/cgroup',
  `[ -n "$found" ] || { echo "faultline: the target's $need cgroup is not under ${CGROUP_MOUNT}" >&2; exit ${JOIN_NOT_FOUND}; }`,
  'exec stress-ng "$@"',
].join('\n');

/** The v1 controller whose hierarchy a stress kind must join (on v2 there is one tree). */
export function controllerFor(kind: 'cpu-stress' | 'memory-stress' | 'io-stress'): string {
  return kind === 'cpu-stress' ? 'cpu' : kind === 'memory-stress' ? 'memory' : 'blkio';
}

/** The helper's command: join the target's cgroup, then run stress-ng with `args`. */
export function joinCommand(kind: 'cpu-stress' | 'memory-stress' | 'io-stress', args: readonly string[]) {
  return ['/bin/sh', '-c', JOIN_SCRIPT, 'faultline-join', controllerFor(kind), ...args];
}

/**
 * Refuses an Engine whose containers cannot write into another container's cgroup as the host's root:
 * rootless Engines and user-namespace remapping make a helper's root an ordinary user of the host.
 */
export function checkCgroupSetup(setup: CgroupSetup): void {
  const options = setup.securityOptions ?? [];
  const mode = options.some((option) => option.split(',').includes('name=rootless'))
    ? 'runs rootless'
    : options.some((option) => option.split(',').includes('name=userns'))
      ? 'remaps user namespaces'
      : undefined;
  if (!mode) return;
  throw new EnvironmentError(
    'STRESS_CGROUP_UNSUPPORTED',
    `stress faults need a helper to write into the target's cgroup as the Engine host's root, and this Engine ${mode} (cgroup v${setup.version}, ${setup.driver} driver)`,
    {
      hint: 'Run the stress steps against a rootful Engine without userns-remap, or leave them out of this experiment.',
    },
  );
}

export async function cgroupSetupOf(docker: DockerClient): Promise<CgroupSetup> {
  return docker.cgroupSetup ? docker.cgroupSetup() : { driver: 'cgroupfs', version: '1' };
}
