import type { Announce, InjectedFault, RevertOutcome } from '../faults/fault.js';
import { once } from '../faults/fault.js';
import type { Target } from '../targets/target.js';
import { killPoint } from '../util/kill-points.js';
import { RULE_GONE } from './gone.js';
import { devicesFor, listInterfaces } from './interfaces.js';
import { applyCommands, type IptablesRuleSet, revertCommands } from './iptables-plan.js';
import { type NetnsRunner, quote, TargetGoneError } from './netns-runner.js';
import { dropTablesIfEmpty, filterTableExists } from './nft-tables.js';
import { describeScope, type ResolvedScope } from './scope.js';
import { TcDevice } from './tc-device.js';
import {
  describeNetem,
  ifbName,
  ingressTeardownCommands,
  type NetemParams,
  removeRootCommands,
  type TbfParams,
} from './tc-plan.js';

/** What a network fault does to one target, computed when the run is planned. */
export type NetworkFaultPlan =
  | {
      type: 'tc';
      kind: string;
      scope: ResolvedScope;
      netem?: NetemParams | undefined;
      tbf?: TbfParams | undefined;
      /** Fixed device, or found from the peers at injection time. */
      device?: string | undefined;
      direction: 'egress' | 'ingress' | 'both';
    }
  | { type: 'iptables'; kind: string; sets: IptablesRuleSet[] };

/** Per-run state shared by every network fault: the way into namespaces, and each device's tc state. */
export class NetworkContext {
  private readonly devices = new Map<string, TcDevice>();
  private readonly backends = new Map<string, Promise<IptablesBackend>>();

  constructor(readonly runner: NetnsRunner) {}

  /** The tc state of a device; for ingress, of the ifb device that carries the device's incoming traffic. */
  device(target: Target, name: string, ingress = false): TcDevice {
    const device_ = ingress ? ifbName(name) : name;
    const key = `${target.id}/${device_}`;
    let device = this.devices.get(key);
    if (!device) {
      device = new TcDevice(target, device_, this.runner, { ingressOf: ingress ? name : undefined });
      this.devices.set(key, device);
    }
    return device;
  }

  backend(target: Target): Promise<IptablesBackend> {
    let backend = this.backends.get(target.id);
    if (!backend) {
      backend = detectBackend(this.runner, target);
      backend.catch(() => this.backends.delete(target.id));
      this.backends.set(target.id, backend);
    }
    return backend;
  }

  dispose(): Promise<void> {
    return this.runner.dispose();
  }
}

export interface IptablesBackend {
  ipv4: string;
  ipv6: string;
  /** Why this one: shown by plan and doctor. */
  reason: string;
}

/**
 * Rules only work in the backend the namespace's other rules use. Docker writes its own rules into a
 * container's namespace (the embedded DNS); whichever backend holds them is the one in use.
 */
export async function detectBackend(runner: NetnsRunner, target: Target): Promise<IptablesBackend> {
  const [nft, legacy] = await Promise.all(
    ['iptables-nft-save', 'iptables-legacy-save'].map((binary) => readRules(runner, target, binary)),
  );
  const rules = (text: string | undefined) =>
    (text ?? '').split('\n').filter((line) => line.startsWith('-A')).length;
  if (legacy !== undefined && rules(legacy) > 0 && rules(nft) === 0) {
    return { ipv4: 'iptables-legacy', ipv6: 'ip6tables-legacy', reason: 'the namespace has legacy rules' };
  }
  if (nft !== undefined) {
    return {
      ipv4: 'iptables-nft',
      ipv6: 'ip6tables-nft',
      reason: rules(nft) > 0 ? 'the namespace has nf_tables rules' : 'nf_tables (default)',
    };
  }
  if (legacy !== undefined)
    return { ipv4: 'iptables-legacy', ipv6: 'ip6tables-legacy', reason: 'only iptables-legacy is available' };
  return { ipv4: 'iptables', ipv6: 'ip6tables', reason: 'backend unknown; using iptables' };
}

export class NetworkInjectionError extends Error {}

const MISSING = /not found|No such file|executable file/i;

/**
 * The rules one backend's save tool prints, or undefined when the tool is not there (exit 126/127,
 * "not found"). Any other failure (a timeout, a killed exec) says nothing about the backend: it is
 * retried, and if it persists the injection fails rather than guessing the wrong backend.
 */
async function readRules(
  runner: NetnsRunner,
  target: Target,
  binary: string,
  attempts = 3,
): Promise<string | undefined> {
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const result = await runner.run(target, [binary]);
      if (result.exitCode === 0) return result.stdout;
      if (result.exitCode === 126 || result.exitCode === 127 || MISSING.test(result.stderr)) return undefined;
      last = `exit ${result.exitCode}: ${result.stderr.trim()}`;
    } catch (error) {
      if (error instanceof TargetGoneError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (MISSING.test(message)) return undefined;
      last = message;
    }
  }
  throw new NetworkInjectionError(
    `cannot tell which iptables backend ${target.name} uses: ${binary} failed (${last})`,
  );
}

export async function injectNetworkFault(
  context: NetworkContext,
  plan: NetworkFaultPlan,
  target: Target,
  id: string,
  announce: Announce = () => {},
): Promise<InjectedFault> {
  return plan.type === 'tc'
    ? injectTc(context, plan, target, id, announce)
    : injectIptables(context, plan, target, id, announce);
}

