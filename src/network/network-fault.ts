import type { Target } from '../targets/target.js';
import { legacyTablesListed } from './legacy-tables.js';
import { type CommandResult, type NetnsRunner, TargetGoneError } from './netns-runner.js';
import { TcDevice } from './tc-device.js';
import { ifbName } from './tc-plan.js';

/** Per-run state shared by every network fault: the way into namespaces, and each device's tc state. */
export class NetworkContext {
  private readonly devices = new Map<string, TcDevice>();
  private readonly backends = new Map<string, Promise<IptablesBackend>>();

  /** Whether a target has legacy tables at all, when it can be told without running a process. */
  private readonly legacyTables: ((target: Target) => Promise<boolean | undefined>) | undefined;

  /** The nsenter way looks legacy tables up from the host (legacy-tables.ts), under the runner's pid. */
  constructor(readonly runner: NetnsRunner) {
    const procNet = runner.procNet?.bind(runner);
    this.legacyTables = procNet ? (target) => legacyTablesListed(() => procNet(target)) : undefined;
  }

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
    return this.detect(target).backend;
  }

  /**
   * The backend, and, to the caller that made it be detected only, whether nf_tables had an ipv4
   * filter table just before (read from the same save output; later callers must look again).
   */
  async firstLook(
    target: Target,
    nftSave?: CommandResult,
  ): Promise<{ backend: IptablesBackend; filterTable?: boolean | undefined }> {
    const { backend, fresh } = this.detect(target, nftSave);
    const found = await backend;
    return fresh ? { backend: found, filterTable: found.nftFilterTable } : { backend: found };
  }

  /** Whether the target's backend is known, or being found out, already. */
  detected(target: Target): boolean {
    return this.backends.has(target.id);
  }

  private detect(
    target: Target,
    nftSave?: CommandResult,
  ): { backend: Promise<IptablesBackend>; fresh: boolean } {
    let backend = this.backends.get(target.id);
    if (backend) return { backend, fresh: false };
    const legacyTables = this.legacyTables;
    backend = detectBackend(this.runner, target, legacyTables && (() => legacyTables(target)), nftSave);
    backend.catch(() => this.backends.delete(target.id));
    this.backends.set(target.id, backend);
    return { backend, fresh: true };
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
  /** Whether nf_tables had an ipv4 filter table when the backend was detected, when its save ran. */
  nftFilterTable?: boolean | undefined;
}

/**
 * Rules only work in the backend the namespace's other rules use. Docker writes its own rules into a
 * container's namespace (the embedded DNS); whichever backend holds them is the one in use.
 * `nftSave`: what iptables-nft-save printed, when the caller has run it already (its first attempt).
 */
export async function detectBackend(
  runner: NetnsRunner,
  target: Target,
  legacyTables?: () => Promise<boolean | undefined>,
  nftSave?: CommandResult,
): Promise<IptablesBackend> {
  // With no legacy table at all, iptables-legacy-save has nothing to say unless nft is missing.
  const listed = legacyTables ? legacyTables().catch(() => undefined) : Promise.resolve(undefined);
  const legacySave = () => readRules(runner, target, 'iptables-legacy-save');
  const [nft, early] = await Promise.all([
    readRules(runner, target, 'iptables-nft-save', nftSave),
    // null: not asked, there being no legacy table
    listed.then(
      (some): Promise<string | undefined | null> => (some === false ? Promise.resolve(null) : legacySave()),
    ),
  ]);
  const legacy = early !== null ? early : nft === undefined ? await legacySave() : '';
  return { ...chooseBackend(nft, legacy), ...(nft === undefined ? {} : { nftFilterTable: hasFilter(nft) }) };
}

/** `*filter` in iptables-nft-save output; a filter table nft made that iptables cannot read counts too. */
const hasFilter = (save: string) => /^\*filter\s*$/m.test(save) || /`filter'.*incompatible/i.test(save);

function chooseBackend(nft: string | undefined, legacy: string | undefined): IptablesBackend {
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
  first?: CommandResult,
  attempts = 3,
): Promise<string | undefined> {
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const result = attempt === 1 && first ? first : await runner.run(target, [binary]);
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
