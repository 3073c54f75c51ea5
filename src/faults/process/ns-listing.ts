import { constants } from 'node:os';
import type { ListedProcess } from './select.js';

/**
 * The processes of a target as a helper container sharing its PID namespace sees them: each one's PID
 * inside that namespace, its start time (/proc/<pid>/stat field 22, the same in every namespace) and
 * its state, read from the helper's /proc. Parsed here from what LIST_SCRIPT prints, so it can be
 * tested without Docker.
 */
export interface NsProcess extends ListedProcess {
  /** Clock ticks after boot when it started: with the PID, names this process and no later one. */
  startTicks: number;
  /** R, S, D, T (stopped), ... */
  state: string;
  /** Whether the process is in the target's cgroup (and not the helper's own). */
  inTarget: boolean;
  /** The signals it has a handler for (/proc/<pid>/status SigCgt), read for PID 1 only. */
  caught?: bigint | undefined;
}

/**
 * Prints, for every process in the namespace, its stat, cgroup and command line, each after a line
 * `<marker> <file> <pid>`. The marker is a random argument: no process's command line can forge it.
 * A constant: no input is ever part of the script.
 */
export const LIST_SCRIPT = [
  'm=$1',
  'for d in /proc/[0-9]*; do',
  '  p=${d#/proc/}',
  '  for f in stat cgroup cmdline; do echo; echo "$m $f $p"; cat "$d/$f" 2>/dev/null; done',
  'done',
  'echo; echo "$m status 1"; cat /proc/1/status 2>/dev/null',
].join('\n');

/** The fields of a /proc/<pid>/stat line after the name (which may hold spaces and parentheses). */
export function statFields(stat: string): { state: string; startTicks: number } | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  const startTicks = Number(fields[19]);
  return fields[0] && Number.isFinite(startTicks) ? { state: fields[0], startTicks } : undefined;
}

const nameIn = (stat: string) => stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));

/** Reads LIST_SCRIPT's output; `containerId` tells the target's processes from the helper's. */
export function parseListing(output: string, marker: string, containerId: string): NsProcess[] {
  const files = new Map<string, Map<string, string>>();
  const header = new RegExp(`\\n${marker} (stat|cgroup|cmdline|status) (\\d+)\\n`, 'g');
  const heads = [...`\n${output}`.matchAll(header)];
  for (const [index, head] of heads.entries()) {
    const start = head.index + head[0].length;
    const end = heads[index + 1]?.index ?? output.length + 1;
    const text = `\n${output}`.slice(start, end);
    const pid = head[2]!;
    if (!files.has(pid)) files.set(pid, new Map());
    files.get(pid)!.set(head[1]!, text);
  }
  const processes: NsProcess[] = [];
  for (const [pid, file] of files) {
    const stat = file.get('stat')?.trim();
    const fields = stat ? statFields(stat) : undefined;
    if (!stat || !fields || !file.get('cgroup')) continue;
    const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(file.get('status') ?? '')?.[1];
    processes.push({
      pid: Number(pid),
      comm: nameIn(stat),
      args: (file.get('cmdline') ?? '').replace(/\0+$/, '').replaceAll('\0', ' ').trim(),
      ...fields,
      inTarget: file.get('cgroup')!.includes(containerId),
      ...(caught ? { caught: BigInt(`0x${caught}`) } : {}),
    });
  }
  return processes.sort((a, b) => a.pid - b.pid);
}

/**
 * Whether a process inside the namespace may send `signal` to its first process: the kernel delivers
 * to a namespace's init, from inside, only signals it has a handler for (never SIGKILL or SIGSTOP).
 */
export function initTakes(init: NsProcess, signal: string): boolean {
  const number = constants.signals[signal as NodeJS.Signals];
  if (number === undefined || init.caught === undefined) return false;
  return ((init.caught >> BigInt(number - 1)) & 1n) === 1n;
}
