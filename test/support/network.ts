import { connect } from 'node:net';
import { execa } from 'execa';
import { COMPOSE_PROJECT, COMPOSE_SERVICE } from '../../src/docker/labels.js';
import { allInjections, buildPlan, type PlannedInjection } from '../../src/engine/plan.js';
import { parseExperiment } from '../../src/experiment/load.js';
import type { InjectedFault } from '../../src/faults/fault.js';
import { familyOf } from '../../src/faults/registry.js';
import type { NetworkContext } from '../../src/network/network-fault.js';
import type { Platform } from '../../src/platform/platform.js';
import type { Target } from '../../src/targets/target.js';
import { waitFor } from './containers.js';
import { docker, FIXTURE_IMAGE, TEST_LABEL } from './docker-cli.js';

/**
 * A small network lab for network-fault tests: a user-defined Docker network per test file, and
 * fixture containers on it labelled like compose services, each running a server with
 *   8080 HTTP (GET answers "ok"),  9090 TCP (answers "hi"),
 *   7001 TCP sink (reads until the client ends, then answers the byte count),
 *   7002 TCP source (reads "N\n", sends N bytes),  9999 UDP (logs "udp <from> <message>").
 * Effects are measured from inside the containers with a small node client (`probe`), from the host,
 * and from the namespaces' tc and iptables state read with nsenter (read-only commands only).
 */
const SERVER = `
const http = require('http'), net = require('net'), dgram = require('dgram');
let pending = 5;
const up = () => { if (--pending === 0) console.log('ready'); };
http.createServer((req, res) => res.end('ok')).listen(8080, up);
net.createServer((s) => { s.on('error', () => {}); s.end('hi\\n'); }).listen(9090, up);
net.createServer({ allowHalfOpen: true }, (s) => {
  let n = 0;
  s.on('error', () => {});
  s.on('data', (d) => { n += d.length; });
  s.on('end', () => s.end(n + '\\n'));
}).listen(7001, up);
net.createServer((s) => {
  let text = '', sent = false;
  s.on('error', () => {});
  s.on('data', (d) => {
    text += d;
    const end = text.indexOf('\\n');
    if (end >= 0 && !sent) { sent = true; s.end(Buffer.alloc(Number(text.slice(0, end)), 120)); }
  });
}).listen(7002, up);
const udp = dgram.createSocket('udp4');
udp.on('message', (message, from) => console.log('udp ' + from.address + ' ' + message));
udp.bind(9999, up);
process.on('SIGTERM', () => process.exit(0));
`;

const CLIENT = `
const net = require('net'), dgram = require('dgram'), dns = require('dns');
const now = () => performance.now();
const finish = (t0, extra) => ({ ms: Math.round(now() - t0), ...extra });
function connect(op) {
  return new Promise((resolve) => {
    const t0 = now();
    const s = net.connect({ host: op.host, port: op.port });
    const done = (outcome) => { s.destroy(); resolve(finish(t0, { outcome })); };
    s.setTimeout(op.timeoutMs ?? 1500, () => done('timeout'));
    s.on('connect', () => done('connected'));
    s.on('error', (e) => done(e.code));
  });
}
function upload(op) {
  return new Promise((resolve) => {
    const t0 = now();
    let reply = '';
    const s = net.connect({ host: op.host, port: 7001, allowHalfOpen: true });
    s.setTimeout(op.timeoutMs ?? 20000, () => { s.destroy(); resolve(finish(t0, { outcome: 'timeout' })); });
    s.on('connect', () => s.end(Buffer.alloc(op.bytes, 120)));
    s.on('data', (d) => { reply += d; });
    s.on('end', () => { s.destroy(); resolve(finish(t0, { outcome: 'done', bytes: Number(reply.trim()) })); });
    s.on('error', (e) => resolve(finish(t0, { outcome: e.code })));
  });
}
function download(op) {
  return new Promise((resolve) => {
    const t0 = now();
    let bytes = 0;
    const s = net.connect({ host: op.host, port: 7002 });
    s.setTimeout(op.timeoutMs ?? 20000, () => { s.destroy(); resolve(finish(t0, { outcome: 'timeout', bytes })); });
    s.on('connect', () => s.write(op.bytes + '\\n'));
    s.on('data', (d) => { bytes += d.length; });
    s.on('end', () => { s.destroy(); resolve(finish(t0, { outcome: 'done', bytes })); });
    s.on('error', (e) => resolve(finish(t0, { outcome: e.code, bytes })));
  });
}
async function udp(op) {
  const s = dgram.createSocket('udp4');
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => s.send(op.message, 9999, op.host, () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  s.close();
  return { outcome: 'sent' };
}
function lookup(op) {
  const t0 = now();
  return dns.promises.lookup(op.name, { family: 4 }).then(
    (result) => finish(t0, { outcome: 'resolved', address: result.address }),
    (error) => finish(t0, { outcome: error.code }),
  );
}
const run = { connect, upload, download, udp, lookup };
const ops = JSON.parse(process.argv[1]);
(async () => {
  const results = [];
  for (const group of ops) results.push(await Promise.all(group.map((op) => run[op.op](op))));
  console.log(JSON.stringify(results.flat()));
})();
`;

