import { readFile } from 'node:fs/promises';
import { get } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import type { InjectContext } from '../../../src/faults/driver.js';
import { stressFamily } from '../../../src/faults/stress/family.js';
import { helperId, planCpu, planIo, planMemory, type StressPlan } from '../../../src/faults/stress/plan.js';
import type { Target } from '../../../src/targets/target.js';
import { removeTestContainers, uniquePrefix, waitFor } from '../../support/containers.js';
import { docker, FIXTURE_IMAGE, TEST_LABEL } from '../../support/docker-cli.js';

/**
 * Stress faults against real containers: the pressure is measured from the target's own cgroup (read
 * inside the target, whose cgroup namespace shows its cgroup as the root: the helper's processes join
 * it) and from the outside (the Engine's stats and process list of the target), and goes away on revert.
 */

const client = createDockerClient();
const prefix = uniquePrefix('stress');
const ctx = { platform: { engine: client } } as unknown as InjectContext;
const MiB = 1024 * 1024;

afterAll(async () => {
  await removeTestContainers(prefix);
});

async function start(name: string, options: string[], command = ['/app/backend.mjs']): Promise<Target> {
  const full = `${prefix}-${name}`;
  const id = await docker(
    'run',
    '-d',
    '--name',
    full,
    '--label',
    `${TEST_LABEL}=${prefix}`,
    ...options,
    FIXTURE_IMAGE,
    ...command,
  );
  return { id, name: full };
}

const readCgroup = async (target: Target, file: string) =>
  docker('exec', target.name, 'cat', `/sys/fs/cgroup/${file}`);

/** CPU the target's cgroup used over `ms`, in cores, from cpuacct.usage inside the target. */
async function coresUsed(target: Target, ms: number): Promise<number> {
  const before = Number(await readCgroup(target, 'cpuacct/cpuacct.usage'));
  const startedAt = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = Number(await readCgroup(target, 'cpuacct/cpuacct.usage'));
  const elapsedNs = Number(process.hrtime.bigint() - startedAt);
  return (after - before) / elapsedNs;
}

/** The Engine's view from the outside: `docker stats` CPU percent of the target (100 = one core). */
async function statsCpu(target: Target): Promise<number> {
  return Number.parseFloat(await docker('stats', '--no-stream', '--format', '{{.CPUPerc}}', target.name));
}

/** A container's CPU time so far (ns), from the Engine's stats of its own cgroup (GET /containers/…/stats). */
function helperCpuNs(name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(
      { socketPath: '/var/run/docker.sock', path: `/containers/${name}/stats?stream=false&one-shot=true` },
      (response) => {
        let body = '';
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () => resolve(Number(JSON.parse(body).cpu_stats.cpu_usage.total_usage)));
      },
    );
    request.on('error', reject);
  });
}

/** The host PIDs of the stress-ng processes among a container's own (its cgroup, as the Engine lists it). */
async function stressPids(container: string): Promise<string[]> {
  const rows = (await docker('top', container, '-o', 'pid,args')).split('\n').slice(1);
  return rows
    .map((row) => row.trim().split(/\s+/))
    .filter((row) => row[1]?.startsWith('stress-ng'))
    .map((row) => row[0]!);
}

/** CPU time (ns) the processes have used so far: utime + stime from host /proc/<pid>/stat. */
async function cpuNsOf(pids: readonly string[]): Promise<number> {
  let ticks = 0;
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return (ticks * 1e9) / 100;
}

/** Bytes the stress-ng processes in a container have written to storage so far (host /proc). */
async function writeBytes(container: string): Promise<number> {
  const pids = await stressPids(container);
  let total = 0;
  for (const pid of pids) {
    const io = await readFile(`/proc/${pid.trim()}/io`, 'utf8').catch(() => '');
    total += Number(/^write_bytes: (\d+)/m.exec(io)?.[1] ?? 0);
  }
  return total;
}

async function helpers(): Promise<string[]> {
  const out = await docker(
    'ps',
    '-a',
    '--filter',
    `name=faultline-stress-${prefix}`,
    '--format',
    '{{.Names}}',
  );
  return out.split('\n').filter(Boolean);
}

