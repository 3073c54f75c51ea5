import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach } from 'vitest';
import { COMPOSE_PROJECT, COMPOSE_SERVICE } from '../../src/docker/labels.js';
import { BIN, E2E_ENV, faultline, REPO, tempDir } from './cli.js';
import { waitFor } from './containers.js';
import { docker, FIXTURE_IMAGE, TEST_LABEL } from './docker-cli.js';

/**
 * Support for the crash-safety tests: a lab of fixture containers on a network of their own, labelled
 * as services of a compose project named after the lab; a snapshot of everything a fault can change
 * (Docker state, and iptables and tc inside each container's network namespace, read with nsenter);
 * the CLI run as a child process that a test can watch line by line, freeze and kill; and the run's
 * ledger read straight from disk.
 */

export interface LabSpec {
  /** Container name suffix (the container is `<prefix>-<name>`). */
  name: string;
  /** Compose service label; several containers may share one (a scaled service). */
  service: string;
  /** Environment of the fixture backend, e.g. ON_SIGTERM=ignore. */
  env?: Record<string, string>;
  /** Docker restart policy, e.g. always. */
  restart?: string;
}

export class SafetyLab {
  readonly network: string;
  readonly names: string[] = [];

  constructor(readonly prefix: string) {
    this.network = prefix;
  }

  /** Creates the network and the containers, and gives each namespace its iptables filter table. */
  async start(specs: LabSpec[]): Promise<void> {
    await docker('network', 'create', '--label', `${TEST_LABEL}=${this.prefix}`, this.network);
    await Promise.all(specs.map((spec) => this.add(spec)));
  }

  async add(spec: LabSpec): Promise<string> {
    const name = `${this.prefix}-${spec.name}`;
    const args = ['run', '-d', '--name', name, '--network', this.network, '--stop-timeout', '2'];
    for (const [key, value] of Object.entries({
      [TEST_LABEL]: this.prefix,
      [COMPOSE_PROJECT]: this.prefix,
      [COMPOSE_SERVICE]: spec.service,
    }))
      args.push('--label', `${key}=${value}`);
    for (const [key, value] of Object.entries(spec.env ?? {})) args.push('--env', `${key}=${value}`);
    if (spec.restart) args.push('--restart', spec.restart);
    await docker(...args, FIXTURE_IMAGE, '/app/backend.mjs');
    await prepareNamespace(name);
    this.names.push(name);
    return name;
  }

  name(suffix: string): string {
    return `${this.prefix}-${suffix}`;
  }

  /** Docker state and namespace state of every lab container (or of the ones named). */
  async snapshot(names: readonly string[] = this.names): Promise<Record<string, ContainerSnapshot>> {
    const entries = await Promise.all(names.map(async (name) => [name, await snapshotOf(name)] as const));
    return Object.fromEntries(entries);
  }

  /** Writes an experiment on this lab's services into a fresh temp dir and returns its path. */
  async experiment(body: string): Promise<string> {
    const dir = await tempDir();
    const file = path.join(dir, 'experiment.yaml');
    await writeFile(file, [`title: safety lab`, `scope: { compose: ${this.prefix} }`, body].join('\n'));
    return file;
  }

  /** Removes the containers (one at a time, tolerating ones already gone), then the network. */
  async remove(): Promise<void> {
    const ids = await docker('ps', '-aq', '--filter', `label=${TEST_LABEL}=${this.prefix}`).catch(() => '');
    for (const id of ids.split('\n').filter(Boolean))
      await docker('rm', '-f', '-v', id).catch(() => undefined);
    const networks = await docker('network', 'ls', '-q', '--filter', `label=${TEST_LABEL}=${this.prefix}`);
    if (networks) await docker('network', 'rm', ...networks.split('\n'));
  }
}

/**
 * A namespace's first iptables-nft rule creates its filter table (empty built-in chains, policy
 * ACCEPT), which a revert rightly leaves; creating it before the baseline is captured makes an exact
 * before/after comparison check faultline's own chains and jumps.
 */
async function prepareNamespace(name: string): Promise<void> {
  const pid = await docker('inspect', '--format', '{{.State.Pid}}', name);
  const script = 'iptables-nft -w 5 -N LAB-BASELINE && iptables-nft -w 5 -X LAB-BASELINE';
  const result = await execa('nsenter', ['-t', pid, '-n', '--', 'sh', '-c', script], { reject: false });
  if (result.exitCode !== 0) throw new Error(`cannot prepare ${name}'s namespace: ${result.stderr}`);
}

export interface ContainerSnapshot {
  /** status, paused, running, pid, start time and restart count, as Docker reports them. */
  docker: string;
  /** iptables-save (both backends, IPv4 and IPv6), links, and tc qdiscs, classes and filters per link. */
  netns: string;
}

