import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { processAlive } from './ledger.js';

/**
 * When a process started, in clock ticks since boot (field 22 of /proc/PID/stat), or undefined where
 * /proc cannot tell (another OS, the process is gone). A pid and its start time name one process for
 * good: a pid the kernel has handed to another process comes with another start time.
 */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 is fields[19].
  const start = fields[19];
  return start && /^\d+$/.test(start) ? start : undefined;
}

/**
 * Whether the process that wrote a record is still running: its pid is alive and, when the record
 * carries a start time, the process now behind that pid started at that time (not a reused pid).
 */
export function sameProcessAlive(pid: number, startTime: string | undefined): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return false;
  if (startTime === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined || now === startTime;
}

/** The name of this machine, as locks and ledgers record it. */
export function thisHost(): string {
  return hostname();
}

/** What a record says about the process that wrote it. */
export interface RecordedProcess {
  pid: number;
  startTime?: string | undefined;
  /** The machine it ran on; absent in records older than this field (taken as this machine). */
  hostname?: string | undefined;
}

/**
 * Whether a recorded process can be judged from here: `alive` or `dead` on this machine (pid and start
 * time), `elsewhere` when it ran on another machine, whose pids mean nothing here.
 */
export function processState(recorded: RecordedProcess): 'alive' | 'dead' | 'elsewhere' {
  if (recorded.hostname !== undefined && recorded.hostname !== thisHost()) return 'elsewhere';
  return sameProcessAlive(recorded.pid, recorded.startTime) ? 'alive' : 'dead';
}
