import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { COMPOSE_PROJECT, COMPOSE_SERVICE } from '../../src/docker/labels.js';
import { tempDir } from './cli.js';
import { waitFor } from './containers.js';
import { docker, FIXTURE_IMAGE, TEST_LABEL } from './docker-cli.js';

/**
 * Containers for the proxy tests, each running one small server (node built-ins only):
 *   8080 HTTP: GET /big?n=N answers N bytes (a repeating 0..250 pattern), an Upgrade request is
 *        switched (101) and then echoed byte for byte, anything else answers "ok <method> <path>";
 *   7000 TCP echo (ends when the client ends);  7002 TCP source (reads "N\n", sends N pattern
 *        bytes, ends);  7004 TCP greeter (sends "hi\n" and closes at once).
 * The containers are labelled as services of a compose project named after the lab.
 */
const SERVER = `
const http = require('http'), net = require('net');
const pattern = (n) => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = i % 251; return b; };
let pending = 4;
const up = () => { if (--pending === 0) console.log('ready'); };
const web = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  req.resume();
  req.on('end', () => {
    if (url.pathname === '/big') {
      const body = pattern(Number(url.searchParams.get('n')));
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    } else res.end('ok ' + req.method + ' ' + url.pathname);
  });
});
web.on('upgrade', (req, socket, head) => {
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: ' + req.headers.upgrade + '\\r\\nConnection: Upgrade\\r\\n\\r\\n');
  if (head.length) socket.write(head);
  socket.pipe(socket);
  socket.on('error', () => {});
});
web.listen(8080, up);
net.createServer((s) => { s.on('error', () => {}); s.pipe(s); }).listen(7000, up);
net.createServer((s) => {
  let text = '', sent = false;
  s.on('error', () => {});
  s.on('data', (d) => {
    text += d;
    const end = text.indexOf('\\n');
    if (end >= 0 && !sent) { sent = true; s.end(pattern(Number(text.slice(0, end)))); }
  });
}).listen(7002, up);
net.createServer((s) => { s.on('error', () => {}); s.end('hi\\n'); }).listen(7004, up);
process.on('SIGTERM', () => process.exit(0));
`;

/** The bytes the source (7002) and /big send: i % 251. */
export function pattern(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let index = 0; index < length; index++) bytes[index] = index % 251;
  return bytes;
}

export interface ProxyLabContainer {
  id: string;
  name: string;
  service: string;
  project: string;
  ip: string;
}

export class ProxyLab {
  readonly network: string;
  private readonly containers = new Map<string, ProxyLabContainer>();

  constructor(readonly prefix: string) {
    this.network = prefix;
  }

  async start(services: string[]): Promise<void> {
    await docker('network', 'create', '--label', `${TEST_LABEL}=${this.prefix}`, this.network);
    await Promise.all(services.map((service) => this.add(service)));
  }

  private async add(service: string): Promise<void> {
    const name = `${this.prefix}-${service}`;
    const args = ['run', '-d', '--name', name, '--network', this.network, '--stop-timeout', '1'];
    for (const [key, value] of Object.entries({
      [TEST_LABEL]: this.prefix,
      [COMPOSE_PROJECT]: this.prefix,
      [COMPOSE_SERVICE]: service,
    }))
      args.push('--label', `${key}=${value}`);
    const id = await docker(...args, FIXTURE_IMAGE, '-e', SERVER);
    await this.waitReady(name);
    this.containers.set(service, { id, name, service, project: this.prefix, ip: await this.ipOf(name) });
    await prepareNamespace(name);
  }

  /** Waits until the container's server has started `times` times (a restart starts it again). */
  async waitReady(name: string, times = 1): Promise<void> {
    await waitFor(
      `${name} to listen`,
      async () => (await docker('logs', name)).split('\n').filter((line) => line === 'ready').length >= times,
    );
  }

  async ipOf(name: string): Promise<string> {
    return docker(
      'inspect',
      '--format',
      `{{(index .NetworkSettings.Networks "${this.network}").IPAddress}}`,
      name,
    );
  }

  get(service: string): ProxyLabContainer {
    const container = this.containers.get(service);
    if (!container) throw new Error(`no lab container for service ${service}`);
    return container;
  }

  /** An experiment on the lab's services, written to a fresh temp dir; returns its path. */
  async experimentFile(method: string[]): Promise<string> {
    const file = path.join(await tempDir(), 'experiment.yaml');
    await writeFile(file, `${this.experiment(method)}\n`);
    return file;
  }

  experiment(method: string[]): string {
    return [
      'title: proxy lab',
      `scope: { compose: ${this.prefix} }`,
      'hypothesis:',
      '  - name: always',
      '    command: ["true"]',
      'method:',
      ...method,
    ].join('\n');
  }

  /** iptables (both backends, IPv4 and IPv6) and the process list of every lab container. */
  async states(): Promise<Record<string, TargetState>> {
    const states: Record<string, TargetState> = {};
    for (const [service, container] of this.containers) states[service] = await targetState(container.name);
    return states;
  }

