import type { ContainerResources, ResourceUpdate } from '../../docker/client.js';

/** The limits a `limit` step asks for: CPUs, bytes of memory, processes. */
export interface LimitChange {
  cpus?: number | undefined;
  memory?: number | undefined;
  pids?: number | undefined;
}

/** The kernel's CFS period (and Docker's) when a container sets none. */
export const DEFAULT_CPU_PERIOD_US = 100_000;

/** A change the Engine cannot undo, found before anything is changed. */
export class LimitRefused extends Error {
  constructor(message: string, hint: string) {
    super(`${message}. ${hint}`);
    this.name = 'LimitRefused';
  }
}

/** The Engine update that applies a change, and the one that puts back what inspect reported before. */
export interface LimitCalls {
  set: ResourceUpdate;
  restore: ResourceUpdate;
}

function cpuCalls(cpus: number, before: ContainerResources): LimitCalls {
  // NanoCpus and CpuQuota/CpuPeriod exclude each other; the Engine cannot take NanoCpus back to 0, so a
  // container without a CPU limit is limited through CpuQuota, which -1 takes back to unlimited.
  if (before.nanoCpus > 0) {
    return { set: { NanoCpus: Math.round(cpus * 1e9) }, restore: { NanoCpus: before.nanoCpus } };
  }
  const period = before.cpuPeriod > 0 ? before.cpuPeriod : DEFAULT_CPU_PERIOD_US;
  return {
    set: { CpuQuota: Math.max(1000, Math.round(cpus * period)) },
    restore: { CpuQuota: before.cpuQuota > 0 ? before.cpuQuota : -1 },
  };
}

function memoryCalls(memory: number, before: ContainerResources, name: string): LimitCalls {
  if (before.memory <= 0) {
    throw new LimitRefused(
      `${name} has no memory limit, and the Docker Engine cannot take one off again once set (docker update has no way back to unlimited memory)`,
      'Give the container a memory limit when it is created (docker run --memory, compose mem_limit), e.g. the memory it may use at most; the limit step then lowers it and restores it exactly.',
    );
  }
  // Swap: none beyond the limit while it holds, unless it was unlimited (left so).
  const swap = before.memorySwap === -1 ? -1 : memory;
  return {
    set: { Memory: memory, MemorySwap: swap },
    restore: { Memory: before.memory, MemorySwap: before.memorySwap },
  };
}

/**
 * The Engine calls for a change from the limits inspect reports now. Throws LimitRefused when the change
 * could not be undone exactly (nothing has been changed then).
 */
export function limitCalls(change: LimitChange, before: ContainerResources, name: string): LimitCalls {
  const parts: LimitCalls[] = [];
  if (change.cpus !== undefined) parts.push(cpuCalls(change.cpus, before));
  if (change.memory !== undefined) parts.push(memoryCalls(change.memory, before, name));
  if (change.pids !== undefined) {
    // PidsLimit -1 is unlimited (inspect then reports 0, or null before any limit was set).
    const previous = before.pidsLimit ?? 0;
    parts.push({ set: { PidsLimit: change.pids }, restore: { PidsLimit: previous > 0 ? previous : -1 } });
  }
  return {
    set: Object.assign({}, ...parts.map((part) => part.set)),
    restore: Object.assign({}, ...parts.map((part) => part.restore)),
  };
}

/** True when the limits inspect reports already are what `restore` puts back. */
export function restored(restore: ResourceUpdate, now: ContainerResources): boolean {
  const unlimited = (value: number | null) => value === null || value <= 0;
  const checks: boolean[] = [];
  if (restore.NanoCpus !== undefined) checks.push(now.nanoCpus === restore.NanoCpus);
  if (restore.CpuQuota !== undefined) {
    checks.push(restore.CpuQuota === -1 ? unlimited(now.cpuQuota) : now.cpuQuota === restore.CpuQuota);
  }
  if (restore.Memory !== undefined) checks.push(now.memory === restore.Memory);
  if (restore.MemorySwap !== undefined) checks.push(now.memorySwap === restore.MemorySwap);
  if (restore.PidsLimit !== undefined) {
    checks.push(restore.PidsLimit === -1 ? unlimited(now.pidsLimit) : now.pidsLimit === restore.PidsLimit);
  }
  return checks.every(Boolean);
}

/** A size as docker flags take it: 64m, 1g, or bytes. */
function showBytes(bytes: number): string {
  for (const [unit, size] of [
    ['g', 1024 ** 3],
    ['m', 1024 ** 2],
    ['k', 1024],
  ] as const) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}b`;
}

/** How a change reads, as `docker update` flags. */
export function updateFlags(change: LimitChange): string[] {
  const flags: string[] = [];
  if (change.cpus !== undefined) flags.push('--cpus', String(change.cpus));
  if (change.memory !== undefined) flags.push('--memory', showBytes(change.memory));
  if (change.pids !== undefined) flags.push('--pids-limit', String(change.pids));
  return flags;
}

/** An update body as it reads in the plan and the ledger: `CpuQuota=50000 PidsLimit=-1`. */
export function showUpdate(update: ResourceUpdate): string {
  return Object.entries(update)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
}
