import { formatDuration } from '../util/duration.js';
import { isIpv6, protocolsOf, type ResolvedScope, scopeKey } from './scope.js';

/**
 * Traffic control, as data. faultline owns one root `htb` qdisc (handle fa1:) per interface, with no
 * default class: traffic no filter matches goes out directly, unshaped. Each distinct scope gets a
 * band: an htb class too fast to shape (100gbit) whose leaf is a netem and/or tbf qdisc, and u32
 * filters steer the scope's packets to it. Faults with the same scope compose in that band (delay plus
 * loss is one netem), and each reverts independently: the band is rebuilt from the faults still active.
 * Deletes name faultline's handles, so the kernel refuses to delete anything else.
 *
 * Size: one model of faultline's tc tree (bands, their leaves and filters, and the commands between
 * two sets of bands); the kernel tests load it as one file (test/kernel/guest/netem-scenarios.mjs).
 */
export const ROOT_HANDLE = 'fa1:';
/** Bands 2..MAX_BANDS; each is an htb class and a u32 filter priority. */
const MAX_BANDS = 64;

export interface NetemParams {
  delayMs?: number | undefined;
  jitterMs?: number | undefined;
  delayCorrelation?: number | undefined;
  distribution?: string | undefined;
  lossPercent?: number | undefined;
  lossCorrelation?: number | undefined;
  duplicatePercent?: number | undefined;
  duplicateCorrelation?: number | undefined;
  corruptPercent?: number | undefined;
  corruptCorrelation?: number | undefined;
  reorderPercent?: number | undefined;
  reorderCorrelation?: number | undefined;
}

export interface TbfParams {
  rate: string;
  burst?: string | undefined;
}

/** One active tc fault on one interface. */
export interface TcFaultState {
  faultId: string;
  scope: ResolvedScope;
  netem?: NetemParams | undefined;
  tbf?: TbfParams | undefined;
}

/** Which address a band's filters match: dst on a device's egress, src on the ingress copy (ifb). */
export type PeerField = 'dst' | 'src';

export interface Band {
  band: number;
  scope: ResolvedScope;
  netem: NetemParams | undefined;
  tbf: TbfParams | undefined;
}

export class TcPlanError extends Error {}

/** Groups active faults by scope, in order of first appearance, and merges each group's parameters. */
export function bandsFor(faults: readonly TcFaultState[], previous: readonly Band[] = []): Band[] {
  const byScope = new Map<string, TcFaultState[]>();
  for (const fault of faults) {
    const key = scopeKey(fault.scope);
    byScope.set(key, [...(byScope.get(key) ?? []), fault]);
  }
  const used = new Set<number>();
  const bands: Band[] = [];
  // Keep the band numbers of scopes that already have one, so unchanged bands stay untouched.
  const previousByKey = new Map(previous.map((band) => [scopeKey(band.scope), band.band]));
  const pending: [string, TcFaultState[]][] = [];
  for (const [key, group] of byScope) {
    const kept = previousByKey.get(key);
    if (kept !== undefined) {
      used.add(kept);
      bands.push(merge(kept, group));
    } else pending.push([key, group]);
  }
  for (const [, group] of pending) {
    let band = 2;
    while (used.has(band)) band++;
    if (band > MAX_BANDS)
      throw new TcPlanError(`at most ${MAX_BANDS - 1} differently scoped tc faults per interface`);
    used.add(band);
    bands.push(merge(band, group));
  }
  return bands.sort((a, b) => a.band - b.band);
}

function merge(band: number, group: TcFaultState[]): Band {
  let netem: NetemParams | undefined;
  let tbf: TbfParams | undefined;
  for (const fault of group) {
    if (fault.netem) netem = { ...netem, ...defined(fault.netem) };
    if (fault.tbf) tbf = fault.tbf;
  }
  return { band, scope: group[0]!.scope, netem, tbf };
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}

const percent = (value: number) => `${trim(value)}%`;
const ms = (value: number) => `${trim(value)}ms`;
function trim(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
}

export function netemArgs(params: NetemParams): string[] {
  const args: string[] = [];
  const reorder = params.reorderPercent !== undefined;
  const delay = params.delayMs ?? (reorder ? 10 : undefined);
  if (delay !== undefined) {
    args.push('delay', ms(delay));
    if (params.jitterMs) {
      args.push(ms(params.jitterMs));
      if (params.delayCorrelation !== undefined) args.push(percent(params.delayCorrelation));
      if (params.distribution) args.push('distribution', params.distribution);
    }
  }
  if (params.lossPercent !== undefined) {
    args.push('loss', 'random', percent(params.lossPercent));
    if (params.lossCorrelation !== undefined) args.push(percent(params.lossCorrelation));
  }
  if (params.duplicatePercent !== undefined) {
    args.push('duplicate', percent(params.duplicatePercent));
    if (params.duplicateCorrelation !== undefined) args.push(percent(params.duplicateCorrelation));
  }
  if (params.corruptPercent !== undefined) {
    args.push('corrupt', percent(params.corruptPercent));
    if (params.corruptCorrelation !== undefined) args.push(percent(params.corruptCorrelation));
  }
  if (reorder) {
    args.push('reorder', percent(params.reorderPercent!));
    if (params.reorderCorrelation !== undefined) args.push(percent(params.reorderCorrelation));
  }
  // A generous queue, so the delay itself does not drop packets at high rates.
  args.push('limit', '10000');
  return args;
}