export type ProbeOp =
  | { op: 'connect'; host: string; port: number; timeoutMs?: number }
  | { op: 'upload'; host: string; bytes: number; timeoutMs?: number }
  | { op: 'download'; host: string; bytes: number; timeoutMs?: number }
  | { op: 'udp'; host: string; message: string }
  | { op: 'lookup'; name: string };

export interface ProbeResult {
  /** connected, timeout, done, resolved, sent, or an error code such as ECONNREFUSED */
  outcome: string;
  ms: number;
  bytes?: number;
  address?: string;
}

export interface LabContainer extends Target {
  service: string;
  ip: string;
}

export class NetworkLab {
  readonly network: string;
  private readonly containers = new Map<string, LabContainer>();

  constructor(readonly prefix: string) {
    this.network = prefix;
  }

  /** Creates the lab's network and one container per service, and waits until their servers listen. */
  async start(specs: { service: string; publish?: string }[]): Promise<void> {
    await docker('network', 'create', '--label', `${TEST_LABEL}=${this.prefix}`, this.network);
    await Promise.all(specs.map((spec) => this.add(spec)));
  }

  /** Starts one more container: on the lab's network, or on another one such as Docker's default bridge. */
  async add(spec: { service: string; publish?: string; network?: string }): Promise<LabContainer> {
    const name = `${this.prefix}-${spec.service}`;
    const network = spec.network ?? this.network;
    const args = ['run', '-d', '--name', name, '--network', network, '--stop-timeout', '2'];
    for (const [key, value] of Object.entries({
      [TEST_LABEL]: this.prefix,
      [COMPOSE_PROJECT]: this.prefix,
      [COMPOSE_SERVICE]: spec.service,
    }))
      args.push('--label', `${key}=${value}`);
    if (spec.publish) args.push('--publish', spec.publish);
    const id = await docker(...args, FIXTURE_IMAGE, '-e', SERVER);
    await this.waitReady(name);
    const ip = await docker(
      'inspect',
      '--format',
      `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`,
      name,
    );
    const container = { id, name, service: spec.service, project: this.prefix, ip };
    this.containers.set(spec.service, container);
    return container;
  }

  /** Waits until the container's server has started `times` times (a restart starts it again). */
  async waitReady(name: string, times = 1): Promise<void> {
    await waitFor(
      `${name} to listen`,
      async () => (await docker('logs', name)).split('\n').filter((line) => line === 'ready').length >= times,
    );
  }

  /** Restarts a container, waits until it listens again, and returns it with its (new) address. */
  async restart(service: string): Promise<LabContainer> {
    const container = this.get(service);
    await docker('restart', '-t', '1', container.name);
    await this.waitReady(container.name, 2);
    const ip = await docker(
      'inspect',
      '--format',
      `{{(index .NetworkSettings.Networks "${this.network}").IPAddress}}`,
      container.name,
    );
    const restarted = { ...container, ip };
    this.containers.set(service, restarted);
    return restarted;
  }

  /**
   * A namespace's first iptables-nft rule creates its filter table, with empty built-in chains;
   * faultline's revert removes its own chains and jumps but not that table. Creating the table before
   * the baseline is captured makes an exact before/after comparison check faultline's own rules.
   */
  async createFilterTables(services = [...this.containers.keys()]): Promise<void> {
    for (const service of services) {
      await nsenterOk(this.get(service).name, 'iptables-nft', '-w', '5', '-N', 'LAB-BASELINE');
      await nsenterOk(this.get(service).name, 'iptables-nft', '-w', '5', '-X', 'LAB-BASELINE');
    }
  }

