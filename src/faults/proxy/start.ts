import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ProxyConfig, ProxyEvent } from './config.js';

/**
 * Starts the fault proxy (src/proxy/) for one fault and stops it again. The proxy runs detached, so a
 * run that dies does not take it along mid-fault without its rules being undone first; its stdout and
 * stderr go to a file next to its configuration (a pipe would stall it once nobody reads), where its
 * events are read back.
 */

/**
 * The built proxy program, dist/proxy/main.js: found from the package root, so the same path holds
 * whether this module runs from dist/ or, in the tests, from src/.
 */
export const PROXY_MAIN = fileURLToPath(new URL('../../../dist/proxy/main.js', import.meta.url));
export const READY_TIMEOUT_MS = 5000;

/** The last arguments of a proxy's command line: how an undo finds it (and only it) among processes. */
export function proxyMarker(runId: string, faultId: string): string[] {
  return ['faultline-proxy', runId, faultId];
}

/** nsenter enters only the target's network namespace: the proxy runs as faultline's own node. */
export function proxyCommand(
  targetPid: number,
  configFile: string,
  marker: readonly string[],
  main = PROXY_MAIN,
) {
  return ['nsenter', `--net=/proc/${targetPid}/ns/net`, '--', process.execPath, main, configFile, ...marker];
}

/** A running proxy, wherever it runs (a host process, a helper container). */
export interface StartedProxy {
  /** How messages name it: `pid 4242`, `container faultline-proxy-<run>-<fault>`. */
  where: string;
  /** The command that stops it by hand. */
  remedy: string;
  ready: Extract<ProxyEvent, { event: 'ready' }>;
  /** SIGTERM, then SIGKILL once the drain time is over. Idempotent. */
  stop(): Promise<'stopped' | 'already-gone'>;
  /** Every event the proxy has printed so far. */
  events(): Promise<ProxyEvent[]>;
}

/** The proxy as a host process (the nsenter way). */
export interface StartedProcess extends StartedProxy {
  pid: number;
}

export class ProxyStartError extends Error {}

/** The proxy's JSON event lines in its output; other lines (and a line cut short) are skipped. */
export function parseEvents(text: string): ProxyEvent[] {
  const events: ProxyEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      events.push(JSON.parse(line) as ProxyEvent);
    } catch {
      // A line cut in the middle of being written: read again on the next look.
    }
  }
  return events;
}

export const lastLines = (text: string) => text.trim().split('\n').slice(-5).join(' | ') || 'no output';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The listening ports of `config` that a `ready` event does not name. */
export function unboundPorts(ready: Extract<ProxyEvent, { event: 'ready' }>, config: ProxyConfig): number[] {
  return config.listeners
    .filter((listener) => !ready.listeners.some((bound) => bound.port === listener.listen.port))
    .map((listener) => listener.listen.port);
}

/**
 * Spawns `argv` detached, its output appended to `output`, and waits for its `ready` event naming
 * every listener of `config`. Exiting first, or no `ready` within the timeout, is an error (the
 * process is killed first).
 */
export async function startProxy(
  argv: readonly string[],
  config: ProxyConfig,
  output: string,
  timeoutMs = READY_TIMEOUT_MS,
): Promise<StartedProcess> {
  const fd = openSync(output, 'a');
  let child: ChildProcess;
  try {
    child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = signal ? `killed by ${signal}` : `exit ${code}`;
      resolve();
    });
    child.once('error', (error) => {
      exited = error.message;
      resolve();
    });
  });
  child.unref();
  const text = () => readFile(output, 'utf8').catch(() => '');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = parseEvents(await text()).find((event) => event.event === 'ready');
    if (ready && ready.event === 'ready') {
      const missing = unboundPorts(ready, config);
      if (missing.length === 0) return started(child, ready, exit, () => exited, text, config.drainMs);
      await stop(child, exit, () => exited, 0);
      throw new ProxyStartError(`the proxy did not bind port ${missing.join(', ')}`);
    }
    if (exited !== undefined)
      throw new ProxyStartError(
        `the proxy stopped before it was ready (${exited}): ${lastLines(await text())}`,
      );
    if (Date.now() > deadline) {
      await stop(child, exit, () => exited, 0);
      throw new ProxyStartError(`the proxy was not ready within ${timeoutMs}ms: ${lastLines(await text())}`);
    }
    await Promise.race([exit, sleep(20)]);
  }
}

function started(
  child: ChildProcess,
  ready: Extract<ProxyEvent, { event: 'ready' }>,
  exit: Promise<void>,
  exited: () => string | undefined,
  text: () => Promise<string>,
  drainMs: number,
): StartedProcess {
  let stopping: Promise<'stopped' | 'already-gone'> | undefined;
  return {
    pid: child.pid!,
    where: `pid ${child.pid!}`,
    remedy: `kill ${child.pid!}`,
    ready,
    stop: () => {
      stopping ??= stop(child, exit, exited, drainMs);
      return stopping;
    },
    events: async () => parseEvents(await text()),
  };
}

async function stop(
  child: ChildProcess,
  exit: Promise<void>,
  exited: () => string | undefined,
  drainMs: number,
): Promise<'stopped' | 'already-gone'> {
  if (exited() !== undefined) return 'already-gone';
  for (const [signal, waitMs] of [
    ['SIGTERM', drainMs + 1000],
    ['SIGKILL', 2000],
  ] as const) {
    try {
      child.kill(signal);
    } catch {
      // Gone between the look and the signal.
    }
    await Promise.race([exit, sleep(waitMs)]);
    if (exited() !== undefined) return 'stopped';
  }
  throw new ProxyStartError(`the proxy (pid ${child.pid}) did not exit after SIGKILL`);
}
