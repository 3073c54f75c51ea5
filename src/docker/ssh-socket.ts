import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { EnvironmentError } from '../errors.js';
import type { SshDestination } from './ssh-command.js';

export interface SshProcess {
  /** The ssh program, `ssh` unless told otherwise. */
  command: string;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  destination: SshDestination;
}

/** Enough of ssh's stderr to explain a failure; the start of a long one is dropped. */
const STDERR_LIMIT = 4096;

interface Refable {
  ref?(): void;
  unref?(): void;
}

/**
 * A connection to the Docker Engine through one `ssh ... docker system dial-stdio` process: what is
 * written goes to its stdin, what it prints is read. It behaves enough like a net.Socket for an
 * http.Agent to pool it (setTimeout, setKeepAlive, ref/unref). Destroying it kills the process; the
 * process ending early (before the Engine said anything, or with a non-zero code) destroys it with
 * an error that carries ssh's own words ("Permission denied (publickey)", "Could not resolve
 * hostname ...").
 */
export class SshSocket extends Duplex {
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';
  private received = false;
  private idleMs = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ssh: SshProcess) {
    super({ allowHalfOpen: false });
    // A process group of its own: the Ctrl-C that makes faultline revert its faults must not also
    // cut the connection the reverts go through. Without a terminal, ssh cannot stop to ask for a
    // password or a host key confirmation: it fails with a message instead of hanging.
    this.child = spawn(ssh.command, [...ssh.argv], {
      env: ssh.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      windowsHide: true,
    });
    const { child } = this;
    child.stdout.on('data', (chunk: Buffer) => {
      this.received = true;
      this.touch();
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_LIMIT);
    });
    // Writing to an ssh that has gone fails with EPIPE; its exit (below) says why it went.
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => this.destroy(new SshConnectionError(ssh, describeSpawnError(error), error)));
    child.on('close', (code, signal) => this.exited(code, signal));
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.destroyed) return;
    if (code === 0 && this.received) {
      this.push(null);
      return;
    }
    const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
    const said = oneLine(this.stderr);
    const before = this.received ? '' : ' before the Docker Engine answered';
    this.destroy(new SshConnectionError(this.ssh, `ssh ${how}${before}${said ? `: ${said}` : ''}`));
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.touch();
    this.child.stdin.write(chunk, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child.stdin.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    callback(error);
  }

  /**
   * The idle time after which 'timeout' is emitted, as net.Socket#setTimeout: 0 turns it off and
   * removes the listener given with it (node's http client relies on that after each response).
   */
  setTimeout(ms: number, listener?: () => void): this {
    this.idleMs = ms;
    if (listener && ms === 0) this.removeListener('timeout', listener);
    else if (listener) this.once('timeout', listener);
    this.touch();
    return this;
  }

  get timeout(): number {
    return this.idleMs;
  }

  setKeepAlive(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  /** An idle pooled connection must not keep faultline running: unref lets the process exit. */
  unref(): this {
    for (const handle of this.handles()) handle.unref?.();
    return this;
  }

  ref(): this {
    for (const handle of this.handles()) handle.ref?.();
    return this;
  }

  private handles(): Refable[] {
    const { child } = this;
    return [child, child.stdin as Refable, child.stdout as Refable, child.stderr as Refable];
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    if (this.idleMs <= 0 || this.destroyed) return;
    this.idleTimer = setTimeout(() => this.emit('timeout'), this.idleMs);
    this.idleTimer.unref();
  }
}

function describeSpawnError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return `the ssh program (${error.path ?? 'ssh'}) was not found`;
  return `ssh could not be started: ${error.message}`;
}

function oneLine(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .join('; ');
}

export class SshConnectionError extends EnvironmentError {
  constructor(ssh: SshProcess, reason: string, cause?: unknown) {
    const { user, port, host, shown } = ssh.destination;
    const check = [
      ssh.command,
      ...(user ? ['-l', user] : []),
      ...(port ? ['-p', port] : []),
      host,
      'docker version',
    ];
    super('DOCKER_SSH_FAILED', `cannot reach the Docker Engine over ssh at ${shown}: ${reason}`, {
      hint: `Check that \`${check.join(' ')}\` works in a shell without asking anything: the key loaded in ssh-agent or named in ~/.ssh/config, the host in known_hosts, and docker installed and usable by that user on the host.`,
      cause,
    });
  }
}