async function injectTc(
  context: NetworkContext,
  plan: NetworkFaultPlan & { type: 'tc' },
  target: Target,
  id: string,
  announce: Announce,
): Promise<InjectedFault> {
  const names = plan.device
    ? [plan.device]
    : devicesFor(await listInterfaces(context.runner, target), plan.scope.cidrs);
  const directions = plan.direction === 'both' ? [false, true] : [plan.direction === 'ingress'];
  const devices = names.flatMap((name) => directions.map((ingress) => context.device(target, name, ingress)));
  const state = { faultId: id, scope: plan.scope, netem: plan.netem, tbf: plan.tbf };
  announce({
    type: 'tc',
    devices: devices.map((device) => ({ device: device.device, ingressOf: device.ingressOf })),
  });
  const done: TcDevice[] = [];
  try {
    for (const device of devices) {
      await device.add(state);
      done.push(device);
      killPoint('netns-command-done');
    }
  } catch (error) {
    await Promise.all(done.map((device) => device.remove(id).catch(() => undefined)));
    throw error;
  }
  const what = [
    plan.netem ? describeNetem(plan.netem) : undefined,
    plan.tbf ? `rate ${plan.tbf.rate}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const revert = once(async (): Promise<RevertOutcome> => {
    const failures: string[] = [];
    let missing = 0;
    for (const device of devices) {
      try {
        await device.remove(id);
        missing += device.missing;
      } catch (error) {
        if (error instanceof TargetGoneError) missing++;
        else failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (failures.length > 0) return { status: 'failed', detail: failures.join('; ') };
    if (missing > 0)
      return {
        status: 'target-gone',
        detail: 'its qdiscs were already gone (the container stopped or restarted)',
      };
    return { status: 'reverted', detail: `removed ${plan.kind} from ${names.join(', ')}` };
  });
  return {
    id,
    kind: plan.kind,
    target,
    injectedAt: new Date(),
    detail: `${what} on ${names.join(', ')} ${plan.direction === 'both' ? 'both ways' : plan.direction} (${describeScope(plan.scope)})`,
    remedy: devices
      .flatMap((device) =>
        device.ingressOf
          ? ingressTeardownCommands(device.ingressOf, device.device)
          : removeRootCommands(device.device).map((argv) => ['tc', ...argv]),
      )
      .map((argv) => context.runner.display(target, argv))
      .join(' && '),
    revert,
    async [Symbol.asyncDispose]() {
      await revert();
    },
  };
}

async function injectIptables(
  context: NetworkContext,
  plan: NetworkFaultPlan & { type: 'iptables' },
  target: Target,
  id: string,
  announce: Announce,
): Promise<InjectedFault> {
  const backend = await context.backend(target);
  const binary = (set: IptablesRuleSet) => (set.family === 'ipv4' ? backend.ipv4 : backend.ipv6);
  const applied: IptablesRuleSet[] = [];
  const families = [...new Set(plan.sets.map((set) => set.family))];
  const createdTables = backend.ipv4.includes('nft')
    ? (
        await Promise.all(
          families.map(async (family) =>
            (await filterTableExists(context.runner, target, family)) === false ? [family] : [],
          ),
        )
      ).flat()
    : [];
  const save = { ipv4: `${backend.ipv4}-save`, ipv6: `${backend.ipv6}-save` };
  const dropCreatedTables = () => dropTablesIfEmpty(context.runner, target, createdTables, save);
  announce({ type: 'iptables', ipv4: backend.ipv4, ipv6: backend.ipv6, sets: plan.sets, createdTables });

  const undo = async (set: IptablesRuleSet): Promise<{ missing: boolean; failure?: string }> => {
    let missing = false;
    for (const argv of revertCommands(set)) {
      const result = await context.runner.run(target, [binary(set), ...argv]);
      if (result.exitCode === 0) continue;
      if (RULE_GONE.test(result.stderr)) {
        missing = true;
        continue;
      }
      return { missing, failure: `${binary(set)} ${quote(argv)}: ${result.stderr.trim()}` };
    }
    return { missing };
  };

  try {
    for (const set of plan.sets) {
      applied.push(set);
      for (const argv of applyCommands(set)) {
        const result = await context.runner.run(target, [binary(set), ...argv]);
        if (result.exitCode !== 0) {
          throw new NetworkInjectionError(
            `${binary(set)} ${quote(argv)} failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`,
          );
        }
        killPoint('netns-command-done');
      }
    }
  } catch (error) {
    for (const set of applied.reverse()) await undo(set).catch(() => undefined);
    await dropCreatedTables().catch(() => undefined);
    throw error;
  }

  const revert = once(async (): Promise<RevertOutcome> => {
    const failures: string[] = [];
    let missing = false;
    for (const set of plan.sets) {
      try {
        const outcome = await undo(set);
        missing ||= outcome.missing;
        if (outcome.failure) failures.push(outcome.failure);
      } catch (error) {
        if (error instanceof TargetGoneError) missing = true;
        else failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (failures.length > 0) return { status: 'failed', detail: failures.join('; ') };
    await dropCreatedTables().catch(() => undefined);
    if (missing)
      return {
        status: 'target-gone',
        detail: 'its rules were already gone (the container stopped or restarted)',
      };
    return { status: 'reverted', detail: `removed chains ${plan.sets.map((set) => set.chain).join(', ')}` };
  });

  const rules = plan.sets.reduce((total, set) => total + set.rules.length, 0);
  return {
    id,
    kind: plan.kind,
    target,
    injectedAt: new Date(),
    detail: `${rules} ${backend.ipv4.startsWith('iptables-legacy') ? 'iptables-legacy' : 'iptables'} rule(s) in ${plan.sets.map((set) => set.chain).join(', ')}`,
    remedy: plan.sets
      .flatMap((set) =>
        revertCommands(set).map((argv) => context.runner.display(target, [binary(set), ...argv])),
      )
      .join(' && '),
    revert,
    async [Symbol.asyncDispose]() {
      await revert();
    },
  };
}
