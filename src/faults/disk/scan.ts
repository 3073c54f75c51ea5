import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { NetnsRunner } from '../../network/netns-runner.js';
import { cgroupNamesContainer } from '../../network/target-pid.js';
import type { Target } from '../../targets/target.js';
import type { Leftover } from '../driver.js';
import { FILL_PREFIX, runOfFill } from './fill.js';
import { hostPath } from './locate.js';
import { NOT_STORAGE, parseMountinfo } from './mounts.js';

/** Places a fill is looked for when no ledger names it: the usual scratch directories, and every mount's top. */
const USUAL = ['/', '/tmp', '/var/tmp', '/data'];

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

/**
 * Fill files a dead run left in a target: looked for from the Docker host (only with nsenter, the way
 * that sees the host's /proc) in the usual scratch directories and at the top of each of the
 * target's mounts. A fill in a deeper directory is found only through the ledger that named it.
 */
export async function diskScan(runner: NetnsRunner, target: Target): Promise<Leftover[]> {
  if (runner.via !== 'nsenter') return [];
  const pid = await pidOf(target);
  if (pid === undefined) return [];
  const mounts = parseMountinfo(await readFile(`/proc/${pid}/mountinfo`, 'utf8').catch(() => ''));
  const dirs = new Set([
    ...USUAL,
    ...mounts.filter((mount) => !NOT_STORAGE.has(mount.fstype)).map((mount) => mount.point),
  ]);
  const found: Leftover[] = [];
  for (const dir of dirs) {
    const names = await readdir(hostPath(pid, dir)).catch(() => []);
    for (const name of names.filter((entry) => entry.startsWith(FILL_PREFIX))) {
      const file = path.posix.join(dir, name);
      found.push({
        what: `fill file ${file}`,
        runId: runOfFill(name),
        commands: [['rm', '-f', '--', hostPath(pid, file)]],
      });
    }
  }
  return found;
}
