import type { Dirent } from 'node:fs';
import { opendir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { FILL_PREFIX } from './fill.js';
import { hostPath } from './locate.js';
import { NOT_STORAGE, parseMountinfo } from './mounts.js';

/**
 * Fill files a run left in a target, found by looking when no ledger names them: every directory of
 * the target's root filesystem and of everything mounted in it (volumes, binds, tmpfs), seen from the
 * process with this pid, without following links and without entering the kernel's views (/proc,
 * /sys, /dev, cgroups). It only reads, so it runs on the Docker host (nsenter) and in a helper alike.
 */

/** How many directories one search looks into at most, so a huge tree cannot make recover hang. */
export const MAX_DIRS = 100_000;

export interface FoundFills {
  /** Fill files, as paths inside the target. */
  files: string[];
  /** Directories looked into. */
  dirs: number;
  /** The search stopped at MAX_DIRS directories. */
  truncated: boolean;
}

export async function findFills(pid: number, maxDirs = MAX_DIRS): Promise<FoundFills> {
  const mounts = parseMountinfo(await readFile(`/proc/${pid}/mountinfo`, 'utf8').catch(() => ''));
  const skipped = mounts.filter((mount) => NOT_STORAGE.has(mount.fstype)).map((mount) => mount.point);
  return findFillsIn(hostPath(pid, '/'), skipped, maxDirs);
}

/** The search below `root` (a target's root as seen from here), not entering the `skipped` directories. */
export async function findFillsIn(
  root: string,
  skipped: readonly string[],
  maxDirs = MAX_DIRS,
): Promise<FoundFills> {
  const skip = new Set(skipped);
  const found: FoundFills = { files: [], dirs: 0, truncated: false };
  const pending = ['/'];
  while (pending.length > 0) {
    if (found.dirs >= maxDirs) {
      found.truncated = true;
      break;
    }
    const dir = pending.pop()!;
    found.dirs++;
    const handle = await opendir(path.posix.join(root, dir)).catch(() => undefined);
    if (!handle) continue;
    try {
      for await (const entry of handle as AsyncIterable<Dirent>) {
        const inTarget = path.posix.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!skip.has(inTarget)) pending.push(inTarget);
        } else if (entry.name.startsWith(FILL_PREFIX) && entry.isFile()) found.files.push(inTarget);
      }
    } catch {
      // A directory removed or unreadable while it is read: what was read of it counts.
    }
  }
  found.files.sort();
  return found;
}
