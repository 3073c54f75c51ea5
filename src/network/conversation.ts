import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Spawned } from './spawn-command.js';

/**
 * One process that runs a look (iptables-save) and then, once the caller has read it and decided,
 * the one follow-up the caller picks (iptables-restore with a batch, or nft delete table), or none:
 * one process where two would do the same in turn.
 *
 * A constant POSIX sh script; nothing sent to it is parsed as shell. Its arguments are a mark (a fresh
 * random word), then each command's argv followed by the mark. It runs the first command with no
 * stdin, prints `\n<mark> <exit code>` on stdout and `\n<mark>` on stderr, then reads one line: a
 * number k runs the k-th follow-up (from 0) with the rest of stdin as its input, as the process
 * itself (exec: its exit code is the process's); anything else, or the end of stdin, ends it.
 */
export const CONVERSATION_SCRIPT = `mark=$1; shift
part() {
  k=$1; shift
  while [ "$k" -gt 0 ]; do
    while [ "$1" != "$mark" ]; do [ $# -gt 1 ] || exit 127; shift; done
    shift; k=$((k - 1))
  done
  [ $# -gt 1 ] || exit 127
  n=0
  for arg; do [ "$arg" = "$mark" ] && break; n=$((n + 1)); done
  rest=$(($# - n)); i=0
  while [ "$i" -lt "$n" ]; do set -- "$@" "$1"; shift; i=$((i + 1)); done
  shift "$rest"
  exec "$@"
}
(part 0 "$@") </dev/null
printf '\\n%s %s\\n' "$mark" "$?"
printf '\\n%s\\n' "$mark" >&2
IFS= read -r step || exit 0
case $step in ''|*[!0-9]*) exit 0 ;; esac
part "$((step + 1))" "$@"`;

/** `sh -c <script> sh <mark> <look…> <mark> <follow-up…> <mark> …`: the arguments of the process. */
export function conversationArgs(mark: string, commands: readonly (readonly string[])[]): string[] {
  return ['sh', '-c', CONVERSATION_SCRIPT, 'sh', mark, ...commands.flatMap((argv) => [...argv, mark])];
}

/** After a time limit's SIGTERM, how long the process has to end before it is killed outright. */
const FORCE_KILL_MS = 2000;

type Stopped = Extract<Spawned, { exitCode: undefined }>;

/**
 * `file prefix… sh -c <script> …` (nsenter's arguments, then the conversation): `commands[0]` is the
 * look, the others the follow-ups. Each step has `timeoutMs`; a look nobody answers within it ends
 * the process. `look` resolves with what the look did, or how the process ended before it was done.
 */
export class Conversation {
  readonly look: Promise<Spawned>;
  private state: 'look' | 'waiting' | 'answered' | 'ended' = 'look';
  private readonly out: Buffer[] = [];
  private readonly err: Buffer[] = [];
  /** Where the follow-up's output starts (after the look's and the marks), in bytes. */
  private from = { out: 0, err: 0 };
  private settle: (result: Spawned) => void = () => undefined;
  private stopped: Pick<Stopped, 'why' | 'ended'> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private force: NodeJS.Timeout | undefined;
  private readonly child: ChildProcessWithoutNullStreams | undefined;
  private readonly closed: Promise<void>;
  private readonly mark = `faultline-${randomUUID()}`;
  /** Whether each stream's mark has come yet, and its last bytes (where a mark may start). */
  private readonly marked = { out: { seen: false, tail: '' }, err: { seen: false, tail: '' } };
  /** The command of the step under way, to name it when it is stopped. */
  private current = '';