  async remove(): Promise<void> {
    const ids = await docker('ps', '-aq', '--filter', `label=${TEST_LABEL}=${this.prefix}`).catch(() => '');
    for (const id of ids.split('\n').filter(Boolean))
      await docker('rm', '-f', '-v', id).catch(() => undefined);
    const networks = await docker('network', 'ls', '-q', '--filter', `label=${TEST_LABEL}=${this.prefix}`);
    if (networks) await docker('network', 'rm', ...networks.split('\n'));
  }
}

export interface TargetState {
  iptables: string;
  processes: string;
}

async function pidOf(name: string): Promise<string> {
  return docker('inspect', '--format', '{{.State.Pid}}', name);
}

/**
 * A namespace's first iptables-nft rule creates its filter table, which a revert rightly leaves;
 * creating it before the baseline makes the before/after comparison check faultline's own rules.
 */
async function prepareNamespace(name: string): Promise<void> {
  const script = 'iptables-nft -w 5 -N LAB-BASELINE && iptables-nft -w 5 -X LAB-BASELINE';
  const result = await execa('nsenter', ['-t', await pidOf(name), '-n', '--', 'sh', '-c', script], {
    reject: false,
  });
  if (result.exitCode !== 0) throw new Error(`cannot prepare ${name}'s namespace: ${result.stderr}`);
}

const SAVE = `for b in iptables-nft-save iptables-legacy-save ip6tables-nft-save ip6tables-legacy-save; do
  echo "## $b"; $b 2>&1 | grep -v '^#'
done
true`;

/** iptables-save of every table and backend (counters zeroed), and `docker top` (pid and command). */
export async function targetState(name: string): Promise<TargetState> {
  const result = await execa('nsenter', ['-t', await pidOf(name), '-n', '--', 'sh', '-c', SAVE], {
    reject: false,
  });
  if (result.exitCode !== 0) throw new Error(`cannot read ${name}'s iptables: ${result.stderr}`);
  const processes = await docker('top', name, '-eo', 'pid,args');
  return { iptables: result.stdout.replace(/\[\d+:\d+\]$/gm, '[0:0]'), processes };
}

/** Host processes that are proxies: their command line ends with `faultline-proxy <run> <fault>`. */
export function proxiesOnHost(runId: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(`faultline-proxy ${runId}`));
}

// ---------------------------------------------------------------------------------- TCP clients

export interface TcpOutcome {
  /** done (the server's side ended), closed, timeout, or an error code such as ECONNRESET */
  outcome: string;
  bytes: Buffer;
  /** Milliseconds from connecting to the end of the connection. */
  ms: number;
  /** Milliseconds from connecting to the first byte (undefined when none came). */
  firstByteMs: number | undefined;
  /** Milliseconds from the first byte to the server's end (FIN); undefined without both. */
  endAfterFirstMs: number | undefined;
  reads: number;
}

/**
 * Connects to host:port, writes `send` (if any), and reads until the connection ends, errs or
 * `timeoutMs` passes. `then` may write more once connected.
 */
export function tcpSession(
  host: string,
  port: number,
  options: { send?: string | Buffer; timeoutMs?: number; endAfterSend?: boolean } = {},
): Promise<TcpOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    let firstAt: number | undefined;
    let endAt: number | undefined;
    let settled = false;
    const socket = net.connect({ host, port, allowHalfOpen: true });
    const finish = (outcome: string) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const now = performance.now();
      resolve({
        outcome,
        bytes: Buffer.concat(chunks),
        ms: now - started,
        firstByteMs: firstAt === undefined ? undefined : firstAt - started,
        endAfterFirstMs: firstAt === undefined || endAt === undefined ? undefined : endAt - firstAt,
        reads: chunks.length,
      });
    };
    socket.setTimeout(options.timeoutMs ?? 5000, () => finish('timeout'));
    socket.on('connect', () => {
      if (options.send !== undefined) socket.write(options.send);
      if (options.endAfterSend) socket.end();
    });
    socket.on('data', (chunk: Buffer) => {
      firstAt ??= performance.now();
      chunks.push(chunk);
    });
    socket.on('end', () => {
      endAt = performance.now();
      finish('done');
    });
    socket.on('close', () => finish('closed'));
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
  });
}

/** Milliseconds from writing a line to the echo server (7000) to reading it back, on one connection. */
export function echoRoundTrip(host: string, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: 7000 });
    let sent = 0;
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('no echo within the timeout')));
    socket.on('connect', () => {
      sent = performance.now();
      socket.write('ping\n');
    });
    socket.once('data', () => {
      resolve(performance.now() - sent);
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Runs `fn` `count` times one after another and returns the median of what it measured. */
export async function medianOf(count: number, fn: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let index = 0; index < count; index++) values.push(await fn());
  return median(values);
}
