import { lstat, readFile, readlink, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Target } from '../../targets/target.js';
import { DiskFillError } from './errors.js';
import { deviceName, type Mount, mountOf, NOT_STORAGE, parseMountinfo } from './mounts.js';

/**
 * Where a fill goes, found from the Docker host: a path inside the target is read through
 * /proc/<pid>/root (the target's own mount namespace, volumes included), its symbolic links followed
 * inside the target's root, never out of it, and the filesystem found there checked against the
 * target's own mount table.
 */
export interface Location {
  /** The directory inside the target, with its links resolved. */
  dir: string;
  mount: Mount;
  /** It is the host's root filesystem or the one Docker keeps container layers on. */
  sharesHost: boolean;
  /** As df counts them: used + available is the size Use% is a share of. */
  usedBytes: number;
  availableBytes: number;
}

/** The host's way to a path inside the target. */
export function hostPath(pid: number, inTarget: string): string {
  return `/proc/${pid}/root${inTarget === '/' ? '' : inTarget}`;
}

const MAX_LINKS = 40;

/** A path inside a root, its links resolved as the target would (absolute ones from the target's root). */
export async function resolveInRoot(root: string, wanted: string): Promise<string | undefined> {
  const pending = wanted.split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const here = path.join(root, ...done, part);
    let info: Awaited<ReturnType<typeof lstat>>;
    try {
      info = await lstat(here);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw error;
    }
    if (info.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new DiskFillError(`${wanted}: too many levels of symbolic links`);
      const link = await readlink(here);
      if (link.startsWith('/')) done.length = 0;
      pending.unshift(...link.split('/').filter(Boolean));
      continue;
    }
    done.push(part);
  }
  return `/${done.join('/')}`;
}

async function deviceOf(file: string): Promise<string | undefined> {
  return stat(file, { bigint: true }).then(
    (info) => deviceName(info.dev),
    () => undefined,
  );
}

/** Files the Engine keeps in its own data folder and mounts into every container. */
const ENGINE_FILES = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'];

/**
 * Whether a mount is backed by the host's root filesystem or by the disk the Engine keeps containers
 * on: the one holding the target's layers, or its /etc/hosts (seen from a helper, which cannot look
 * at the layers' host folder, this is how the Engine's disk is told).
 */
async function sharedWithHost(mount: Mount, mounts: readonly Mount[]): Promise<boolean> {
  const layers = mountOf(mounts, '/')?.upperdir;
  const engineFiles = mounts.filter((each) => ENGINE_FILES.includes(each.point)).map((each) => each.device);
  const hostDevices = new Set([
    await deviceOf('/'),
    layers ? await deviceOf(layers) : undefined,
    ...engineFiles,
  ]);
  const backing = mount.upperdir ? await deviceOf(mount.upperdir) : mount.device;
  // An overlay whose layers cannot be looked at is taken to be on the host's disk.
  return backing === undefined || hostDevices.has(backing);
}

/** Finds and checks where a fill of `wanted` in the target with this pid goes. Throws a DiskFillError. */
export async function locate(pid: number, target: Pick<Target, 'name'>, wanted: string): Promise<Location> {
  const where = `${wanted} in ${target.name}`;
  const dir = await resolveInRoot(hostPath(pid, '/'), wanted);
  if (dir === undefined)
    throw new DiskFillError(`${where} does not exist: fill a directory the container has (such as /tmp)`);
  const info = await stat(hostPath(pid, dir), { bigint: true });
  if (!info.isDirectory()) throw new DiskFillError(`${where} is not a directory: name the directory to fill`);
  const mounts = parseMountinfo(await readFile(`/proc/${pid}/mountinfo`, 'utf8'));
  const mount = mountOf(mounts, dir);
  if (!mount) throw new DiskFillError(`${where}: no mount holds it in the container's mount table`);
  if (NOT_STORAGE.has(mount.fstype))
    throw new DiskFillError(
      `${where} is on ${mount.fstype} (${mount.point}), not storage: fill a directory on a disk`,
    );
  if (mount.readOnly) throw new DiskFillError(`${where} is on a read-only mount (${mount.point})`);
  if (deviceName(info.dev) !== mount.device) {
    throw new DiskFillError(
      `${where}: the directory is on device ${deviceName(info.dev)}, but the container mounts ${mount.device} at ${mount.point}; refusing to write where the container would not see it`,
    );
  }
  const space = await statfs(hostPath(pid, dir));
  return {
    dir,
    mount,
    sharesHost: await sharedWithHost(mount, mounts),
    usedBytes: (space.blocks - space.bfree) * space.bsize,
    availableBytes: space.bavail * space.bsize,
  };
}

/** How full a filesystem is, as df counts it (its Use%), or undefined when it cannot be told. */
export async function usedShare(dir: string): Promise<number | undefined> {
  const space = await statfs(dir).catch(() => undefined);
  if (!space) return undefined;
  const used = space.blocks - space.bfree;
  return (used * 100) / (used + space.bavail);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes}B` : `${value.toFixed(1)}${units[unit]}`;
}

/** How much a fill writes: the size asked, or what brings the filesystem to the share asked. */
export function bytesToFill(
  ask: { size?: number | undefined; percent?: number | undefined },
  location: Location,
  where: string,
): number {
  const { usedBytes, availableBytes } = location;
  const free = formatBytes(availableBytes);
  if (ask.size !== undefined) {
    if (ask.size > availableBytes)
      throw new DiskFillError(
        `${where} asks for ${formatBytes(ask.size)} but the filesystem has ${free} free: ask for ${free} or less, or use percent`,
      );
    return ask.size;
  }
  const percent = ask.percent!;
  if (location.sharesHost) {
    throw new DiskFillError(
      `${where} asks for percent: ${percent}, but ${location.dir} is on the Docker host's own disk (${location.mount.fstype} at ${location.mount.point}), where a share of the filesystem is a share of the host's: use size, or fill a volume of its own (a tmpfs, a dedicated disk)`,
    );
  }
  const capacity = usedBytes + availableBytes;
  const wanted = Math.ceil((percent / 100) * capacity) - usedBytes;
  if (wanted <= 0) {
    throw new DiskFillError(
      `${where} asks for ${percent}% used, but ${((100 * usedBytes) / capacity).toFixed(1)}% is used already: nothing to fill`,
    );
  }
  return Math.min(wanted, availableBytes);
}