  /** The network's IPv4 subnet, e.g. 172.30.0.0/16. */
  async subnet(): Promise<string> {
    return docker('network', 'inspect', '--format', '{{(index .IPAM.Config 0).Subnet}}', this.network);
  }

  /** The host port a container port is published on (127.0.0.1). */
  async publishedPort(service: string, port = 8080): Promise<number> {
    const out = await docker('port', this.get(service).name, `${port}/tcp`);
    return Number(out.split('\n')[0]!.split(':').pop());
  }

  /** The namespace state of the given services (default: every container's), by service. */
  async states(services = [...this.containers.keys()]): Promise<Record<string, Record<string, string>>> {
    const states: Record<string, Record<string, string>> = {};
    for (const service of services) states[service] = await netnsState(this.get(service).name);
    return states;
  }

  get(service: string): LabContainer {
    const container = this.containers.get(service);
    if (!container) throw new Error(`no lab container for service ${service}`);
    return container;
  }

  /** Removes the containers, then the network. */
  async remove(): Promise<void> {
    const ids = await docker('ps', '-aq', '--filter', `label=${TEST_LABEL}=${this.prefix}`);
    // One at a time, tolerating a container that is already gone or going.
    for (const id of ids.split('\n').filter(Boolean)) {
      await docker('rm', '-f', '-v', id).catch(() => undefined);
    }
    await waitFor(
      `${this.prefix} containers to be removed`,
      async () => (await docker('ps', '-aq', '--filter', `label=${TEST_LABEL}=${this.prefix}`)) === '',
    );
    const networks = await docker('network', 'ls', '-q', '--filter', `label=${TEST_LABEL}=${this.prefix}`);
    if (networks) await docker('network', 'rm', ...networks.split('\n'));
  }

  /** An experiment on this lab's containers (services of the compose project named after the lab). */
  experiment(method: string): string {
    return [
      'title: network lab',
      `scope: { compose: ${this.prefix} }`,
      'hypothesis:',
      '  - name: always',
      '    command: ["true"]',
      'method:',
      method,
    ].join('\n');
  }
}

