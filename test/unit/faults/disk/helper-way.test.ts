import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DockerClient } from '../../../../src/docker/client.js';
import { REPLY_MARK } from '../../../../src/faults/disk/agent.js';
import { diskFamily } from '../../../../src/faults/disk/family.js';
import { findFillsIn } from '../../../../src/faults/disk/find.js';
import { type DiskHelper, helperSpec, replyOf } from '../../../../src/faults/disk/helper.js';
import { removeCommand } from '../../../../src/faults/disk/undo.js';
import type { Target } from '../../../../src/targets/target.js';

const target = { id: 'c0ffee', name: 'db' } as Target;
const helper: DiskHelper = {
  docker: {} as DockerClient,
  image: 'faultline/nettools:1',
  target,
  runId: '3f9a1c7e',
  faultId: 'disk-fill-1',
};

describe('the helper way of disk-fill', () => {
  it("runs its helper in the target's process namespace, with no network, labelled with its run and fault", () => {
    const spec = helperSpec(helper, { op: 'fill', file: '/data/f', bytes: 10 }, 'faultline-disk-x', '{}');
    expect(spec).toMatchObject({
      image: 'faultline/nettools:1',
      name: 'faultline-disk-x',
      pidMode: 'container:c0ffee',
      capAdd: ['SYS_PTRACE'],
      networkMode: 'none',
      labels: {
        'org.faultline.helper': '1',
        'org.faultline.run-id': '3f9a1c7e',
        'org.faultline.fault-id': 'disk-fill-1',
        'org.faultline.target-id': 'c0ffee',
      },
    });
    expect(spec.cmd.slice(0, 3)).toEqual(['node', '--input-type=module', '-e']);
    expect(JSON.parse(spec.cmd.at(-1)!)).toEqual({ op: 'fill', file: '/data/f', bytes: 10 });
  });

  it("reads the agent's reply among other output, and tells a helper that printed none", () => {
    const text = `warming up\n${REPLY_MARK}{"ok":false,"message":"no space","code":"ENOSPC","disk":false}\n`;
    expect(replyOf(text)).toEqual({ ok: false, message: 'no space', code: 'ENOSPC', disk: false });
    expect(replyOf('node: not found\n')).toBeUndefined();
  });

  it('`plan --via helper` shows the helper that fills and the one that removes', () => {
    const plan = {
      type: 'disk' as const,
      path: '/data',
      size: 2 ** 20,
      name: '.faultline-fill-r-f',
      runId: 'r',
    };
    const viaHelper = (t: Target, argv: readonly string[]) =>
      `docker run --rm --net container:${t.name} --cap-add NET_ADMIN my/helper:2 ${argv.join(' ')}`;
    const shown = diskFamily.describe(plan, target, viaHelper);
    expect(shown.actions).toEqual([
      'docker run --rm --pid container:db --cap-add SYS_PTRACE --network none my/helper:2 fallocate -l 1.0MiB "/proc/1/root/data/.faultline-fill-r-f"',
    ]);
    expect(shown.reverts[0]).toContain('my/helper:2 rm -f "/proc/1/root/data/.faultline-fill-r-f"');
    const viaNsenter = (t: Target, argv: readonly string[]) =>
      `nsenter -t 1 -n ${argv.join(' ')} # ${t.name}`;
    expect(diskFamily.describe(plan, target, viaNsenter).actions[0]).toBe(
      `fallocate -l 1.0MiB "/proc/$(docker inspect -f '{{.State.Pid}}' db)/root/data/.faultline-fill-r-f"`,
    );
  });

  it('says how to remove a fill by hand the way it was made', () => {
    const recipe = { type: 'disk' as const, file: '/data/.faultline-fill-r-f', mount: '/data', bytes: 1 };
    expect(removeCommand(target, recipe)).toBe(
      `rm -f "/proc/$(docker inspect -f '{{.State.Pid}}' db)/root/data/.faultline-fill-r-f"`,
    );
    const record = { image: 'faultline/nettools:1', name: 'faultline-disk-r-f', runId: 'r', faultId: 'f' };
    expect(removeCommand(target, { ...recipe, helper: record })).toBe(
      `docker run --rm --pid container:db --cap-add SYS_PTRACE --network none faultline/nettools:1 node -e 'require("fs").rmSync("/proc/1/root/data/.faultline-fill-r-f", {force: true})'`,
    );
  });

  it('the helper way undoes a run that died before its helper answered for longer than the host way', () => {
    const recipe = { type: 'disk' as const, file: '/tmp/f', mount: '/', bytes: 1 };
    expect(diskFamily.settleMs(recipe)).toBe(0);
    expect(
      diskFamily.settleMs({ ...recipe, helper: { image: 'i', name: 'n', runId: 'r', faultId: 'f' } }),
    ).toBe(10_000);
    expect(diskFamily.ways).toEqual(['nsenter', 'helper']);
  });
});

describe('finding fill files without a ledger', () => {
  it('looks in every directory, however deep, without following links or entering skipped mounts', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'fill-find-'));
    await mkdir(path.join(root, 'var/lib/app/deep'), { recursive: true });
    await mkdir(path.join(root, 'proc'), { recursive: true });
    await mkdir(path.join(root, '.faultline-fill-dir'), { recursive: true });
    await writeFile(path.join(root, '.faultline-fill-a-disk-fill-1'), 'x');
    await writeFile(path.join(root, 'var/lib/app/deep/.faultline-fill-b-disk-fill-2'), 'x');
    await writeFile(path.join(root, 'var/lib/app/deep/not-a-fill'), 'x');
    await writeFile(path.join(root, 'proc/.faultline-fill-c-disk-fill-3'), 'x');
    await symlink(path.join(root, 'var'), path.join(root, 'link'));
    const found = await findFillsIn(root, ['/proc']);
    expect(found.files).toEqual([
      '/.faultline-fill-a-disk-fill-1',
      '/var/lib/app/deep/.faultline-fill-b-disk-fill-2',
    ]);
    expect(found.truncated).toBe(false);
    const cut = await findFillsIn(root, ['/proc'], 2);
    expect(cut).toMatchObject({ dirs: 2, truncated: true });
  });
});
