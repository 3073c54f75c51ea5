import type { NetnsRunner } from '../../network/netns-runner.js';
import type { Target } from '../../targets/target.js';

/**
 * Finds and stops a fault's proxy from its marker alone (the undo of a run that is gone). A process is
 * the proxy only when its /proc/<pid>/cmdline ends with exactly the marker's arguments
 * (`faultline-proxy <run> <fault>`): a process that merely mentions them elsewhere, or the proxy of
 * another fault, is never signalled. Every command is an argv run through the namespace runner: the
 * runner that entered with nsenter sees the host's processes, where the proxy runs.
 */

const HEADER = /(?:^|\n)==> \/proc\/(\d+)\/cmdline <==\n/;
const BATCH = 200;

/** Splits `head -v` output over several /proc/<pid>/cmdline files into each process's arguments. */
export function parseCmdlines(output: string): Map<number, string[]> {
  const parts = output.split(HEADER);
  const found = new Map<number, string[]>();
  for (let index = 1; index + 1 < parts.length; index += 2) {
    const args = parts[index + 1]!.split('\0');
    if (args.at(-1) === '') args.pop();
    found.set(Number(parts[index]), args);
  }
  return found;
}

export function carriesMarker(args: readonly string[], marker: readonly string[]): boolean {
  if (args.length <= marker.length) return false;
  const tail = args.slice(-marker.length);
  return tail.every((arg, index) => arg === marker[index]);
}

/** The pids whose command line ends with the marker. */
export async function findMarked(
  runner: NetnsRunner,
  target: Target,
  marker: readonly string[],
): Promise<number[]> {
  const listing = await runner.run(target, ['ls', '-1', '/proc']);
  if (listing.exitCode !== 0)
    throw new Error(`ls /proc: ${listing.stderr.trim() || `exit ${listing.exitCode}`}`);
  const pids = listing.stdout.split('\n').filter((name) => /^\d+$/.test(name));
  const marked: number[] = [];
  for (let start = 0; start < pids.length; start += BATCH) {
    const paths = pids.slice(start, start + BATCH).map((pid) => `/proc/${pid}/cmdline`);
    // A process that exits meanwhile makes head complain and exit 1; the others are still printed.
    const read = await runner.run(target, ['head', '-v', '-c', '65536', ...paths]);
    for (const [pid, args] of parseCmdlines(read.stdout)) if (carriesMarker(args, marker)) marked.push(pid);
  }
  return marked;
}

async function stillMarked(runner: NetnsRunner, target: Target, pid: number, marker: readonly string[]) {
  const read = await runner.run(target, ['head', '-v', '-c', '65536', `/proc/${pid}/cmdline`]);
  const args = parseCmdlines(read.stdout).get(pid);
  return args !== undefined && carriesMarker(args, marker);
}

export interface MarkedStop {
  stopped: number[];
  failures: string[];
}

/** SIGTERM to each marked process; SIGKILL to one still there after `graceMs`. */
export async function stopMarked(
  runner: NetnsRunner,
  target: Target,
  marker: readonly string[],
  options: { graceMs: number; pollMs?: number },
): Promise<MarkedStop> {
  const result: MarkedStop = { stopped: [], failures: [] };
  const pids = await findMarked(runner, target, marker);
  for (const pid of pids) await runner.run(target, ['kill', '-TERM', String(pid)]);
  const deadline = Date.now() + options.graceMs;
  let left = pids;
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
    left = await filterMarked(runner, target, left, marker);
  }
  for (const pid of left) {
    // Looked at once more right before: a pid that was reused meanwhile is not the proxy's any more.
    if (!(await stillMarked(runner, target, pid, marker))) continue;
    await runner.run(target, ['kill', '-KILL', String(pid)]);
  }
  left = await filterMarked(runner, target, left, marker);
  for (const pid of pids) {
    if (left.includes(pid))
      result.failures.push(`proxy pid ${pid} (${marker.join(' ')}) did not exit after SIGKILL`);
    else result.stopped.push(pid);
  }
  return result;
}

async function filterMarked(runner: NetnsRunner, target: Target, pids: number[], marker: readonly string[]) {
  const left: number[] = [];
  for (const pid of pids) if (await stillMarked(runner, target, pid, marker)) left.push(pid);
  return left;
}
