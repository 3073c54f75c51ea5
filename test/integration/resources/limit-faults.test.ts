import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import type { InjectContext } from '../../../src/faults/driver.js';
import { limitFamily } from '../../../src/faults/limits/family.js';
import type { LimitChange } from '../../../src/faults/limits/resources.js';
import type { Platform } from '../../../src/platform/platform.js';
import type { Target } from '../../../src/targets/target.js';
import { removeTestContainers, uniquePrefix } from '../../support/containers.js';
import { docker } from '../../support/docker-cli.js';
import { cgroupLimits, inspectLimits, startSleeper } from '../../support/limits.js';

const client = createDockerClient();
const prefix = uniquePrefix('limits');
const ctx = {
  platform: { engine: client } as unknown as Platform,
  network: () => {
    throw new Error('a limit needs no network');
  },
} satisfies InjectContext;
const MiB = 1024 * 1024;

afterAll(async () => {
  await removeTestContainers(prefix);
});

async function target(name: string): Promise<Target> {
  return { id: await docker('inspect', '--format', '{{.Id}}', name), name };
}

/** Injects a limit, and returns what inspect and the cgroup say during it and after its revert. */
async function limitAndRevert(name: string, change: LimitChange) {
  const recipes: unknown[] = [];
  const fault = await limitFamily.inject(
    { type: 'limit', change },
    await target(name),
    'limit-1',
    ctx,
    (recipe) => recipes.push(recipe),
  );
  const during = { inspect: await inspectLimits(name), cgroup: await cgroupLimits(name) };
  const reverted = await fault.revert();
  return {
    during,
    reverted,
    recipes,
    after: { inspect: await inspectLimits(name), cgroup: await cgroupLimits(name) },
  };
}

