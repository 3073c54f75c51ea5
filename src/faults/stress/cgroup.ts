import type { CgroupSetup, ContainerDetails, DockerClient } from '../../docker/client.js';
import { EnvironmentError } from '../../errors.js';

/**
 * Where a stress helper's cgroup goes: below the target's own, so the target's CPU quota, memory
 * limit and accounting see the pressure. With the cgroupfs driver on cgroup v1 the target's cgroup is
 * `<CgroupParent or /docker>/<id>` in every hierarchy, and Docker makes the helper's below it. The
 * systemd driver names a scope, below which Docker cannot place a container (it takes only slices as
 * parents); cgroup v2 lets no cgroup that holds processes hand controllers to children. Both are
 * refused before anything is made.
 */

export function cgroupParentOf(details: Pick<ContainerDetails, 'id' | 'cgroupParent'>): string {
  const parent = (details.cgroupParent || '/docker').replace(/\/+$/, '');
  return `${parent.startsWith('/') ? parent : `/${parent}`}/${details.id}`;
}

export function checkCgroupSetup(setup: CgroupSetup): void {
  if (setup.driver === 'cgroupfs' && setup.version === '1') return;
  const why =
    setup.version !== '1'
      ? 'on cgroup v2 a cgroup that holds processes (the target) cannot give its controllers to a child'
      : 'with the systemd cgroup driver a container can only be placed below a slice, not below the target';
  throw new EnvironmentError(
    'STRESS_CGROUP_UNSUPPORTED',
    `stress faults need the Engine's cgroupfs driver on cgroup v1 (this Engine: ${setup.driver}, cgroup v${setup.version}): ${why}`,
    {
      hint: 'Run the stress steps against an Engine with `"exec-opts": ["native.cgroupdriver=cgroupfs"]` on a cgroup v1 host, or leave them out of this experiment.',
    },
  );
}

export async function cgroupSetupOf(docker: DockerClient): Promise<CgroupSetup> {
  return docker.cgroupSetup ? docker.cgroupSetup() : { driver: 'cgroupfs', version: '1' };
}
