/**
 * A target's mounts as the Docker host sees them in /proc/<pid>/mountinfo: which filesystem holds a
 * path inside the target, and what backs it on the host.
 */
export interface Mount {
  /** `major:minor` of the mounted filesystem. */
  device: string;
  /** Where it is mounted inside the target. */
  point: string;
  fstype: string;
  readOnly: boolean;
  /** The overlay's upper directory on the host, for the container's own filesystem. */
  upperdir: string | undefined;
}

/** Filesystems no fill belongs on: the kernel's views, not storage. */
export const NOT_STORAGE = new Set([
  'proc',
  'sysfs',
  'cgroup',
  'cgroup2',
  'devpts',
  'mqueue',
  'securityfs',
  'debugfs',
  'tracefs',
  'bpf',
  'devtmpfs',
]);

const unescapeOctal = (text: string) =>
  text.replace(/\\([0-7]{3})/g, (_, octal) => String.fromCharCode(parseInt(octal, 8)));

export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6) continue;
    const superOptions = (fields[dash + 3] ?? '').split(',');
    const upper = superOptions.find((option) => option.startsWith('upperdir='));
    mounts.push({
      device: fields[2]!,
      point: unescapeOctal(fields[4]!),
      fstype: fields[dash + 1]!,
      readOnly: fields[5]!.split(',').includes('ro'),
      upperdir: upper ? unescapeOctal(upper.slice('upperdir='.length)) : undefined,
    });
  }
  return mounts;
}

/** The mount that holds `path` (the last mounted over it wins, as in the kernel). */
export function mountOf(mounts: readonly Mount[], path: string): Mount | undefined {
  let found: Mount | undefined;
  for (const mount of mounts) {
    const within = mount.point === '/' || path === mount.point || path.startsWith(`${mount.point}/`);
    if (within && (!found || mount.point.length >= found.point.length)) found = mount;
  }
  return found;
}

/** `major:minor` of a device number as stat reports it (Linux's encoding). */
export function deviceName(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}