describe('limit: resource limits changed through the Engine and restored exactly', () => {
  it('from limits set with --cpus, --memory and --pids-limit: every value back as inspect reported it', async () => {
    const name = await startSleeper(prefix, 'limited', [
      '--cpus',
      '1.5',
      '--memory',
      '256m',
      '--pids-limit',
      '200',
    ]);
    const before = { inspect: await inspectLimits(name), cgroup: await cgroupLimits(name) };
    expect(before.inspect).toBe(
      `NanoCpus=1500000000 CpuQuota=0 CpuPeriod=0 Memory=${256 * MiB} MemorySwap=${512 * MiB} PidsLimit=200`,
    );
    const { during, after, reverted } = await limitAndRevert(name, { cpus: 0.5, memory: 64 * MiB, pids: 20 });
    expect(during.inspect).toBe(
      `NanoCpus=500000000 CpuQuota=0 CpuPeriod=0 Memory=${64 * MiB} MemorySwap=${64 * MiB} PidsLimit=20`,
    );
    expect(during.cgroup).toEqual({ cpu: '50000', memory: String(64 * MiB), pids: '20' });
    expect(reverted.status).toBe('reverted');
    expect(after).toEqual(before);
  });

  it('from --cpu-quota and unlimited swap: the quota is changed, not NanoCpus, and both come back', async () => {
    const name = await startSleeper(prefix, 'quota', [
      '--cpu-quota',
      '80000',
      '--cpu-period',
      '100000',
      '--memory',
      '128m',
      '--memory-swap',
      '-1',
    ]);
    const before = { inspect: await inspectLimits(name), cgroup: await cgroupLimits(name) };
    const { during, after } = await limitAndRevert(name, { cpus: 0.25, memory: 32 * MiB });
    expect(during.inspect).toBe(
      `NanoCpus=0 CpuQuota=25000 CpuPeriod=100000 Memory=${32 * MiB} MemorySwap=-1 PidsLimit=null`,
    );
    expect(during.cgroup.cpu).toBe('25000');
    expect(during.cgroup.memory).toBe(String(32 * MiB));
    expect(after).toEqual(before);
  });

  it('from no CPU or pids limit: limited during the fault, unlimited again after (as the Engine reports it)', async () => {
    const name = await startSleeper(prefix, 'unlimited');
    const before = { inspect: await inspectLimits(name), cgroup: await cgroupLimits(name) };
    expect(before.inspect).toBe('NanoCpus=0 CpuQuota=0 CpuPeriod=0 Memory=0 MemorySwap=0 PidsLimit=null');
    const { during, after, recipes } = await limitAndRevert(name, { cpus: 0.5, pids: 30 });
    expect(during.inspect).toBe('NanoCpus=0 CpuQuota=50000 CpuPeriod=0 Memory=0 MemorySwap=0 PidsLimit=30');
    expect(during.cgroup).toMatchObject({ cpu: '50000', pids: '30' });
    expect(recipes).toEqual([{ type: 'limit', restore: { CpuQuota: -1, PidsLimit: -1 } }]);
    // The kernel's limits are exactly as before; the Engine reports "unlimited" in its own words
    // (it has no call that sets CpuQuota back to 0 or PidsLimit back to null).
    expect(after.cgroup).toEqual(before.cgroup);
    expect(after.inspect).toBe('NanoCpus=0 CpuQuota=-1 CpuPeriod=0 Memory=0 MemorySwap=0 PidsLimit=0');
    // A second limit and revert on that container now is exact.
    const again = await limitAndRevert(name, { cpus: 0.5, pids: 30 });
    expect(again.after.inspect).toBe(after.inspect);
  });

  it('refuses a memory limit on a container without one, before changing anything', async () => {
    const name = await startSleeper(prefix, 'nomem');
    const before = await inspectLimits(name);
    const recipes: unknown[] = [];
    await expect(
      limitFamily.inject(
        { type: 'limit', change: { pids: 10, memory: 64 * MiB } },
        await target(name),
        'x',
        ctx,
        (r) => recipes.push(r),
      ),
    ).rejects.toThrow(/has no memory limit, and the Docker Engine cannot take one off again/);
    expect(recipes).toEqual([]);
    expect(await inspectLimits(name)).toBe(before);
  });

  it('a value the Engine rejects: its message in the error, nothing changed', async () => {
    const name = await startSleeper(prefix, 'rejected', ['--cpus', '1']);
    const before = await inspectLimits(name);
    await expect(
      limitFamily.inject(
        { type: 'limit', change: { cpus: 4096, pids: 10 } },
        await target(name),
        'x',
        ctx,
        () => {},
      ),
    ).rejects.toThrow(
      /the Docker Engine refused the limit on .*rejected \(NanoCpus=4096000000000 PidsLimit=10\): .*CPU/i,
    );
    expect(await inspectLimits(name)).toBe(before);
  });

  it('undo from the recipe alone is idempotent', async () => {
    const name = await startSleeper(prefix, 'undo', ['--cpus', '2', '--pids-limit', '100']);
    const before = await inspectLimits(name);
    const recipes: { type: string }[] = [];
    const t = await target(name);
    await limitFamily.inject({ type: 'limit', change: { cpus: 0.1, pids: 5 } }, t, 'x', ctx, (r) =>
      recipes.push(r),
    );
    expect(await inspectLimits(name)).not.toBe(before);
    const undoCtx = { docker: client, runner: () => Promise.reject(new Error('no netns')) };
    const recipe = recipes[0] as Parameters<typeof limitFamily.undo>[0];
    expect((await limitFamily.undo(recipe, t, undoCtx)).status).toBe('reverted');
    expect(await inspectLimits(name)).toBe(before);
    expect((await limitFamily.undo(recipe, t, undoCtx)).status).toBe('already-reverted');
    await docker('rm', '-f', name);
    expect((await limitFamily.undo(recipe, t, undoCtx)).status).toBe('target-gone');
  });

  it('the limits take effect: CPU throttled and forks refused during the fault, neither after the revert', async () => {
    const name = await startSleeper(prefix, 'effect');
    // A busy loop beside the sleeps, started in the container and counted by its cgroup.
    await docker('exec', '-d', name, 'sh', '-c', 'while :; do :; done');
    const fault = await limitFamily.inject(
      { type: 'limit', change: { cpus: 0.25, pids: 20 } },
      await target(name),
      'effect',
      ctx,
      () => {},
    );
    const during = {
      cpu: await cpuOver(name, 2000),
      fork: await forks(name, 25),
    };
    await fault.revert();
    const after = {
      cpu: await cpuOver(name, 2000),
      fork: await forks(name, 25),
    };
    console.log(
      `[limits] cpus 0.25: used ${during.cpu.cpus.toFixed(3)} CPU, throttled ${during.cpu.throttled} periods in 2s; after: ${after.cpu.cpus.toFixed(3)} CPU, throttled ${after.cpu.throttled}`,
    );
    expect(during.cpu.cpus).toBeLessThan(0.3);
    expect(during.cpu.throttled).toBeGreaterThan(10);
    expect(during.fork).toBe(false);
    expect(after.cpu.throttled).toBe(0);
    expect(after.fork).toBe(true);
  });
});

/** CPU time the container's cgroup used over `ms` (in CPUs) and the periods it was throttled in. */
async function cpuOver(name: string, ms: number): Promise<{ cpus: number; throttled: number }> {
  const read = async () => {
    const text = await docker(
      'exec',
      name,
      'sh',
      '-c',
      'cat /sys/fs/cgroup/cpu.stat 2>/dev/null || { echo usage_ns $(cat /sys/fs/cgroup/cpuacct/cpuacct.usage); cat /sys/fs/cgroup/cpu/cpu.stat; }',
    );
    const field = (key: string) => Number(new RegExp(`^${key} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
    const usageNs = text.includes('usage_usec') ? field('usage_usec') * 1000 : field('usage_ns');
    return { usageNs, throttled: field('nr_throttled') };
  };
  const start = await read();
  const at = Date.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const end = await read();
  return {
    cpus: (end.usageNs - start.usageNs) / 1e6 / (Date.now() - at),
    throttled: end.throttled - start.throttled,
  };
}

/** Whether `count` more processes can be started in the container at once. */
async function forks(name: string, count: number): Promise<boolean> {
  const script = `for i in $(seq ${count}); do sleep 0.2 & done; wait`;
  const result = await execa('docker', ['exec', name, 'sh', '-c', script], { reject: false });
  return result.exitCode === 0 && !/fork|resource temporarily/i.test(result.stderr);
}
