import { readFileSync } from 'node:fs';
import path from 'node:path';
import { shortId, type Target } from '../targets/target.js';

/**
 * nsenter enters the namespaces of a pid as this process sees it. The Engine reports pids as the Docker
 * host sees them; faultline in a container without --pid=host sees other pids, where the Engine's pid
 * names another process (or none), and nsenter would act on the wrong network. So the pid is trusted
 * only when the process behind it here is in the container's cgroup.
 */
export type PidView =
  /** The process is the container's: its cgroup names the container. */
  | { kind: 'own'; pid: number }
  /** No such process here. */
  | { kind: 'absent'; pid: number }
  /** A process of some other container, or of none. */
  | { kind: 'foreign'; pid: number }
  /** Its cgroup file exists but cannot be read (e.g. /proc mounted with hidepid). */
  | { kind: 'unreadable'; pid: number; error: string };

export const PROC_ROOT = '/proc';

const FULL_ID = /^[0-9a-f]{64}$/;

/**
 * Whether a /proc/<pid>/cgroup text places the process in the container with this full id. Each line is
 * `hierarchy:controllers:path`; a path segment names the container in cgroup v1 (`/docker/<id>`),
 * cgroup v2 with systemd (`docker-<id>.scope`), podman (`libpod-<id>.scope`), or any other runtime that
 * puts the full 64-hex id in a segment (`cri-containerd-<id>.scope`, a custom cgroup parent).
 */
export function cgroupNamesContainer(cgroupText: string, containerId: string): boolean {
  const id = containerId.toLowerCase();
  if (!FULL_ID.test(id)) return false;
  for (const line of cgroupText.split('\n')) {
    const second = line.indexOf(':', line.indexOf(':') + 1);
    if (second < 0) continue;
    for (const segment of line.slice(second + 1).split('/')) {
      const at = segment.toLowerCase().indexOf(id);
      if (at < 0) continue;
      // The id itself, not part of a longer hex string.
      const before = segment[at - 1] ?? '';
      const after = segment[at + id.length] ?? '';
      if (!/[0-9a-f]/i.test(before) && !/[0-9a-f]/i.test(after)) return true;
    }
  }
  return false;
}

/**
 * How the Engine's pid for a container looks from this process. Read at once: a /proc file is made by
 * the kernel when read and never waits on a disk, so this costs microseconds where an asynchronous
 * read costs four trips through the thread pool, and it is made before every command.
 */
export async function viewPid(pid: number, containerId: string, procRoot = PROC_ROOT): Promise<PidView> {
  let text: string;
  try {
    text = readFileSync(path.join(procRoot, String(pid), 'cgroup'), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ESRCH: the process exited while its file was read.
    if (code === 'ENOENT' || code === 'ESRCH' || code === 'ENOTDIR') return { kind: 'absent', pid };
    return { kind: 'unreadable', pid, error: error instanceof Error ? error.message : String(error) };
  }
  return cgroupNamesContainer(text, containerId) ? { kind: 'own', pid } : { kind: 'foreign', pid };
}

/** Why the pid cannot be used for nsenter, in one clause, e.g. for `plan` and the run's output. */
export function describePidMismatch(view: Exclude<PidView, { kind: 'own' }>, target: Target): string {
  const pid = `the Engine's pid ${view.pid} for ${target.name}`;
  switch (view.kind) {
    case 'absent':
      return `${pid} is not visible here (faultline runs in another PID namespace)`;
    case 'foreign':
      return `${pid} is not container ${shortId(target.id)} here but another process (faultline runs in another PID namespace)`;
    case 'unreadable':
      return `cannot tell whether ${pid} is that container here: ${view.error}`;
  }
}