/** Everything a fault may change in a namespace, read without changing it; counters zeroed. */
const NETNS_DUMP = `
for b in iptables-nft-save iptables-legacy-save ip6tables-nft-save ip6tables-legacy-save; do
  echo "## $b"; $b 2>&1 | grep -v '^#'
done
links=$(ip -o link show | awk -F': ' '{ split($2, a, "@"); print a[1] }')
echo "## links"; echo $links
for l in $links; do
  echo "## tc $l"
  tc qdisc show dev $l; tc class show dev $l; tc filter show dev $l; tc filter show dev $l parent ffff:
done
`;

export async function snapshotOf(name: string): Promise<ContainerSnapshot> {
  const state = await docker(
    'inspect',
    '--format',
    '{{.State.Status}} paused={{.State.Paused}} running={{.State.Running}} pid={{.State.Pid}} started={{.State.StartedAt}} restarts={{.RestartCount}}',
    name,
  );
  const pid = /pid=(\d+)/.exec(state)?.[1];
  if (!pid || pid === '0') return { docker: state, netns: '(not running)' };
  const result = await execa('nsenter', ['-t', pid, '-n', '--', 'sh', '-c', NETNS_DUMP], { reject: false });
  if (result.exitCode !== 0) throw new Error(`cannot read ${name}'s namespace: ${result.stderr}`);
  const netns = result.stdout
    .replace(/\[\d+:\d+\]$/gm, '[0:0]')
    .replace(/direct_packets_stat \d+/g, 'direct_packets_stat 0');
  return { docker: state, netns };
}

/** Lines of a namespace dump that are faultline's: its chains, its root qdisc, its ifb devices. */
export function faultlineTraces(snapshot: ContainerSnapshot): string[] {
  return snapshot.netns
    .split('\n')
    .filter((line) => /FL-|qdisc htb fa1:|flin-|qdisc tbf/.test(line))
    .map((line) => line.trim());
}

// ------------------------------------------------------------------------------------------ the CLI

