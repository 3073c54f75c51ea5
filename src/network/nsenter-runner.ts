import path from 'node:path';
import type { DockerClient } from '../docker/client.js';
import type { Target } from '../targets/target.js';
import { Conversation } from './conversation.js';
import type { CommandResult, NetnsRunner, RunOptions } from './netns-runner.js';
import { quote } from './quote.js';
import { type Spawned, shellExitCode, spawnCommand } from './spawn-command.js';
import type { Talk } from './talk.js';
import { PROC_ROOT } from './target-pid.js';
import { NetnsUnavailableError, TargetPids } from './verified-pid.js';

/** How long one command in a namespace may take (a step of a talk as much). */
export const TIMEOUT_MS = 15_000;

/** What a process did, as a command's result; one that could not be started means no nsenter here. */
function asCommandResult(result: Spawned): CommandResult {
  if (result.exitCode !== undefined) return result;
  if (result.ended === 'never') {
    throw new NetnsUnavailableError(
      `cannot run nsenter: ${result.why}`,
      'Install util-linux, or use --via helper.',
    );
  }
  // It ran and was stopped (its time limit, or a signal): what it did is unknown, as a shell tells it.
  const exitCode = shellExitCode(result);
  const stderr = [result.stderr.trim(), result.why].filter(Boolean).join('\n');
  return { exitCode, stdout: result.stdout, stderr };
}

export class NsenterRunner implements NetnsRunner {
  readonly via = 'nsenter' as const;
  private readonly pids: TargetPids;
  /** `known`: target pids already checked (chooseRunner's), confirmed again in /proc before each use. */
  constructor(
    docker: DockerClient,
    private readonly procRoot = PROC_ROOT,
    known?: ReadonlyMap<string, number>,
  ) {
    this.pids = new TargetPids(docker, procRoot, known);
  }

  async run(target: Target, argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const pid = await this.pids.pidOf(target);
    const result = await spawnCommand('nsenter', ['-t', String(pid), '-n', '--', ...argv], {
      input: options.input,
      timeoutMs: TIMEOUT_MS,
    });
    return asCommandResult(result);
  }

  /**
   * One nsenter process for a look and its follow-up (conversation.ts). The pid is checked before the
   * look, and again before the follow-up: when it is no longer the target's own (the target stopped or
   * restarted meanwhile), the process ends unanswered and the follow-up runs as a command of its own,
   * which finds the target gone or enters its new namespace, as two commands in turn would.
   */
  async talk(target: Target, look: readonly string[], then: readonly (readonly string[])[]): Promise<Talk> {
    const pid = await this.pids.pidOf(target);
    const conversation = new Conversation(
      'nsenter',
      ['-t', String(pid), '-n', '--'],
      [look, ...then],
      TIMEOUT_MS,
    );
    const looked = asCommandResult(await conversation.look);
    return {
      look: looked,
      answer: async (choice, input) => {
        const same = conversation.waiting && (await this.pids.pidOf(target).catch(() => undefined)) === pid;
        if (same && conversation.waiting) return asCommandResult(await conversation.answer(choice, input));
        await conversation.end();
        return this.run(target, then[choice] ?? [], input === undefined ? {} : { input });
      },
      end: () => conversation.end(),
    };
  }

  /** /proc/<pid>/net of the target's pid, checked as for a command (and kept for the run). */
  async procNet(target: Target): Promise<string> {
    return path.join(this.procRoot, String(await this.pids.pidOf(target)), 'net');
  }

  display(target: Target, argv: readonly string[]): string {
    return `nsenter -t $(docker inspect -f '{{.State.Pid}}' ${target.name}) -n ${quote(argv)}`;
  }

  async dispose(): Promise<void> {}
}
