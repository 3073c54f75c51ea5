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
 * inside the target, whose cgroup namespace shows its cgroup as the root: the helper's cgroup is a
 * child of it) and from the outside (the Engine's stats of the target), and goes away on revert.
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

/** Bytes every process of a container has written to storage so far (host /proc, shared pid view). */
async function writeBytes(container: string): Promise<number> {
  const pids = (await docker('top', container, '-o', 'pid')).split('\n').slice(1).filter(Boolean);
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

  it('cpu-stress: the pressure is in the target cgroup, near what was asked, and gone after revert', async () => {
    const target = await start('cpu', []);
    const recipes: unknown[] = [];
    const helper = `faultline-stress-${prefix}-cpu-1`;
    await using fault = await stressFamily.inject(
      plan(
        (id) => planCpu({ target: { name: target.name }, workers: 1, load: 100, duration: 30_000 }, id),
        'cpu-1',
      ),
      target,
      'cpu-1',
      ctx,
      (recipe) => recipes.push(recipe),
    );
    expect(recipes).toEqual([{ type: 'stress', helper }]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // The helper's own usage, from its cgroup as the Engine reads it, and the target's, from inside it.
    const helperBefore = await helperCpuNs(helper);
    const startedAt = process.hrtime.bigint();
    const during = await coresUsed(target, 4000);
    const helperCores = (await helperCpuNs(helper)) - helperBefore;
    const helperShare = helperCores / Number(process.hrtime.bigint() - startedAt);
    const outside = await statsCpu(target);
    expect((await fault.revert()).status).toBe('reverted');
    const after = await coresUsed(target, 2000);
    measured.push(
      `cpu-stress 1 worker at 100% (1.00 core asked): ${during.toFixed(2)} core in the target's cpuacct.usage, helper's own cgroup ${helperShare.toFixed(2)} core, docker stats of the target ${outside}%, ${after.toFixed(2)} core after revert (host load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs)`,
    );
    // Everything the helper used is counted in the target's cgroup (the same window, read twice).
    expect(during).toBeGreaterThanOrEqual(0.9 * helperShare);
    // What a busy shared machine leaves a single process; the report states the measured share.
    expect(during).toBeGreaterThanOrEqual(0.3);
    // The Engine, from the outside, sees the pressure on the target too (sampled over its own second).
    expect(outside).toBeGreaterThanOrEqual(20);
    expect(after).toBeLessThan(0.1);
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
    const helper = `faultline-stress-${prefix}-io-1`;
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
    // From the outside: bytes the helper's processes sent to storage (/proc/<pid>/io write_bytes).
    const first = await writeBytes(helper);
    const startedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const rate = ((await writeBytes(helper)) - first) / MiB / ((Date.now() - startedAt) / 1000);
    const blkioGrown = (await blkio()) - blkioBefore;
    expect((await fault.revert()).status).toBe('reverted');
    const left = await docker('exec', target.name, 'ls', '-A', '/tmp');
    measured.push(
      `io-stress 1 worker, 16MiB rounds in /tmp: ${rate.toFixed(1)} MiB/s written (the helper's /proc/<pid>/io), target blkio write bytes +${blkioGrown} (this VM's disk reports none), /tmp after revert: [${left}]`,
    );
    expect(rate).toBeGreaterThan(1);
    expect(left).toBe('');
    expect(await helpers()).toEqual([]);
  });
});