/** tbf needs a burst of at least one packet; 10ms worth of the rate, never below 4kb. */
export function tbfArgs(params: TbfParams): string[] {
  return ['rate', params.rate, 'burst', params.burst ?? defaultBurst(params.rate), 'latency', '200ms'];
}

const RATE_BITS: Record<string, number> = {
  bit: 1,
  kbit: 1e3,
  mbit: 1e6,
  gbit: 1e9,
  bps: 8,
  kbps: 8e3,
  mbps: 8e6,
  gbps: 8e9,
};

export function rateBitsPerSecond(rate: string): number {
  const match = /^(\d+(?:\.\d+)?)([a-z]+)$/.exec(rate)!;
  return Number(match[1]) * (RATE_BITS[match[2]!] ?? Number.NaN);
}

function defaultBurst(rate: string): string {
  const bytes = Math.max(4096, Math.ceil(rateBitsPerSecond(rate) / 8 / 100));
  return `${bytes}b`;
}

const netemHandle = (band: number) => `a${band.toString(16).padStart(2, '0')}:`;
const tbfHandle = (band: number) => `b${band.toString(16).padStart(2, '0')}:`;
const classId = (band: number) => `${ROOT_HANDLE}${band.toString(16)}`;

/**
 * Builds an argv: the template's literal text is split on whitespace, and each interpolated value is
 * one argument (an array, several), never re-split: no shell, no quoting.
 */
export function argv(
  strings: TemplateStringsArray,
  ...values: (string | number | readonly string[])[]
): string[] {
  const out: string[] = [];
  strings.forEach((text, index) => {
    out.push(...text.split(/\s+/).filter(Boolean));
    if (index < values.length) {
      const value = values[index]!;
      if (Array.isArray(value)) out.push(...value);
      else out.push(String(value));
    }
  });
  return out;
}

/** Commands (argv after `tc`) that install faultline's root on a device whose root is the kernel default. */
export function rootCommands(device: string): string[][] {
  return [argv`qdisc add dev ${device} root handle ${ROOT_HANDLE} htb`];
}

/** The kernel refuses this unless the root's handle is faultline's. */
export function removeRootCommands(device: string): string[][] {
  return [argv`qdisc del dev ${device} root handle ${ROOT_HANDLE}`];
}

const UNSHAPED = argv`rate 100gbit ceil 100gbit burst 1mb cburst 1mb quantum 200000`;

/** Commands that create one band: its class and leaf qdisc(s), then the filters that steer traffic into it. */
export function addBandCommands(device: string, band: Band, field: PeerField = 'dst'): string[][] {
  return [
    argv`class add dev ${device} parent ${ROOT_HANDLE} classid ${classId(band.band)} htb ${UNSHAPED}`,
    ...bandQdiscCommands(device, band),
    ...filterCommands(device, band, field),
  ];
}

export function bandQdiscCommands(device: string, band: Band): string[][] {
  const parent = classId(band.band);
  const netem = netemHandle(band.band);
  const tbf = tbfHandle(band.band);
  if (band.netem && band.tbf) {
    return [
      argv`qdisc add dev ${device} parent ${parent} handle ${netem} netem ${netemArgs(band.netem)}`,
      argv`qdisc add dev ${device} parent ${`${netem}1`} handle ${tbf} tbf ${tbfArgs(band.tbf)}`,
    ];
  }
  if (band.netem)
    return [argv`qdisc add dev ${device} parent ${parent} handle ${netem} netem ${netemArgs(band.netem)}`];
  if (band.tbf)
    return [argv`qdisc add dev ${device} parent ${parent} handle ${tbf} tbf ${tbfArgs(band.tbf)}`];
  return [];
}

/** Removing a band: filters first (its traffic goes out directly again, never cut), then its class. */
export function removeBandCommands(device: string, band: Band): string[][] {
  return [
    ...filterPrios(band).map((prio) => argv`filter del dev ${device} parent ${ROOT_HANDLE} prio ${prio}`),
    argv`class del dev ${device} classid ${classId(band.band)}`,
  ];
}

/**
 * The kernel allows one protocol per filter priority, so a band's IPv6 filters get a priority of
 * their own: the band number for IPv4 (and for a match-everything filter), band + IPV6_PRIO for IPv6.
 */
const IPV6_PRIO = 1000;

function filterPrio(band: Band, family: 'ip' | 'ipv6' | 'all'): number {
  return family === 'ipv6' ? band.band + IPV6_PRIO : band.band;
}

