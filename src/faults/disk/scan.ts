import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DockerClient } from '../../docker/client.js';
import { errorMessage } from '../../errors.js';
import { HelperRunner, type NetnsRunner } from '../../network/netns-runner.js';
import { cgroupNamesContainer } from '../../network/target-pid.js';
import type { Target } from '../../targets/target.js';
import type { Leftover } from '../driver.js';
import { runOfFill } from './fill.js';
import { type FoundFills, findFills } from './find.js';
import { type DiskHelper, runAgent } from './helper.js';
import { hostPath } from './locate.js';
import type { Removal } from './remove.js';

/** A process of the target as this host sees it (the first whose cgroup names the container). */
async function pidOf(target: Target): Promise<number | undefined> {
  const entries = await readdir('/proc').catch(() => []);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const cgroup = await readFile(`/proc/${entry}/cgroup`, 'utf8').catch(() => '');
    if (cgroupNamesContainer(cgroup, target.id)) return Number(entry);
  }
  return undefined;
}

const leftover = (file: string): Omit<Leftover, 'commands'> => ({
  what: `fill file ${file}`,
  runId: runOfFill(path.posix.basename(file)),
});

/** Looked for from a helper; each removed by another helper. */
async function fromHelper(helper: DiskHelper): Promise<Leftover[]> {
  const found = (await runAgent(helper, { op: 'scan' })) as FoundFills;
  return found.files.map((file) => ({
    ...leftover(file),
    commands: [],
    remove: async () => {
      try {
        const removed = (await runAgent(helper, { op: 'remove', file })) as Removal;
        return removed === 'moved' ? `${path.posix.dirname(file)} is a link now; left as it is` : undefined;
      } catch (error) {
        return errorMessage(error);
      }
    },
  }));
}

/**
 * Fill files a dead run left in a target, found by their name in every directory of its filesystem
 * and its volumes (find.ts): from the Docker host with nsenter (removed with rm through
 * /proc/<pid>/root), or from a helper container sharing the target's process namespace with the
 * helper way (removed by another helper). The exec way cannot look.
 */
export async function diskScan(
  runner: NetnsRunner,
  target: Target,
  docker?: DockerClient,
): Promise<Leftover[]> {
  if (runner instanceof HelperRunner && docker) {
    return fromHelper({ docker, image: runner.image, target, runId: 'recover', faultId: 'disk-scan' });
  }
  if (runner.via !== 'nsenter') return [];
  const pid = await pidOf(target);
  if (pid === undefined) return [];
  const found = await findFills(pid);
  return found.files.map((file) => ({
    ...leftover(file),
    commands: [['rm', '-f', '--', hostPath(pid, file)]],
  }));
}
