import { readlink } from 'node:fs/promises';
import type { ContainerDetails, DockerClient } from '../docker/client.js';
import type { DockerEndpoint } from '../docker/endpoint.js';
import { FAULTLINE_HELPER, FAULTLINE_RUN_ID, FAULTLINE_TARGET_ID } from '../docker/labels.js';
import type { Target } from '../targets/target.js';
import { execa } from '../util/lazy-execa.js';
import { framable, HELPER_SESSION_CMD, HelperSession, HelperSessionEnded } from './helper-session.js';
import { TIMEOUT_MS } from './nsenter-runner.js';
import type { Talk } from './talk.js';
import { inspectRunning, pidOf } from './verified-pid.js';

export { NsenterRunner } from './nsenter-runner.js';
export { quote } from './quote.js';

import { quote } from './quote.js';

export {
  NetnsUnavailableError,
  PID_NAMESPACE_HINT,
  pidMismatchError,
  TargetGoneError,
  verifiedPid,
} from './verified-pid.js';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the command's stdin, which is then closed (iptables-restore, tc -batch -). */
  input?: string;
}

export type Via = 'nsenter' | 'helper' | 'exec';
export const VIAS: readonly Via[] = ['nsenter', 'helper', 'exec'];

/**
 * Runs tc, iptables and ip inside a target's network namespace. Three ways in, same commands:
 * nsenter from the host (root on the Docker host), a helper container sharing the target's network
 * namespace, or the target's own binaries through docker exec.
 */
export interface NetnsRunner {
  readonly via: Via;
  /** Runs argv in the target's network namespace; `input`, when given, is its stdin (a batch). */
  run(target: Target, argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /**
   * Where this process reads the target's network namespace in /proc (/proc/<pid>/net), when the way
   * in is from the host (nsenter): what it can read there needs no process in the namespace.
   */
  procNet?(target: Target): Promise<string>;
  /**
   * Runs `look`, and then the follow-up the caller picks after reading it, in one process where the
   * way in allows it (talk.ts). Ways without it run the same commands one by one.
   */
  talk?(target: Target, look: readonly string[], then: readonly (readonly string[])[]): Promise<Talk>;
  /** How a person would run the same command by hand. */
  display(target: Target, argv: readonly string[]): string;
  /** Removes anything the runner created (helper containers). Idempotent. */
  dispose(): Promise<void>;
}

/** A helper container: with a session when commands can be sent to its stdin, else reached by exec. */
interface Helper {
  id: string;
  session?: HelperSession | undefined;
  /**
   * The helper shares the target's PID namespace, whose first process is the target's: the kernel
   * ends the helper when the target's process ends, so while its session answers, the target is the
   * one (and the network namespace the one) the helper joined.
   */
  bound: boolean;
}

/** A target with a PID namespace of its own (not the host's, not another container's). */
const ownPidNamespace = (details: ContainerDetails) =>
  details.pidMode === '' || details.pidMode === 'private';

/**
 * One helper container per target, sharing its network namespace, for the whole run. Its main program
 * reads commands on its stdin and answers each (helper-session.ts): one write and one read per command
 * instead of an exec created, started and inspected. A command that cannot be framed (an argument
 * with a newline) goes through docker exec into the same helper. Helpers carry faultline's labels from
 * creation and are removed on dispose.
 *
 * A helper in the target's PID namespace ends with the target, so while its session is open no Engine
 * call is needed before a command. Otherwise (no session, or a target sharing another PID namespace)
 * the Engine is asked for the target's pid before each command: a new pid is a new namespace.
 */
export class HelperRunner implements NetnsRunner {
  readonly via = 'helper' as const;
  /** Per target: the helper, and the target's pid when it was made (a new pid is a new namespace). */
  private readonly helpers = new Map<string, { pid: number; helper: Promise<Helper> }>();

  constructor(
    private readonly docker: DockerClient,
    readonly image: string,
    private readonly runId: string,
  ) {}

  async run(target: Target, argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const entry = this.helpers.get(target.id);
    const known = await entry?.helper.catch(() => undefined);
    if (entry && known?.bound && known.session && !known.session.isEnded)
      return this.runIn(target, entry.pid, known, argv, options);
    // A helper whose program ended (with its target, or killed) answers nothing more: removed now.
    if (known?.session?.isEnded) await this.forget(target, known);
    const details = await inspectRunning(this.docker, target);
    return this.runIn(target, details.pid, await this.helperFor(target, details), argv, options);
  }

  private async runIn(
    target: Target,
    pid: number,
    helper: Helper,
    argv: readonly string[],
    options: RunOptions,
    again = true,
  ): Promise<CommandResult> {
    try {
      if (helper.session && framable(argv, options.input))
        return await helper.session.run(argv, options.input, TIMEOUT_MS);
      return await execResult(this.docker, helper.id, argv, options);
    } catch (error) {
      // The helper dies with the target's namespace: forget it so a later call can tell what happened.
      await this.forget(target, helper);
      if (error instanceof HelperSessionEnded && error.timedOut)
        return { exitCode: 124, stdout: '', stderr: error.message };
      const details = await inspectRunning(this.docker, target);
      // A bound helper ended because its target restarted: the command did not reach the new
      // namespace, and the old one is gone. It goes to a new helper, as with a pid asked first.
      if (helper.bound && again && details.pid !== pid) {
        const fresh = await this.helperFor(target, details);
        return this.runIn(target, details.pid, fresh, argv, options, false);
      }
      throw error;
    }
  }

