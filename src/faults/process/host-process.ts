import { readFileSync } from 'node:fs';

/**
 * Processes of the Docker host, seen from faultline when it runs there: read from /proc and signalled
 * with kill(2). A process is named by its PID and its start time (clock ticks after boot), so a PID the
 * kernel has given to another process since is never taken for the one that was signalled.
 */
export interface HostProcess {
  pid: number;
  /** /proc/<pid>/stat field 22. */
  startTicks: number;
  /** Its name, for messages. */
  comm?: string | undefined;
}

export interface ProcessState {
  startTicks: number;
  /** R, S, D, T (stopped), t, Z, ... */
  state: string;
  /** The cgroup paths the process is in (/proc/<pid>/cgroup), one per line. */
  cgroups: string;
}

/** What /proc says about a PID, or undefined when there is no such process here. */
export function readProcess(pid: number): ProcessState | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name is in parentheses and may hold spaces or parentheses: the fields follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cgroups = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    return { state: fields[0]!, startTicks: Number(fields[19]), cgroups };
  } catch {
    return undefined;
  }
}

/** The same process as `process` names, still there (not a later one with its PID). */
export function sameProcess(process: HostProcess): ProcessState | undefined {
  const now = readProcess(process.pid);
  return now?.startTicks === process.startTicks ? now : undefined;
}

/** Sends a signal; returns the error code (EPERM, ESRCH) when the kernel refuses, undefined when sent. */
export function sendSignal(pid: number, signal: NodeJS.Signals): string | undefined {
  try {
    process.kill(pid, signal);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}
