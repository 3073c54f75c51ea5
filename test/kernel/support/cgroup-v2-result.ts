/** The shape of result.json as test/kernel/guest/cgroup-v2-stress.mjs writes it. */

export interface StressProcess {
  pid: number;
  /** From /proc/<pid>/stat: R running, S sleeping, Z zombie... */
  state: string;
  ppid: number;
}

export interface ByHand {
  /** Cores the target's cgroup used before, during and after a `stress-ng --cpu 1` helper. */
  idleCores: number;
  cpuJoinedMs: number;
  cpuCores: number;
  /** Share of the guest's one CPU everything but the target used meanwhile. */
  othersDuringCpu: number;
  coresAfterCpu: number;
  procsDuringCpu: number[];
  stopExit: number | null;
  stressAfterStop: StressProcess[];
  procsAfterCpu: number[];
  /** memory.current of the target's cgroup, bytes. */
  memoryBefore: number;
  memoryAsked: number;
  memoryDuring: number;
  procsDuringMemory: number[];
  killExit: number | null;
  procsAfterKill: number[];
  stressAfterKill: StressProcess[];
  memoryAfterKill: number;
  targetProcs: number[];
}

export interface FaultlineStep {
  name: string;
  joinedMs?: number;
  cores?: number;
  coresAsked?: number;
  others?: number;
  memoryBefore?: number;
  memoryAsked?: number;
  memoryDuring?: number;
  memoryAfter?: number;
  error?: string;
  exitCode: number | null;
  ms: number;
  output: string;
  procsAfter: number[];
  targetProcs: number[];
  stressAfter: StressProcess[];
  containersAfter: string[];
}

export interface GuestResult {
  engine: { cgroupVersion: string; cgroupDriver: string; storageDriver: string; serverVersion: string };
  subtreeControl: string;
  target: { name: string; id: string; cgroup: string; procs: number[] };
  steps: { byHand: ByHand; stress?: FaultlineStep };
  faultline?: { ran?: true; skipped?: string };
  containersAtEnd: string[];
  /** dockerdMs: until the Engine answered; <phase>PhaseMs: each part of the guest script. */
  timings: {
    dockerdMs: number;
    targetMs?: number;
    imagesMs?: number;
    enginePhaseMs?: number;
    byhandPhaseMs?: number;
    faultlinePhaseMs?: number;
    guestMs: number;
  };
  fatal?: string;
}
