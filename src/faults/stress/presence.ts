import type { DockerClient } from '../../docker/client.js';
import { EnvironmentError } from '../../errors.js';
import type { Target } from '../../targets/target.js';

/**
 * Where a stress helper's processes are, seen through the Engine: `docker top` of the target lists the
 * processes of the target's cgroup, so the helper's stress-ng appearing there is the proof that the
 * pressure landed in the target, and its absence after the revert the proof that none was left.
 */

const PS_ARGS = '-o pid,ppid,args';
const POLL_MS = 100;
/** A slow Engine (a busy host, a small VM) can take many seconds to start a container. */
const JOIN_WAIT_MS = 30_000;
const EXIT_WAIT_MS = 3_000;

interface Row {
  pid: number;
  ppid: number;
  args: string;
}

async function rows(docker: DockerClient, target: Target): Promise<Row[]> {
  const list = await docker.top(target.id, PS_ARGS);
  return list.processes.map((row) => {
    const [pid, ppid, ...rest] = row.length >= 3 ? row : (row[0] ?? '').trim().split(/\s+/);
    return { pid: Number(pid), ppid: Number(ppid), args: rest.join(' ') };
  });
}

/** The host PIDs of `root` and every process below it that the target's cgroup holds. */
export async function treeInTarget(docker: DockerClient, target: Target, root: number): Promise<number[]> {
  const listed = await rows(docker, target);
  const tree = new Set<number>();
  if (listed.some((row) => row.pid === root)) tree.add(root);
  for (let grown = true; grown; ) {
    grown = false;
    for (const row of listed) {
      if (tree.has(row.ppid) && !tree.has(row.pid)) {
        tree.add(row.pid);
        grown = true;
      }
    }
  }
  return [...tree];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function joinError(helper: string, target: Target, why: string): EnvironmentError {
  return new EnvironmentError(
    'STRESS_JOIN_FAILED',
    `stress helper ${helper} did not get into the cgroup of ${target.name}, so no pressure was applied: ${why}`,
    {
      hint: "The helper writes its pid into the target's cgroup.procs through the Engine host's /sys/fs/cgroup: run the Engine as root without user-namespace remapping, or leave stress steps out of this experiment.",
    },
  );
}

/**
 * Waits until stress-ng runs in the target's cgroup (returns its host PIDs); throws with the helper's
 * own words when it exited first (it could not join) or never showed up there. A target that stopped
 * meanwhile (the OOM killer picked it) took the helper with it: the pressure landed, and what it did to
 * the target is the experiment's finding (empty list).
 */
export async function confirmJoined(docker: DockerClient, helper: string, target: Target): Promise<number[]> {
  const deadline = Date.now() + JOIN_WAIT_MS;
  for (;;) {
    const state = await docker.inspect(helper);
    if (!(await docker.inspect(target.id)).running) return [];
    if (!state.running) {
      const said = (await docker.logs(helper).catch(() => '')).trim().split('\n').slice(-3).join(' | ');
      throw joinError(helper, target, `it exited with code ${state.exitCode}${said ? `: ${said}` : ''}`);
    }
    const tree = state.pid ? await treeInTarget(docker, target, state.pid).catch(() => []) : [];
    if (tree.length > 1) return tree;
    if (Date.now() > deadline) {
      throw joinError(
        helper,
        target,
        `its stress-ng is not among the target's processes after ${JOIN_WAIT_MS / 1000} s`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** Which of `pids` are still in the target's cgroup once they had time to exit (none: empty). */
export async function stillThere(
  docker: DockerClient,
  target: Target,
  pids: readonly number[],
): Promise<number[]> {
  const deadline = Date.now() + EXIT_WAIT_MS;
  for (;;) {
    const listed = await rows(docker, target).catch(() => []);
    const left = pids.filter((pid) => listed.some((row) => row.pid === pid));
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(POLL_MS);
  }
}
