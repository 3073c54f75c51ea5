import type { Target } from '../targets/target.js';
import { parseQdiscs } from './interfaces.js';
import { type CommandResult, type NetnsRunner, TargetGoneError } from './netns-runner.js';
import { type Band, bandsFor, ROOT_HANDLE, type TcFaultState, transitionCommands } from './tc-plan.js';

export class ForeignQdiscError extends Error {}

const GONE = /No such file|Cannot find|Invalid handle|not exist|handle of zero/i;
export class TcCommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: CommandResult,
  ) {
    super(`tc ${argv.join(' ')} failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
  }
}

/**
 * The tc state faultline keeps for one device of one target: the faults active on it and the bands
 * installed for them. Changes are serialized: faults that start or end together never interleave
 * their commands.
 */
export class TcDevice {
  private faults: TcFaultState[] = [];
  private bands: Band[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly target: Target,
    readonly device: string,
    private readonly runner: NetnsRunner,
  ) {}

  add(fault: TcFaultState): Promise<string[][]> {
    return this.serialize(async () => {
      if (this.bands.length === 0) await this.checkRoot();
      return this.moveTo([...this.faults, fault]);
    });
  }

  remove(faultId: string): Promise<string[][]> {
    return this.serialize(async () => {
      if (!this.faults.some((fault) => fault.faultId === faultId)) return [];
      return this.moveTo(this.faults.filter((fault) => fault.faultId !== faultId));
    });
  }

  /** Commands that found nothing to delete in the last change: the namespace was recreated. */
  missing = 0;

  private async moveTo(faults: TcFaultState[]): Promise<string[][]> {
    const next = bandsFor(faults, this.bands);
    const commands = transitionCommands(this.device, this.bands, next);
    this.missing = 0;
    for (const argv of commands) {
      const result = await this.runner.run(this.target, ['tc', ...argv]);
      if (result.exitCode === 0) continue;
      // Deleting what the kernel no longer has (the namespace was recreated) is not a failure.
      if (argv[1] === 'del' && GONE.test(result.stderr)) {
        this.missing++;
        continue;
      }
      await this.undo(next);
      throw new TcCommandError(argv, result);
    }
    this.faults = faults;
    this.bands = next;
    return commands;
  }

  /** After a failed change, puts the device back as it was, as far as it can. */
  private async undo(attempted: Band[]): Promise<void> {
    const back =
      this.bands.length === 0
        ? transitionCommands(this.device, attempted, [])
        : transitionCommands(this.device, attempted, this.bands);
    for (const argv of back) await this.runner.run(this.target, ['tc', ...argv]).catch(() => undefined);
  }

  /** A root qdisc that is neither the kernel default (handle 0:) nor faultline's is never replaced. */
  private async checkRoot(): Promise<void> {
    const result = await this.runner.run(this.target, ['tc', '-j', 'qdisc', 'show', 'dev', this.device]);
    if (result.exitCode !== 0) {
      if (/Cannot find device/i.test(result.stderr))
        throw new TargetGoneError(`${this.target.name} has no device ${this.device}`);
      throw new TcCommandError(['-j', 'qdisc', 'show', 'dev', this.device], result);
    }
    const root = parseQdiscs(result.stdout).find((qdisc) => qdisc.root);
    if (!root || root.handle === '0:' || root.handle === ROOT_HANDLE) {
      if (root?.handle === ROOT_HANDLE) {
        throw new ForeignQdiscError(
          `${this.target.name} ${this.device} already has faultline's root qdisc (${ROOT_HANDLE}) from another run; run \`faultline recover\`, or wait for that run to end`,
        );
      }
      return;
    }
    throw new ForeignQdiscError(
      `${this.target.name} ${this.device} has a root qdisc faultline did not create (${root.kind} handle ${root.handle}); it will not be replaced. Remove it, or scope the fault to another interface.`,
    );
  }

  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.queue.then(operation, operation);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
