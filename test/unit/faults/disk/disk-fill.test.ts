import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../../../src/experiment/load.js';
import { fillName, runOfFill } from '../../../../src/faults/disk/fill.js';
import { bytesToFill, type Location, resolveInRoot } from '../../../../src/faults/disk/locate.js';
import { deviceName, mountOf, parseMountinfo } from '../../../../src/faults/disk/mounts.js';
import { parseSize } from '../../../../src/faults/disk/schema.js';

const HEAD = 'title: t\nhypothesis:\n  - name: p\n    command: [node, -v]\nmethod:\n';

function load(step: string): { spec?: unknown; errors: string[] } {
  try {
    const loaded = parseExperiment(`${HEAD}  - disk-fill: ${step}\n`, 'exp.yaml', {});
    const first = loaded.experiment.method[0] as { spec: unknown };
    return { spec: first.spec, errors: [] };
  } catch (error) {
    return { errors: [(error as Error).message] };
  }
}

describe('disk-fill steps in the file', () => {
  it('reads a size with its unit, or a share of the filesystem', () => {
    expect(load('{ target: { name: db }, path: /data, size: 512MiB }').spec).toMatchObject({
      path: '/data',
      size: 512 * 2 ** 20,
    });
    expect(load('{ target: { name: db }, path: /tmp, percent: 95, duration: 5s }').spec).toMatchObject({
      percent: 95,
      duration: 5000,
    });
    expect(parseSize('2GB')).toBe(2e9);
    expect(parseSize('100KiB')).toBe(102_400);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('12 parsecs')).toBeUndefined();
  });

  it('refuses impossible values with the line they are on', () => {
    const cases: [string, RegExp][] = [
      ['{ target: { name: db }, path: /data }', /exp\.yaml:6:\d+ .*either size or percent/],
      ['{ target: { name: db }, path: /data, size: 1GiB, percent: 5 }', /either size or percent/],
      [
        '{ target: { name: db }, path: data, size: 1GiB }',
        /exp\.yaml:6:\d+ .*path: expected an absolute path/,
      ],
      ['{ target: { name: db }, path: /data/../etc, size: 1GiB }', /without "\.\."/],
      ['{ target: { name: db }, path: /data, size: lots }', /size: expected a size above zero/],
      ['{ target: { name: db }, path: /data, size: 0 }', /expected a size above zero/],
      ['{ target: { name: db }, path: /data, percent: 120 }', /percent: expected a share of 100 or less/],
    ];
    for (const [step, expected] of cases) expect(load(step).errors.join('\n')).toMatch(expected);
  });
});

const MOUNTINFO = [
  '1021 980 0:123 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/l,upperdir=/var/lib/docker/overlay2/abc/diff,workdir=/w',
  '1022 1021 0:130 / /proc rw,nosuid - proc proc rw',
  '1030 1021 254:0 /var/lib/docker/volumes/v/_data /data rw,relatime - ext4 /dev/vda rw',
  '1031 1021 0:140 / /data/scratch\\040space ro,relatime - tmpfs tmpfs ro,size=65536k',
].join('\n');

describe("a target's mount table", () => {
  it('finds the filesystem that holds a path, the deepest mount winning', () => {
    const mounts = parseMountinfo(MOUNTINFO);
    expect(mountOf(mounts, '/tmp')).toMatchObject({
      point: '/',
      fstype: 'overlay',
      upperdir: '/var/lib/docker/overlay2/abc/diff',
    });
    expect(mountOf(mounts, '/data/x')).toMatchObject({ point: '/data', device: '254:0', readOnly: false });
    expect(mountOf(mounts, '/database')?.point).toBe('/');
    expect(mountOf(mounts, '/data/scratch space')).toMatchObject({ fstype: 'tmpfs', readOnly: true });
  });

  it('names devices as major:minor', () => {
    expect(deviceName(0xfe00n)).toBe('254:0');
    expect(deviceName(123n)).toBe('0:123');
  });
});

describe('resolving a path inside a root', () => {
  it('follows links as the target would, never out of its root', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'fl-root-'));
    await mkdir(path.join(root, 'srv/data'), { recursive: true });
    await symlink('/srv/data', path.join(root, 'data'));
    await symlink('../../..', path.join(root, 'srv/up'));
    await writeFile(path.join(root, 'file'), '');
    expect(await resolveInRoot(root, '/data')).toBe('/srv/data');
    expect(await resolveInRoot(root, '/srv/up/data')).toBe('/srv/data');
    expect(await resolveInRoot(root, '/srv/up')).toBe('/');
    expect(await resolveInRoot(root, '/nowhere')).toBeUndefined();
    expect(await resolveInRoot(root, '/file/below')).toBeUndefined();
  });
});

const location = (over: Partial<Location> = {}): Location => ({
  dir: '/data',
  mount: { device: '0:140', point: '/data', fstype: 'tmpfs', readOnly: false, upperdir: undefined },
  sharesHost: false,
  usedBytes: 10 * 2 ** 20,
  availableBytes: 90 * 2 ** 20,
  ...over,
});

describe('how much a fill writes', () => {
  it('writes the size asked, and refuses more than the free space', () => {
    expect(bytesToFill({ size: 2 ** 20 }, location(), 'x')).toBe(2 ** 20);
    expect(() => bytesToFill({ size: 91 * 2 ** 20 }, location(), 'disk-fill of /data in db')).toThrow(
      'disk-fill of /data in db asks for 91.0MiB but the filesystem has 90.0MiB free: ask for 90.0MiB or less, or use percent',
    );
  });

  it('brings the filesystem to the share asked, as df counts it, and no further than it is', () => {
    expect(bytesToFill({ percent: 50 }, location(), 'x')).toBe(40 * 2 ** 20);
    expect(bytesToFill({ percent: 100 }, location(), 'x')).toBe(90 * 2 ** 20);
    expect(() => bytesToFill({ percent: 5 }, location(), 'x')).toThrow(
      '10.0% is used already: nothing to fill',
    );
  });

  it("refuses a share of a filesystem the Docker host's own disk holds", () => {
    expect(() => bytesToFill({ percent: 50 }, location({ sharesHost: true }), 'x')).toThrow(
      /on the Docker host's own disk .*use size, or fill a volume of its own/,
    );
  });
});

describe('fill file names', () => {
  it('carry the run and the fault, and give the run back', () => {
    expect(fillName('27100271', 'disk-fill-1')).toBe('.faultline-fill-27100271-disk-fill-1');
    expect(runOfFill('.faultline-fill-27100271-disk-fill-1')).toBe('27100271');
    expect(runOfFill('other')).toBeUndefined();
  });
});
