import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const RUNNER = fileURLToPath(new URL('../../../scripts/uml/run-in-uml.sh', import.meta.url));

export interface UmlRunOptions {
  /** The Node.js script to run inside the guest kernel. */
  script: string;
  args?: readonly string[];
  /** A host directory shared with the guest: the script writes its results there. */
  workdir: string;
  /** Kernel modules to load first; what they depend on is loaded too. */
  modules: readonly string[];
  timeoutSeconds: number;
  memory?: string;
}

export interface UmlRun {
  workdir: string;
  /** The kernel's process id, which is also its process group (its guest processes are in it). */
  pid: number | undefined;
  durationMs: number;
}

/** The runner's exit codes (scripts/uml/run-in-uml.sh). */
const EXIT_MEANINGS: Record<number, string> = {
  2: 'usage error',
  3: 'a requirement is missing',
  4: 'the guest did not finish in time',
  5: 'the script failed in the guest',
  6: 'the guest kernel stopped before the script finished',
};

export class UmlRunError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | undefined,
    readonly workdir: string,
  ) {
    super(message);
    this.name = 'UmlRunError';
  }
}

/**
 * Boots a user-mode-linux kernel that runs `script` and waits until it has powered off. Throws with
 * the runner's explanation (a missing linux.uml with the command that installs it, a timeout, the
 * script's output) when the script did not succeed.
 */
export async function runInUml(options: UmlRunOptions): Promise<UmlRun> {
  const args = [
    RUNNER,
    '--workdir',
    options.workdir,
    '--timeout',
    String(options.timeoutSeconds),
    '--mem',
    options.memory ?? '256M',
    ...options.modules.flatMap((module) => ['--module', module]),
    '--',
    options.script,
    ...(options.args ?? []),
  ];
  const started = Date.now();
  // The runner enforces the timeout itself; this one only guards against the runner hanging.
  const result = await execa('bash', args, {
    reject: false,
    timeout: (options.timeoutSeconds + 30) * 1000,
    forceKillAfterDelay: 5000,
  });
  const pid = await readPid(options.workdir);
  if (result.exitCode !== 0) {
    const why =
      (result.exitCode !== undefined && EXIT_MEANINGS[result.exitCode]) ||
      (result.timedOut ? 'the runner did not return' : `exit ${result.exitCode ?? result.signal}`);
    throw new UmlRunError(
      `user-mode-linux run failed (${why}):\n${result.stderr.trim()}\n(work directory: ${options.workdir})`,
      result.exitCode,
      options.workdir,
    );
  }
  return { workdir: options.workdir, pid, durationMs: Date.now() - started };
}

async function readPid(workdir: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(workdir, 'uml.pid'), 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether any process of the kernel's process group is still there. */
export function processGroupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