/** Runs groups of probe operations inside a container: operations of one group run concurrently. */
export async function probe(container: string, ...groups: ProbeOp[][]): Promise<ProbeResult[]> {
  const result = await execa('docker', ['exec', container, 'node', '-e', CLIENT, JSON.stringify(groups)], {
    reject: false,
  });
  if (result.exitCode !== 0) throw new Error(`probe in ${container} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as ProbeResult[];
}

/** The outcome of a TCP connect from one container to an address and port. */
export async function tcp(from: string, host: string, port = 8080, timeoutMs = 1000): Promise<string> {
  const [result] = await probe(from, [{ op: 'connect', host, port, timeoutMs }]);
  return result!.outcome;
}

/** Datagrams a container's server received, as "udp <from> <message>" lines. */
export async function udpReceived(container: string): Promise<string[]> {
  const result = await execa('docker', ['logs', container], { reject: false });
  return result.stdout.split('\n').filter((line) => line.startsWith('udp '));
}

/** Plans an experiment with the engine and returns its injections, in method order. */
export async function planInjections(
  client: Parameters<typeof buildPlan>[1],
  yaml: string,
  runId: string,
): Promise<PlannedInjection[]> {
  const loaded = parseExperiment(yaml, 'lab.yaml', {});
  const plan = await buildPlan(loaded, client, { seed: 1, runId });
  return allInjections(plan.steps);
}

/** tc and iptables faults act through the namespace runner alone; a call to the platform would be a bug. */
const NO_PLATFORM = new Proxy({} as Platform, {
  get: () => {
    throw new Error('a network fault called the Engine directly');
  },
});

/** Injects planned network faults in order; on a failure, reverts the ones already in place. */
export async function injectAll(
  context: NetworkContext,
  injections: readonly PlannedInjection[],
  platform: Platform = NO_PLATFORM,
): Promise<InjectedFault[]> {
  const faults: InjectedFault[] = [];
  try {
    for (const injection of injections) {
      const family = familyOf(injection.fault);
      if (!family.netns) throw new Error('not a network fault');
      const inject = { platform, network: () => context };
      faults.push(
        await family.inject(injection.fault, injection.target, injection.faultId, inject, () => {}),
      );
    }
  } catch (error) {
    for (const fault of faults.reverse()) await fault.revert();
    throw error;
  }
  return faults;
}

export async function pidOf(container: string): Promise<string> {
  return docker('inspect', '--format', '{{.State.Pid}}', container);
}

/** Runs a command in a container's network namespace from the host. */
export async function nsenter(container: string, ...argv: string[]) {
  return execa('nsenter', ['-t', await pidOf(container), '-n', '--', ...argv], { reject: false });
}

/** Like `nsenter`, failing with stderr when the command fails. */
export async function nsenterOk(container: string, ...argv: string[]): Promise<string> {
  const result = await nsenter(container, ...argv);
  if (result.exitCode !== 0) throw new Error(`${argv.join(' ')} in ${container}: ${result.stderr}`);
  return result.stdout;
}

/**
 * Everything a network fault may change in a namespace, read without changing it: iptables-save and
 * ip6tables-save of both backends (minus the dated comment lines), the links, and per link the tc
 * qdiscs, classes and filters; packet counters are zeroed.
 */
export async function netnsState(container: string): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  for (const binary of [
    'iptables-nft-save',
    'iptables-legacy-save',
    'ip6tables-nft-save',
    'ip6tables-legacy-save',
  ]) {
    const text = await nsenterOk(container, binary);
    // Chain headers carry packet counters ([packets:bytes]): traffic, not state.
    state[binary] = text
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .map((line) => line.replace(/\[\d+:\d+\]$/, '[0:0]'))
      .join('\n');
  }
  const links = (await nsenterOk(container, 'ip', '-o', 'link', 'show'))
    .split('\n')
    .map((line) => line.split(':')[1]!.trim().split('@')[0]!);
  state.links = links.join(' ');
  for (const link of links) {
    for (const what of ['qdisc', 'class', 'filter'] as const) {
      // htb's direct_packets_stat counts packets: traffic, not state.
      state[`tc ${what} ${link}`] = (await nsenterOk(container, 'tc', what, 'show', 'dev', link)).replace(
        /direct_packets_stat \d+/g,
        'direct_packets_stat 0',
      );
    }
  }
  // Ingress filters live under the ingress qdisc.
  for (const link of links) {
    state[`tc filter ${link} ingress`] = await nsenterOk(
      container,
      'tc',
      'filter',
      'show',
      'dev',
      link,
      'parent',
      'ffff:',
    );
  }
  return state;
}

/** The iptables rules faultline's chains hold in a namespace (nf_tables backend), one per line. */
export async function faultlineRules(container: string): Promise<string[]> {
  const text = await nsenterOk(container, 'iptables-nft-save', '-t', 'filter');
  return text.split('\n').filter((line) => line.includes('FL-'));
}

/** Throughput in bit/s of a transfer that moved `bytes` in `ms`. */
export function bitsPerSecond(result: ProbeResult): number {
  return ((result.bytes ?? 0) * 8) / (result.ms / 1000);
}

/** The outcome of a TCP connect from the host: connected, timeout, or an error code. */
export function hostTcp(host: string, port: number, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (outcome: string) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.on('connect', () => done('connected'));
    socket.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

/** Names of the containers faultline created (helpers), with their labels. */
export async function helperContainers(): Promise<string[]> {
  const out = await docker(
    'ps',
    '-a',
    '--filter',
    'label=org.faultline.helper',
    '--format',
    '{{.Names}} {{.Labels}}',
  );
  return out.split('\n').filter(Boolean);
}

/** Waits until a container's server has logged a datagram line (delivery and logging take a moment). */
export async function waitForUdp(container: string, line: string): Promise<void> {
  await waitFor(
    `${container} to receive "${line}"`,
    async () => (await udpReceived(container)).includes(line),
    5000,
  );
}

/** Reverts faults in order and collects their outcomes' statuses (revert never throws). */
export async function revertAll(faults: readonly InjectedFault[], statuses: string[]): Promise<void> {
  for (const fault of faults) statuses.push((await fault.revert()).status);
}
