import { readFileSync } from 'node:fs';
import { COMPOSE_PROJECT, COMPOSE_SERVICE } from '../../src/docker/labels.js';
import { docker, FIXTURE_IMAGE, TEST_LABEL } from './docker-cli.js';

/** docker run options that make a container a service of a compose project (as a safety lab's are). */
export function serviceOf(project: string, service: string): string[] {
  return ['--label', `${COMPOSE_PROJECT}=${project}`, '--label', `${COMPOSE_SERVICE}=${service}`];
}

/** The container's processes as `comm:state` (state from /proc/<pid>/status on this host: T is stopped). */
export async function processStates(name: string): Promise<string[]> {
  const out = await docker('top', name, '-o', 'pid,comm');
  return out
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(
      ([pid, comm]) => `${comm}:${/^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]}`,
    );
}

/**
 * A fixture container whose processes are a shell and two sleeps; `flags` are docker run options
 * (resource limits, compose labels). Labelled as a test container of `prefix`.
 */
export async function startSleeper(prefix: string, name: string, flags: string[] = []): Promise<string> {
  const full = `${prefix}-${name}`;
  await docker(
    'run',
    '-d',
    '--name',
    full,
    '--label',
    `${TEST_LABEL}=${prefix}`,
    ...flags,
    '--entrypoint',
    'sh',
    FIXTURE_IMAGE,
    '-c',
    'sleep 1000 & sleep 1000 & wait',
  );
  return full;
}

/** The resource limits `docker inspect` reports, as text: compared before, during and after. */
export async function inspectLimits(name: string): Promise<string> {
  return docker(
    'inspect',
    '--format',
    'NanoCpus={{.HostConfig.NanoCpus}} CpuQuota={{.HostConfig.CpuQuota}} CpuPeriod={{.HostConfig.CpuPeriod}} Memory={{.HostConfig.Memory}} MemorySwap={{.HostConfig.MemorySwap}} PidsLimit={{json .HostConfig.PidsLimit}}',
    name,
  );
}

/**
 * The limits the kernel applies, read from the container's own cgroup (inside it): the CPU quota in
 * microseconds per period, the memory limit in bytes, the pids limit (`max` when unlimited).
 */
export async function cgroupLimits(name: string): Promise<{ cpu: string; memory: string; pids: string }> {
  const read = (v2: string, v1: string) =>
    docker('exec', name, 'sh', '-c', `cat /sys/fs/cgroup/${v2} 2>/dev/null || cat /sys/fs/cgroup/${v1}`);
  const cpu = await read('cpu.max', 'cpu/cpu.cfs_quota_us');
  return {
    cpu: cpu.split(' ')[0]!.replace(/^max$/, '-1'),
    memory: await read('memory.max', 'memory/memory.limit_in_bytes'),
    pids: await read('pids.max', 'pids/pids.max'),
  };
}
