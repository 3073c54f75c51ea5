import type { Target } from '../targets/target.js';
import { TC_GONE } from './gone.js';
import { parseQdiscs } from './interfaces.js';
import { type CommandResult, type NetnsRunner, TargetGoneError } from './netns-runner.js';
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

  add(fault: TcFaultState): Promise<string[][]> {
    return this.serialize(async () => {
      if (this.bands.length === 0) {
        if (this.ingressOf) await this.setUpIngress(this.ingressOf);
        else await this.checkRoot();
      }
      try {
        return await this.moveTo([...this.faults, fault]);
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

  /** Redirects the real device's incoming traffic to this ifb device; refuses a foreign ingress qdisc. */
  private async setUpIngress(real: string): Promise<void> {
    const shown = await this.runner.run(this.target, ['tc', '-j', 'qdisc', 'show', 'dev', real]);
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
    const done: string[][] = [];
    for (const command of ingressSetupCommands(real, this.device)) {
      const result = await this.runner.run(this.target, command);
      if (result.exitCode !== 0) {
        await this.tearDownIngress(real).catch(() => undefined);
        throw new TcCommandError(command.slice(1), result);
      }
      done.push(command);
    }
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

  private async moveTo(faults: TcFaultState[]): Promise<string[][]> {
    const next = bandsFor(faults, this.bands);
    const commands = transitionCommands(this.device, this.bands, next, this.field);
    this.missing = 0;
    for (const argv of commands) {
      const result = await this.runner.run(this.target, ['tc', ...argv]);
      if (result.exitCode === 0) continue;
      // Deleting what the kernel no longer has (the namespace was recreated) is not a failure.
      if (argv[1] === 'del' && TC_GONE.test(result.stderr)) {
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
    const back = transitionCommands(this.device, attempted, this.bands, this.field);
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