  private async forget(target: Target, helper: Helper): Promise<void> {
    const entry = this.helpers.get(target.id);
    if (entry && (await entry.helper.catch(() => undefined)) === helper) this.helpers.delete(target.id);
    await this.removeHelper(helper);
  }

  /**
   * Its program told to end (end of input: a container that exited needs no kill), then removed. Podman
   * refuses to remove a container it is still cleaning up; the Engine client retries until it is done.
   */
  private async removeHelper(helper: Helper | undefined): Promise<void> {
    if (!helper) return;
    helper.session?.close();
    await this.docker.remove(helper.id).catch(() => undefined);
  }

  /**
   * A helper shares the namespace the target had when the helper started. When the target has
   * restarted since (a new pid), the helper is in a namespace nobody uses any more: replace it.
   */
  private async helperFor(target: Target, details: ContainerDetails): Promise<Helper> {
    const existing = this.helpers.get(target.id);
    if (existing?.pid === details.pid) return existing.helper;
    if (existing) {
      this.helpers.delete(target.id);
      await this.removeHelper(await existing.helper.catch(() => undefined));
    }
    const helper = this.startHelper(target, ownPidNamespace(details));
    helper.catch(() => this.helpers.delete(target.id));
    this.helpers.set(target.id, { pid: details.pid, helper });
    return helper;
  }

  private async startHelper(target: Target, sharePids: boolean): Promise<Helper> {
    const spec = {
      image: this.image,
      cmd: ['sleep', '86400'],
      networkMode: `container:${target.id}`,
      ...(sharePids ? { pidMode: `container:${target.id}` } : {}),
      capAdd: ['NET_ADMIN', 'NET_RAW'],
      labels: { [FAULTLINE_HELPER]: '1', [FAULTLINE_RUN_ID]: this.runId, [FAULTLINE_TARGET_ID]: target.id },
    };
    // An image without a shell cannot run the session program: its helper is reached by exec.
    const attached = await this.docker
      .runAttachedHelper?.({ ...spec, cmd: HELPER_SESSION_CMD })
      .catch(() => undefined);
    if (attached) {
      const session = new HelperSession(attached);
      const started = await session.start(TIMEOUT_MS).then(
        () => true,
        () => false,
      );
      if (started) return { id: attached.id, session, bound: sharePids };
      await this.removeHelper({ id: attached.id, session, bound: false });
    }
    return { id: await this.docker.runHelper(spec), bound: false };
  }

  display(target: Target, argv: readonly string[]): string {
    return `docker run --rm --net container:${target.name} --cap-add NET_ADMIN ${this.image} ${quote(argv)}`;
  }

  async dispose(): Promise<void> {
    const helpers = [...this.helpers.values()];
    this.helpers.clear();
    await Promise.all(
      helpers.map(async (entry) => this.removeHelper(await entry.helper.catch(() => undefined))),
    );
  }
}

/** `argv` run by docker exec in container `id`, as a command's result: 124 when it timed out, as timeout(1) says. */
async function execResult(
  docker: DockerClient,
  id: string,
  argv: readonly string[],
  options: RunOptions,
): Promise<CommandResult> {
  const result = await docker.exec(id, argv, { timeoutMs: TIMEOUT_MS, ...options });
  return { exitCode: result.timedOut ? 124 : result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** Uses the target's own tc and iptables (docker exec as root); works only when its image has them. */
export class ExecRunner implements NetnsRunner {
  readonly via = 'exec' as const;
  constructor(private readonly docker: DockerClient) {}

  async run(target: Target, argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    await pidOf(this.docker, target);
    return execResult(this.docker, target.id, argv, options);
  }

  display(target: Target, argv: readonly string[]): string {
    return `docker exec ${target.name} ${quote(argv)}`;
  }

  async dispose(): Promise<void> {}
}

/** Whether this process can enter other processes' network namespaces from the host. */
export async function nsenterPossible(
  endpoint: DockerEndpoint | undefined = undefined,
): Promise<{ ok: boolean; why: string }> {
  const host = endpoint?.host;
  if (host && !host.startsWith('unix://'))
    return { ok: false, why: `the Engine is reached over the network (${host}), not on this host` };
  if (process.getuid?.() !== 0) return { ok: false, why: 'faultline is not running as root' };
  const found = await execa('nsenter', ['--version'], { reject: false });
  if (found.exitCode !== 0) return { ok: false, why: 'nsenter (util-linux) is not installed' };
  try {
    await readlink('/proc/self/ns/net');
  } catch {
    return { ok: false, why: 'cannot read /proc/self/ns/net' };
  }
  return { ok: true, why: 'root on the Docker host, nsenter available' };
}