export interface OutputLine {
  at: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface Finished {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/** A `faultline` process a test can watch line by line, signal and wait for. */
export class CliProcess {
  readonly lines: OutputLine[] = [];
  readonly finished: Promise<Finished>;
  private readonly waiters = new Set<() => void>();
  private exited: Finished | undefined;

  constructor(private readonly child: ChildProcess) {
    for (const stream of ['stdout', 'stderr'] as const) {
      let rest = '';
      child[stream]!.setEncoding('utf8');
      child[stream]!.on('data', (chunk: string) => {
        rest += chunk;
        const parts = rest.split('\n');
        rest = parts.pop()!;
        const at = Date.now();
        for (const text of parts) this.lines.push({ at, stream, text });
        this.notify();
      });
    }
    this.finished = new Promise((resolve) => {
      child.once('exit', (exitCode, signal) => {
        this.exited = { exitCode, signal, at: Date.now() };
        this.notify();
        resolve(this.exited);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get text(): string {
    return this.lines.map((line) => line.text).join('\n');
  }

  kill(signal: NodeJS.Signals): number {
    const at = Date.now();
    process.kill(this.pid, signal);
    return at;
  }

  /** Resolves with the first line matching (already printed or to come); fails if the process ends first. */
  async waitForLine(pattern: RegExp, timeoutMs = 30_000): Promise<OutputLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((line) => pattern.test(line.text));
      if (found) return found;
      if (this.exited)
        throw new Error(
          `faultline exited (${this.exited.exitCode}) before printing ${pattern}:\n${this.text}`,
        );
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`faultline did not print ${pattern} within ${timeoutMs}ms:\n${this.text}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        const waiter = () => done();
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(waiter);
      });
    }
  }

  /** Lines reporting a fault injected ("inject   <container>: ..."). */
  get injected(): OutputLine[] {
    return this.lines.filter((line) => / {3}inject {3}/.test(line.text));
  }

  /** Waits until the run has reported `count` faults injected. */
  async waitForInjected(count: number, timeoutMs = 30_000): Promise<void> {
    await waitFor(`${count} faults injected`, async () => this.injected.length >= count, timeoutMs);
  }

  /** The watchdog's pid, as the run prints it ("watchdog pid N"). */
  async watchdogPid(): Promise<number> {
    const line = await this.waitForLine(/watchdog pid \d+/);
    return Number(/watchdog pid (\d+)/.exec(line.text)![1]);
  }

  /** The run id, from the ledger path the run prints. */
  async runId(): Promise<string> {
    const line = await this.waitForLine(/ledger \S+\.jsonl/);
    return /runs\/([0-9a-f]+)\.jsonl/.exec(line.text)![1]!;
  }

  private notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter();
  }
}

/** Starts `faultline ARGS` as a user would, with its own state folder. */
export function startFaultline(
  args: string[],
  stateDir: string,
  env: Record<string, string> = {},
): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO,
    env: { ...process.env, ...E2E_ENV, FAULTLINE_STATE_DIR: stateDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new CliProcess(child);
}

/**
 * How a test file starts its runs: `faultline ARGS` with its own state folder, returned once it has
 * printed its watchdog's pid and its run id. Any run still alive after a test is killed (SIGKILL), so a
 * failed test leaves no run holding faults behind it. Call once, at the top of the file.
 */
export function runStarter() {
  const started: CliProcess[] = [];
  afterEach(() => {
    for (const run of started.splice(0)) if (!processGone(run.pid)) run.kill('SIGKILL');
  });
  return async (args: string[], stateDir: string, env: Record<string, string> = {}) => {
    const run = startFaultline(args, stateDir, env);
    started.push(run);
    const watchdogPid = await run.watchdogPid();
    const runId = await run.runId();
    return { run, watchdogPid, runId };
  };
}

/** A fresh, empty state folder (ledgers and locks) for one test. */
export async function freshStateDir(): Promise<string> {
  const dir = path.join(await tempDir(), 'state');
  await mkdir(dir);
  return dir;
}

/** Runs `faultline status` against a state folder and returns its output. */
export async function statusOf(stateDir: string): Promise<string> {
  const result = await faultline(['status'], { env: { FAULTLINE_STATE_DIR: stateDir } });
  if (result.exitCode !== 0) throw new Error(`faultline status failed: ${result.all}`);
  return String(result.all);
}

/**
 * Runs `faultline recover` against a state folder. Recover also scans every running container on the
 * host, so on a shared host it may act on other runs' leftovers too: `ours` are the lines that name
 * one of `about` (a lab prefix, a run id), `foreignFailures` the failed lines that name none of them.
 */
export async function recoverWith(
  stateDir: string,
  about: readonly string[] = [],
  env: Record<string, string> = {},
) {
  const result = await faultline(['recover'], { env: { FAULTLINE_STATE_DIR: stateDir, ...env } });
  const lines = String(result.stdout).split('\n').filter(Boolean);
  const concerns = (line: string) => about.some((needle) => line.includes(needle));
  return {
    exitCode: result.exitCode,
    output: String(result.all),
    ours: lines.filter(concerns),
    foreignFailures: lines.filter((line) => line.startsWith('FAILED') && !concerns(line)),
  };
}

// --------------------------------------------------------------------------------------- the ledger

export interface LedgerEntry {
  type: 'run' | 'intent' | 'reverted' | 'end';
  runId?: string;
  faultId?: string;
  kind?: string;
  target?: { name: string };
  deadline?: number;
  status?: string;
  by?: string;
  outcome?: string;
  at?: string;
}

/** Every record of a run's ledger, read from disk independently of faultline's own reader. */
export function ledgerOf(stateDir: string, runId: string): LedgerEntry[] {
  const text = readFileSync(path.join(stateDir, 'runs', `${runId}.jsonl`), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LedgerEntry);
}

/** The ledger's faults whose last revert record is not a success (a failed one leaves a fault open). */
export function openFaults(entries: readonly LedgerEntry[]): LedgerEntry[] {
  const last = new Map<string | undefined, LedgerEntry>();
  for (const entry of entries) if (entry.type === 'reverted') last.set(entry.faultId, entry);
  const done = new Set(
    [...last.values()].filter((entry) => entry.status !== 'failed').map((entry) => entry.faultId),
  );
  return entries.filter((entry) => entry.type === 'intent' && !done.has(entry.faultId));
}

/** Lock files left in the state folder. */
export function locksIn(stateDir: string): string[] {
  try {
    return readdirSync(path.join(stateDir, 'locks'));
  } catch {
    return [];
  }
}

/** Whether a process has ended (gone, or a zombie nobody has reaped yet). */
export function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/**
 * Waits until the run's watchdog has ended the ledger and exited. Returns the ledger, and the time
 * from `since` to the last revert the watchdog recorded (or to the end record when it reverted none).
 */
export async function watchdogFinished(
  stateDir: string,
  runId: string,
  watchdogPid: number,
  since: number,
  timeoutMs = 15_000,
): Promise<{ ledger: LedgerEntry[]; lastRevertMs: number }> {
  await waitFor(
    `the watchdog (pid ${watchdogPid}) to end run ${runId}`,
    async () => ledgerOf(stateDir, runId).some((entry) => entry.type === 'end') && processGone(watchdogPid),
    timeoutMs,
  );
  const ledger = ledgerOf(stateDir, runId);
  const times = ledger
    .filter((entry) => entry.type === 'reverted' && entry.by === 'watchdog')
    .map((entry) => Date.parse(entry.at!));
  const end = Date.parse(ledger.find((entry) => entry.type === 'end')!.at!);
  return { ledger, lastRevertMs: (times.length > 0 ? Math.max(...times) : end) - since };
}

/** Prints measurements (ms) on one line tagged [safety], so a run of the suite reports them. */
export function report(label: string, values: Record<string, number | string>): void {
  const parts = Object.entries(values).map(([key, value]) => `${key}=${value}`);
  console.log(`[safety] ${label}: ${parts.join(' ')}`);
}