  constructor(
    private readonly file: string,
    private readonly prefix: readonly string[],
    private readonly commands: readonly (readonly string[])[],
    private readonly timeoutMs: number,
  ) {
    this.look = new Promise((resolve) => {
      this.settle = resolve;
    });
    const command = this.show(0);
    try {
      // A process group of its own, so that a time limit stops the look (a child of the script) too.
      this.child = spawn(file, [...prefix, ...conversationArgs(this.mark, commands)], { detached: true });
    } catch (error) {
      const why = `${error instanceof Error ? error.message : String(error)}: ${command}`;
      this.state = 'ended';
      this.closed = Promise.resolve();
      this.settle({ exitCode: undefined, stdout: '', stderr: '', why, ended: 'never' });
      return;
    }
    const child = this.child;
    this.limit(command);
    child.stdout.on('data', (chunk: Buffer) => this.took(this.out, chunk));
    child.stderr.on('data', (chunk: Buffer) => this.took(this.err, chunk));
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      this.stopped ??= { why: `${error.message}: ${command}`, ended: 'never' };
    });
    // Should the script die during the look (killed from outside), the look would keep the pipes open.
    // Its process group lives as long as the look does, so the group is still this conversation's.
    child.on('exit', () => {
      if (this.state === 'look') this.kill('SIGKILL');
    });
    this.closed = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.ended(code, signal);
        resolve();
      });
    });
  }

  /** Whether the process waits for an answer: the look is done and nothing was answered yet. */
  get waiting(): boolean {
    return this.state === 'waiting';
  }

  /** Runs follow-up `choice` (from 0) with `input` on its stdin; only while `waiting`. */
  answer(choice: number, input?: string): Promise<Spawned> {
    if (this.state !== 'waiting' || !this.child) throw new Error('the conversation waits for no answer');
    this.state = 'answered';
    this.limit(this.show(choice + 1));
    const answered = new Promise<Spawned>((resolve) => {
      this.settle = resolve;
    });
    this.child.stdin.end(`${choice}\n${input ?? ''}`);
    return answered;
  }

  /** Ends the process without a follow-up, and waits for it (at once when it has ended already). */
  async end(): Promise<void> {
    if (this.state === 'waiting') this.child?.stdin.end();
    await this.closed;
  }

  /** A step as it would run on its own: `nsenter -t 42 -n -- iptables-nft-restore -w 5 --noflush`. */
  private show(index: number): string {
    return [this.file, ...this.prefix, ...(this.commands[index] ?? [])].join(' ');
  }

  private limit(step: string): void {
    this.current = step;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.stopped = {
        why: `Command timed out after ${this.timeoutMs} milliseconds: ${step}`,
        ended: 'timeout',
      };
      this.kill('SIGTERM');
      this.force = setTimeout(() => this.kill('SIGKILL'), FORCE_KILL_MS);
    }, this.timeoutMs);
  }

  private kill(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.state === 'ended') return;
    try {
      process.kill(-pid, signal);
    } catch {
      this.child?.kill(signal);
    }
  }

  private took(chunks: Buffer[], chunk: Buffer): void {
    chunks.push(chunk);
    if (this.state !== 'look') return;
    // Each stream is searched as a whole only once its mark has come (it may span two chunks): a long
    // look (iptables-save of a large ruleset) is not decoded again at every chunk.
    const stream = chunks === this.out ? 'out' : 'err';
    const marked = this.marked[stream];
    const text = marked.tail + chunk.toString('latin1');
    marked.seen ||= text.includes(`\n${this.mark}`);
    marked.tail = text.slice(-this.mark.length);
    if (!this.marked.out.seen || !this.marked.err.seen) return;
    const stdout = Buffer.concat(this.out).toString('utf8');
    const stderr = Buffer.concat(this.err).toString('utf8');
    const outMark = stdout.indexOf(`\n${this.mark} `);
    const lineEnd = outMark < 0 ? -1 : stdout.indexOf('\n', outMark + 1);
    const errMark = stderr.indexOf(`\n${this.mark}\n`);
    if (lineEnd < 0 || errMark < 0) return;
    const exitCode = Number(stdout.slice(outMark + this.mark.length + 2, lineEnd));
    this.from = {
      out: Buffer.byteLength(stdout.slice(0, lineEnd + 1)),
      err: Buffer.byteLength(stderr.slice(0, errMark + this.mark.length + 2)),
    };
    this.state = 'waiting';
    // Nobody answers in time: stdin is closed, and the process ends rather than waiting for ever.
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.child?.stdin.end(), this.timeoutMs);
    this.settle({ exitCode, stdout: stdout.slice(0, outMark), stderr: stderr.slice(0, errMark) });
  }

  private ended(code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(this.timer);
    clearTimeout(this.force);
    const step = this.state;
    this.state = 'ended';
    if (step !== 'look' && step !== 'answered') return;
    const stdout = Buffer.concat(this.out).subarray(this.from.out).toString('utf8');
    const stderr = Buffer.concat(this.err).subarray(this.from.err).toString('utf8');
    if (code !== null && this.stopped === undefined) {
      this.settle({ exitCode: code, stdout, stderr });
      return;
    }
    const { why, ended } = this.stopped ?? {
      why: `Command was killed with ${signal ?? 'a signal'}: ${this.current}`,
      ended: 'signal' as const,
    };
    this.settle({ exitCode: undefined, stdout, stderr, why, ended, signal: signal ?? undefined });
  }
}
