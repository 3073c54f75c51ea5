import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';

/**
 * How a process ended: its exit code, or why it has none. `ended` says whether it ran at all: `never`
 * (it could not be started), `timeout` (killed at the time limit) or `signal` (killed by a signal).
 */
export type Spawned =
  | { exitCode: number; stdout: string; stderr: string }
  | {
      exitCode: undefined;
      stdout: string;
      stderr: string;
      why: string;
      ended: 'never' | 'timeout' | 'signal';
      signal?: NodeJS.Signals | undefined;
    };

export interface SpawnOptions {
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: string | undefined;
  timeoutMs: number;
}

/** After a timeout's SIGTERM, how long a process has to end before it is killed outright. */
const FORCE_KILL_MS = 2000;

/**
 * Runs a program (an argument array, no shell) and returns what it did as data, never throwing. A
 * plain child_process.spawn: the hot path of network faults runs one per namespace and command, and
 * this costs about half of what execa's piping and result object cost per process.
 */
export function spawnCommand(file: string, args: readonly string[], options: SpawnOptions): Promise<Spawned> {
  return new Promise((resolve) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8');
    const command = [file, ...args].join(' ');
    let why: string | undefined;
    let ended: 'never' | 'timeout' | 'signal' = 'signal';
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, args, { stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      resolve({ exitCode: undefined, stdout: '', stderr: '', why: `${message}: ${command}`, ended: 'never' });
      return;
    }
    let force: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      why = `Command timed out after ${options.timeoutMs} milliseconds: ${command}`;
      ended = 'timeout';
      child.kill('SIGTERM');
      force = setTimeout(() => child.kill('SIGKILL'), FORCE_KILL_MS);
    }, options.timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      if (why === undefined) ended = 'never';
      why ??= `${error.message}: ${command}`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(force);
      if (code !== null && why === undefined) {
        resolve({ exitCode: code, stdout: text(stdout), stderr: text(stderr) });
        return;
      }
      why ??= `Command was killed with ${signal ?? 'a signal'}: ${command}`;
      resolve({
        exitCode: undefined,
        stdout: text(stdout),
        stderr: text(stderr),
        why,
        ended,
        signal: signal ?? undefined,
      });
    });
    if (child.stdin) {
      // A program that exits without reading all of its input closes the pipe: its exit code says why.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}

/** The exit code a shell reports for a process that was stopped: 124 at its time limit, 128 + n for signal n. */
export function shellExitCode(result: {
  ended: 'never' | 'timeout' | 'signal';
  signal?: NodeJS.Signals | undefined;
}): number {
  if (result.ended === 'timeout') return 124;
  return 128 + ((result.signal && osConstants.signals[result.signal]) || 0);
}
