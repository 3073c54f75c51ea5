import type { Target } from '../targets/target.js';
import { TC_GONE } from './gone.js';
import { parseQdiscs } from './interfaces.js';
import { type CommandResult, type NetnsRunner, TargetGoneError } from './netns-runner.js';
import { failedLine, lineStderr, runCommands } from './tc-batch.js';
import {
  type Band,
  bandsFor,
  ingressSetupCommands,
  ingressTeardownCommands,
  type PeerField,
  ROOT_HANDLE,
  type TcFaultState,
  transitionCommands,
} from './tc-plan.js';

export class ForeignQdiscError extends Error {}

export class TcCommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: CommandResult,
    /** The command's line in the tc batch it was part of. */
    readonly line?: number | undefined,
  ) {
    const where = line === undefined ? '' : ` (line ${String(line)} of the tc batch)`;
    super(`tc ${argv.join(' ')} failed${where}: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
  }
}

/** `tc -j qdisc show dev <device>` in one target's namespace. */
export type QdiscReader = (device: string) => Promise<CommandResult>;

/** Reads each device's qdiscs at most once: the checks of one injection share what they read. */
export function qdiscReader(runner: NetnsRunner, target: Target): QdiscReader {
  const read = new Map<string, Promise<CommandResult>>();
  return (device) => {
    let result = read.get(device);
    if (!result) {
      result = runner.run(target, ['tc', '-j', 'qdisc', 'show', 'dev', device]);
      read.set(device, result);
    }
    return result;
  };
}

/**
 * The tc state faultline keeps for one device of one target: the faults active on it and the bands
 * installed for them. Changes are serialized: faults that start or end together never interleave
 * their commands. Each change is one `tc -batch -` process.
 */
export class TcDevice {
  private faults: TcFaultState[] = [];
  private bands: Band[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  /** For ingress faults: the real device whose incoming traffic this (ifb) device carries. */
  readonly ingressOf: string | undefined;

  constructor(
    readonly target: Target,
    readonly device: string,
    private readonly runner: NetnsRunner,
    options: { ingressOf?: string | undefined } = {},
  ) {
    this.ingressOf = options.ingressOf;
  }

  /** Adds a fault's band; `read` may share qdisc listings with the fault's other devices. */
  add(fault: TcFaultState, read: QdiscReader = qdiscReader(this.runner, this.target)): Promise<string[][]> {
    return this.serialize(async () => {
      let first: string[][] = [];
      if (this.bands.length === 0) {
        if (this.ingressOf) first = await this.setUpIngress(this.ingressOf, read);
        else await this.checkRoot(read);
      }
      try {
        return await this.moveTo([...this.faults, fault], first);
      } catch (error) {
        if (this.bands.length === 0 && this.ingressOf)
          await this.tearDownIngress(this.ingressOf).catch(() => undefined);
        throw error;
      }
    });
  }

  remove(faultId: string): Promise<string[][]> {
    return this.serialize(async () => {
      if (!this.faults.some((fault) => fault.faultId === faultId)) return [];
      const commands = await this.moveTo(this.faults.filter((fault) => fault.faultId !== faultId));
      if (this.bands.length === 0 && this.ingressOf) await this.tearDownIngress(this.ingressOf);
      return commands;
    });
  }

  private get field(): PeerField {
    return this.ingressOf ? 'src' : 'dst';
  }

  /**
   * Makes the ifb device (ip link, one command each) after refusing a foreign ingress qdisc on the real
   * device; returns the tc commands that redirect its incoming traffic, which go first in the batch.
   */
  private async setUpIngress(real: string, read: QdiscReader): Promise<string[][]> {
    const shown = await read(real);
    if (shown.exitCode !== 0) {
      if (/Cannot find device/i.test(shown.stderr))
        throw new TargetGoneError(`${this.target.name} has no device ${real}`);
      throw new TcCommandError(['-j', 'qdisc', 'show', 'dev', real], shown);
    }
    if (parseQdiscs(shown.stdout).some((qdisc) => qdisc.kind === 'ingress' || qdisc.kind === 'clsact')) {
      throw new ForeignQdiscError(
        `${this.target.name} ${real} already has an ingress qdisc; faultline will not replace it (remove it, or use direction: egress)`,
      );
    }
    const commands = ingressSetupCommands(real, this.device);
    for (const command of commands.filter((argv) => argv[0] !== 'tc')) {
      const result = await this.runner.run(this.target, command);
      if (result.exitCode !== 0) {
        await this.tearDownIngress(real).catch(() => undefined);
        throw new TcCommandError(command.slice(1), result);
      }
    }
    return commands.filter((argv) => argv[0] === 'tc').map((argv) => argv.slice(1));
  }

  private async tearDownIngress(real: string): Promise<void> {
    for (const command of ingressTeardownCommands(real, this.device)) {
      const result = await this.runner.run(this.target, command);
      if (result.exitCode !== 0 && !TC_GONE.test(result.stderr))
        throw new TcCommandError(command.slice(1), result);
    }
  }

  /** Commands that found nothing to delete in the last change: the namespace was recreated. */
  missing = 0;

  /** One batch from the bands the device has to those `faults` need, after the `first` commands. */
  private async moveTo(faults: TcFaultState[], first: string[][] = []): Promise<string[][]> {
    const next = bandsFor(faults, this.bands);
    const commands = [...first, ...transitionCommands(this.device, this.bands, next, this.field)];
    const failure = await this.apply(commands);
    if (failure) {
      await this.undo(next);
      throw failure;
    }
    this.faults = faults;
    this.bands = next;
    return commands;
  }

  /**
   * Runs the commands as one batch. From the line the batch stopped at, they run one by one, judged
   * as single commands: a delete of what the kernel no longer has (the namespace was recreated) is
   * counted, not a failure, and the rest goes on. Returns the failure, if any.
   */
  private async apply(commands: string[][]): Promise<TcCommandError | undefined> {
    this.missing = 0;
    let from = 0;
    if (commands.length > 1) {
      const result = await runCommands(this.runner, this.target, commands);
      if (result.exitCode === 0) return undefined;
      // Without a line, tc did not run the batch (no -batch support, say): all of it, one by one.
      const line = failedLine(result.stderr);
      if (line !== undefined && line <= commands.length) {
        const stopped = { ...result, stderr: lineStderr(result.stderr) };
        const failure = this.judge(commands[line - 1]!, stopped, line);
        if (failure) return failure;
        from = line;
      }
    }
    for (const argv of commands.slice(from)) {
      const failure = this.judge(argv, await this.runner.run(this.target, ['tc', ...argv]));
      if (failure) return failure;
    }
    return undefined;
  }

  private judge(argv: string[], result: CommandResult, line?: number): TcCommandError | undefined {
    if (result.exitCode === 0) return undefined;
    if (argv[1] === 'del' && TC_GONE.test(result.stderr)) {
      this.missing++;
      return undefined;
    }
    return new TcCommandError(argv, result, line);
  }

  /**
   * After a failed change, puts the device back as it was: the commands that take the attempted bands
   * back, as one batch that goes on past lines with nothing to undo (`-force`).
   */
  private async undo(attempted: Band[]): Promise<void> {
    const back = transitionCommands(this.device, attempted, this.bands, this.field);
    if (back.length > 0) await runCommands(this.runner, this.target, back, true).catch(() => undefined);
  }

  /** A root qdisc that is neither the kernel default (handle 0:) nor faultline's is never replaced. */
  private async checkRoot(read: QdiscReader): Promise<void> {
    const result = await read(this.device);
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