/** The filter priorities a band's filters use, so removing it deletes exactly those. */
export function filterPrios(band: Band): number[] {
  const prios = new Set(
    filterCommands('x', band).map((command) => Number(command[command.indexOf('prio') + 1])),
  );
  return [...prios];
}

/** Replacing a band's leaf qdiscs after its faults changed; the class and filters stay. */
export function replaceBandQdiscCommands(device: string, band: Band): string[][] {
  return [argv`qdisc del dev ${device} parent ${classId(band.band)}`, ...bandQdiscCommands(device, band)];
}

const IP_PROTOCOL = {
  ip: { tcp: '6', udp: '17', icmp: '1' },
  ipv6: { tcp: '6', udp: '17', icmp: '58' },
} as const;

/** u32 filters that steer a band's scope into it: one per address family, peer, protocol and port. */
export function filterCommands(device: string, band: Band, peerField: PeerField = 'dst'): string[][] {
  const scope = band.scope;
  const head = (family: 'ip' | 'ipv6' | 'all') =>
    argv`filter add dev ${device} parent ${ROOT_HANDLE} protocol ${family} prio ${filterPrio(band, family)} u32`;
  const flow = argv`flowid ${classId(band.band)}`;
  if (scope.cidrs.length === 0 && scope.ports.length === 0 && scope.protocol === 'all') {
    return [[...head('all'), ...argv`match u32 0 0`, ...flow]];
  }
  const commands: string[][] = [];
  const ports = scope.ports.length > 0 ? scope.ports : [undefined];
  for (const cidr of scope.cidrs.length > 0 ? scope.cidrs : [undefined]) {
    const families: ('ip' | 'ipv6')[] =
      cidr === undefined ? ['ip', 'ipv6'] : isIpv6(cidr) ? ['ipv6'] : ['ip'];
    for (const family of families) {
      const field = family === 'ip' ? 'ip' : 'ip6';
      for (const protocol of protocolsOf(scope)) {
        for (const port of ports) {
          const match: string[] = [];
          if (cidr) match.push(...argv`match ${field} ${peerField} ${cidr}`);
          if (protocol) match.push(...argv`match ${field} protocol ${IP_PROTOCOL[family][protocol]} 0xff`);
          if (port !== undefined) match.push(...argv`match ${field} dport ${port} 0xffff`);
          commands.push([...head(family), ...match, ...flow]);
        }
      }
    }
  }
  return commands;
}

/**
 * The commands that take a device from the bands it has to the bands it should have. Unchanged bands
 * are left alone; the root is added before the first band and removed after the last.
 */
export function transitionCommands(
  device: string,
  from: readonly Band[],
  to: readonly Band[],
  field: PeerField = 'dst',
): string[][] {
  const commands: string[][] = [];
  if (from.length === 0 && to.length > 0) commands.push(...rootCommands(device));
  const before = new Map(from.map((band) => [band.band, band]));
  const after = new Map(to.map((band) => [band.band, band]));
  for (const band of from) if (!after.has(band.band)) commands.push(...removeBandCommands(device, band));
  for (const band of to) {
    const old = before.get(band.band);
    if (!old) commands.push(...addBandCommands(device, band, field));
    else if (JSON.stringify([old.netem, old.tbf]) !== JSON.stringify([band.netem, band.tbf])) {
      commands.push(...replaceBandQdiscCommands(device, band));
    }
  }
  if (from.length > 0 && to.length === 0) return removeRootCommands(device);
  return commands;
}

export function describeNetem(params: NetemParams): string {
  const parts: string[] = [];
  if (params.delayMs !== undefined)
    parts.push(
      `delay ${formatDuration(params.delayMs)}${params.jitterMs ? ` ± ${formatDuration(params.jitterMs)}` : ''}`,
    );
  if (params.lossPercent !== undefined) parts.push(`loss ${percent(params.lossPercent)}`);
  if (params.duplicatePercent !== undefined) parts.push(`duplicate ${percent(params.duplicatePercent)}`);
  if (params.corruptPercent !== undefined) parts.push(`corrupt ${percent(params.corruptPercent)}`);
  if (params.reorderPercent !== undefined) parts.push(`reorder ${percent(params.reorderPercent)}`);
  return parts.join(', ');
}

/** The ifb device that carries a device's incoming traffic for ingress faults (at most 15 characters). */
export function ifbName(device: string): string {
  return `flin-${device}`.slice(0, 15);
}

/**
 * Incoming traffic cannot be shaped where it arrives; it is redirected to an ifb device and shaped on
 * that device's egress, with the same htb tree. Full argv, binaries included.
 */
export function ingressSetupCommands(device: string, ifb: string): string[][] {
  return [
    argv`ip link add ${ifb} type ifb`,
    argv`ip link set ${ifb} up`,
    argv`tc qdisc add dev ${device} handle ffff: ingress`,
    argv`tc filter add dev ${device} parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev ${ifb}`,
  ];
}

export function ingressTeardownCommands(device: string, ifb: string): string[][] {
  return [argv`tc qdisc del dev ${device} handle ffff: ingress`, argv`ip link del ${ifb}`];
}