function plan(make: (id: ReturnType<typeof helperId>) => StressPlan, faultId: string): StressPlan {
  return make(helperId(prefix, faultId));
}

const measured: string[] = [];

describe('stress faults in the target cgroup', () => {
  afterAll(() => {
    console.log(`measured:\n  ${measured.join('\n  ')}`);
  });

  it('cpu-stress: the pressure is in the target cgroup, at least 90% of what was asked, and gone after revert', async () => {
    const target = await start('cpu', []);
    const recipes: unknown[] = [];
    const helper = `faultline-stress-${prefix}-cpu-1`;
    await using fault = await stressFamily.inject(
      plan(
        (id) => planCpu({ target: { name: target.name }, workers: 1, load: 60, duration: 30_000 }, id),
        'cpu-1',
      ),
      target,
      'cpu-1',
      ctx,
      (recipe) => recipes.push(recipe),
    );
    expect(recipes).toEqual([{ type: 'stress', helper }]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // stress-ng and its worker are the target's processes, as the Engine lists them.
    const pids = await stressPids(target.name);
    expect(pids).toHaveLength(2);
    // The stress processes' own CPU time (host /proc), the helper's cgroup and the target's, one window.
    const stressBefore = await cpuNsOf(pids);
    const helperBefore = await helperCpuNs(helper);
    const startedAt = process.hrtime.bigint();
    const during = await coresUsed(target, 4000);
    const elapsed = Number(process.hrtime.bigint() - startedAt);
    const stressShare = ((await cpuNsOf(pids)) - stressBefore) / elapsed;
    const helperShare = ((await helperCpuNs(helper)) - helperBefore) / elapsed;
    const outside = await statsCpu(target);
    expect((await fault.revert()).status).toBe('reverted');
    const after = await coresUsed(target, 2000);
    measured.push(
      `cpu-stress 1 worker at 60% (0.60 core asked): ${during.toFixed(2)} core in the target's cpuacct.usage, stress processes ${stressShare.toFixed(2)} core (host /proc), helper's own cgroup ${helperShare.toFixed(2)} core, docker stats of the target ${outside}%, ${after.toFixed(2)} core after revert (host load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs)`,
    );
    // Every cycle the stress processes got is the target's (the same window, read from both sides).
    expect(during).toBeGreaterThanOrEqual(0.9 * stressShare);
    // What it got: the asked 0.6 core on a quiet host; on a busy shared one, what the scheduler leaves.
    expect(during).toBeGreaterThanOrEqual(loadavg()[0]! < availableParallelism() ? 0.9 * 0.6 : 0.1);
    expect(during).toBeLessThan(0.8);
    // Nothing of it is counted in the helper's own cgroup: all of it joined the target's.
    expect(helperShare).toBeLessThan(0.05);
    // The Engine, from the outside, sees the pressure on the target too (sampled over its own second).
    expect(outside).toBeGreaterThanOrEqual(20);
    expect(after).toBeLessThan(0.1);
    expect(await stressPids(target.name)).toEqual([]);
    expect(await helpers()).toEqual([]);
  });

  it("cpu-stress: the target's CPU quota limits the pressure (it is accounted to the target)", async () => {
    const target = await start('quota', ['--cpus', '0.3']);
    await using fault = await stressFamily.inject(
      plan(
        (id) => planCpu({ target: { name: target.name }, workers: 2, load: 100, duration: 30_000 }, id),
        'cpu-2',
      ),
      target,
      'cpu-2',
      ctx,
      () => undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const during = await coresUsed(target, 4000);
    await fault.revert();
    measured.push(
      `cpu-stress 2 workers at 100% in a target limited to --cpus 0.3: ${during.toFixed(2)} core`,
    );
    expect(during).toBeGreaterThan(0.2);
    expect(during).toBeLessThan(0.4);
  });

  it('memory-stress: the target cgroup memory grows by the asked size, and falls back after revert', async () => {
    const target = await start('memory', ['--memory', '512m']);
    const usage = async () => Number(await readCgroup(target, 'memory/memory.usage_in_bytes'));
    const before = await usage();
    await using fault = await stressFamily.inject(
      plan(
        (id) =>
          planMemory(
            {
              target: { name: target.name },
              size: '25%',
              workers: 1,
              'oom-first': 'helper',
              duration: 30_000,
            },
            id,
          ),
        'mem-1',
      ),
      target,
      'mem-1',
      ctx,
      () => undefined,
    );
    let during = 0;
    await waitFor('the memory to be touched', async () => {
      during = await usage();
      return during - before >= 120 * MiB;
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    during = await usage();
    expect((await fault.revert()).status).toBe('reverted');
    const after = await usage();
    const grown = (during - before) / MiB;
    measured.push(
      `memory-stress 25% of 512MiB (128MiB asked): +${grown.toFixed(1)}MiB in the target's memory.usage_in_bytes, +${((after - before) / MiB).toFixed(1)}MiB after revert`,
    );
    expect(grown).toBeGreaterThanOrEqual(120);
    expect(grown).toBeLessThanOrEqual(160);
    expect(after - before).toBeLessThan(30 * MiB);
  });

  it('memory-stress past the limit with oom-first largest: the report says the target was OOM-killed', async () => {
    // The target holds 80MB itself, so it is the largest process when the stress pushes past 160MiB.
    const hold = 'const b = Buffer.alloc(80e6, 1); setInterval(() => b[0]++, 1000);';
    const target = await start('oom', ['--memory', '160m', '--memory-swap', '160m'], ['-e', hold]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await using fault = await stressFamily.inject(
      plan(
        (id) =>
          planMemory(
            {
              target: { name: target.name },
              size: '120MiB',
              workers: 1,
              'oom-first': 'largest',
              duration: 30_000,
            },
            id,
          ),
        'mem-2',
      ),
      target,
      'mem-2',
      ctx,
      () => undefined,
    );
    await waitFor(
      'the target to be OOM-killed',
      async () => (await docker('inspect', '--format', '{{.State.OOMKilled}}', target.name)) === 'true',
    );
    const outcome = await fault.revert();
    measured.push(`memory-stress 120MiB into a 160MiB target holding 80MB: ${outcome.detail}`);
    expect(outcome.detail).toContain(
      `the target ${target.name} was OOM-killed (State.OOMKilled, exit code 137)`,
    );
    expect(await helpers()).toEqual([]);
  });

  it('io-stress: the helper writes into the target filesystem, and its files are gone after revert', async () => {
    const target = await start('io', []);
    const blkio = async () => {
      const lines = await readCgroup(target, 'blkio/blkio.throttle.io_service_bytes_recursive');
      return lines
        .split('\n')
        .filter((line) => / Write /.test(line))
        .reduce((sum, line) => sum + Number(line.split(' ')[2]), 0);
    };
    const blkioBefore = await blkio();
    await using fault = await stressFamily.inject(
      plan(
        (id) =>
          planIo(
            { target: { name: target.name }, workers: 1, size: '16MiB', path: '/tmp', duration: 30_000 },
            id,
          ),
        'io-1',
      ),
      target,
      'io-1',
      ctx,
      () => undefined,
    );
    let inTarget = '';
    await waitFor('the stress files in the target', async () => {
      inTarget = await docker('exec', target.name, 'ls', '-A', '/tmp');
      return inTarget.includes('tmp-stress-ng-hdd-');
    });
    // From the outside: bytes the stress processes in the target sent to storage (/proc/<pid>/io write_bytes).
    const first = await writeBytes(target.name);
    const startedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const rate = ((await writeBytes(target.name)) - first) / MiB / ((Date.now() - startedAt) / 1000);
    const blkioGrown = (await blkio()) - blkioBefore;
    expect((await fault.revert()).status).toBe('reverted');
    const left = await docker('exec', target.name, 'ls', '-A', '/tmp');
    measured.push(
      `io-stress 1 worker, 16MiB rounds in /tmp: ${rate.toFixed(1)} MiB/s written (the stress processes' /proc/<pid>/io), target blkio write bytes +${blkioGrown} (this VM's disk reports none), /tmp after revert: [${left}]`,
    );
    expect(rate).toBeGreaterThan(1);
    expect(left).toBe('');
    expect(await helpers()).toEqual([]);
  });
});
