import type { Target } from '../../targets/target.js';
import { CGROUP_MOUNT } from './cgroup.js';
import type { CpuStressSpec, IoStressSpec, MemoryStressSpec } from './schema.js';

/**
 * A stress fault as data: the stress-ng arguments, and the helper container that runs them in the
 * target's own cgroup (so its CPU quota, memory limit and accounting see the pressure) and in its
 * process namespace (so the pressure dies with the target). `plan`, the ledger and inject read this.
 */
export interface StressPlan {
  type: 'stress';
  kind: 'cpu-stress' | 'memory-stress' | 'io-stress';
  /** The helper container's name (faultline-stress-<run>-<fault>), labelled with the run and fault. */
  helper: string;
  runId: string;
  /** stress-ng's arguments; a memory share of the limit is filled in at injection (`memoryShare`). */
  args: string[];
  /** memory-stress with a share of the target's memory limit: the percent, and the workers to split it over. */
  memoryShare?: { percent: number; workers: number } | undefined;
  /** io-stress on a named volume, mounted in the helper. */
  volume?: string | undefined;
  /** How long stress-ng runs at most on its own (the step's duration plus a margin), in seconds. */
  timeoutS?: number | undefined;
}

/** Where an io-stress helper writes when it is given a volume. */
export const VOLUME_MOUNT = '/faultline-io';
/** stress-ng is stopped with SIGTERM first, so it removes its files, then the helper is removed. */
export const STOP_GRACE_S = 5;
/** How much longer than the step stress-ng may run on its own: it ends even if nobody removes it. */
const TIMEOUT_MARGIN_S = 60;

export interface HelperId {
  helper: string;
  runId: string;
}

export function helperId(runId: string, faultId: string): HelperId {
  return { helper: `faultline-stress-${runId}-${faultId}`, runId };
}

const UNITS: Record<string, number> = {
  B: 1,
  K: 1024,
  KiB: 1024,
  M: 1024 ** 2,
  MiB: 1024 ** 2,
  G: 1024 ** 3,
  GiB: 1024 ** 3,
};

export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text}`);
  return Math.round(Number(match[1]) * (UNITS[match[2] || 'B'] ?? 1));
}

function timeout(durationMs: number | undefined): { timeoutS?: number; args: string[] } {
  if (durationMs === undefined) return { args: [] };
  const timeoutS = Math.ceil(durationMs / 1000) + TIMEOUT_MARGIN_S;
  return { timeoutS, args: ['--timeout', `${timeoutS}s`] };
}

export function planCpu(spec: CpuStressSpec, id: HelperId): StressPlan {
  const limit = timeout(spec.duration);
  return {
    type: 'stress',
    kind: 'cpu-stress',
    ...id,
    args: ['--cpu', String(spec.workers), '--cpu-load', String(spec.load), ...limit.args],
    timeoutS: limit.timeoutS,
  };
}

/** Each worker maps and touches its part once, keeps it and sleeps (no churn: steady usage). */
export function memoryArgs(perWorkerBytes: number, spec: Pick<MemoryStressSpec, 'workers' | 'oom-first'>) {
  return [
    '--vm',
    String(spec.workers),
    '--vm-bytes',
    String(perWorkerBytes),
    '--vm-keep',
    '--vm-hang',
    '0',
    '--vm-method',
    'write64',
    ...(spec['oom-first'] === 'largest' ? ['--no-oom-adjust'] : []),
  ];
}

export function planMemory(spec: MemoryStressSpec, id: HelperId): StressPlan {
  const limit = timeout(spec.duration);
  const share = /^(\d+(?:\.\d+)?)%$/.exec(spec.size);
  const base = { type: 'stress' as const, kind: 'memory-stress' as const, ...id, timeoutS: limit.timeoutS };
  if (share) {
    return {
      ...base,
      args: [...memoryArgs(0, spec), ...limit.args],
      memoryShare: { percent: Number(share[1]), workers: spec.workers },
    };
  }
  const perWorker = Math.ceil(parseSize(spec.size) / spec.workers);
  return { ...base, args: [...memoryArgs(perWorker, spec), ...limit.args] };
}

export function planIo(spec: IoStressSpec, id: HelperId): StressPlan {
  const limit = timeout(spec.duration);
  // With the target's process namespace shared, /proc/1/root is the target's own root filesystem.
  const dir = spec.volume ? VOLUME_MOUNT : `/proc/1/root${spec.path ?? '/tmp'}`;
  return {
    type: 'stress',
    kind: 'io-stress',
    ...id,
    args: [
      '--hdd',
      String(spec.workers),
      '--hdd-bytes',
      String(parseSize(spec.size)),
      '--hdd-opts',
      'dsync',
      '--temp-path',
      dir,
      ...limit.args,
    ],
    volume: spec.volume,
    timeoutS: limit.timeoutS,
  };
}

/** The helper's `docker run`, as a person would type it (what `plan` prints). */
export function describeHelper(plan: StressPlan, target: Target): string {
  const args = plan.memoryShare
    ? plan.args.map((arg, index) =>
        plan.args[index - 1] === '--vm-bytes'
          ? `<${plan.memoryShare!.percent}% of the memory limit / ${plan.memoryShare!.workers}>`
          : arg,
      )
    : plan.args;
  return [
    'docker run -d',
    `--name ${plan.helper}`,
    `--pid container:${target.name}`,
    '--cgroupns host',
    `-v /sys/fs/cgroup:${CGROUP_MOUNT}`,
    '--network none',
    ...(plan.volume ? [`-v ${plan.volume}:${VOLUME_MOUNT}`] : []),
    `faultline/stress:1 [join the cgroups of ${target.name}'s first process: echo $$ > ${CGROUP_MOUNT}/<path in /proc/1/cgroup>/cgroup.procs] stress-ng`,
    ...args,
  ].join(' ');
}
