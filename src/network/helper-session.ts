import type { AttachedHelper } from '../docker/client.js';

/**
 * A helper's main program (POSIX sh: busybox, dash; constant text: nothing sent to it is ever parsed
 * as shell).
 * It reads commands from stdin and runs each as an argv array ("$@": no word splitting, no globbing),
 * its stdin the command's input, and answers `<exit code> <stdout bytes> <stderr bytes>` on a line,
 * then the command's stdout and stderr. A command is a line `<argc> <input lines>`, each argument on
 * a line, then the input's lines. busybox sh would run its own applets (tc, ip) before PATH, so a
 * bare name is looked up in PATH first, as docker exec does.
 *
 * The program first skips what comes before a line ending with the start marker, and answers the
 * marker with an empty answer: Podman's Docker-compatible API passes the body of the attach request
 * (its options as JSON, or an empty chunked body's terminator) on to the helper's stdin, where the
 * Docker Engine passes nothing.
 */
const START_MARKER = 'faultline-session-start';

const PROGRAM = `mkdir -p /tmp
while IFS= read -r line; do case $line in *${START_MARKER}) break ;; esac; done
printf '0 0 0\\n'
locate() {
  case $1 in */*) found=$1; return 0 ;; esac
  found=
  IFS=:
  for dir in $PATH; do
    if [ -f "$dir/$1" ] && [ -x "$dir/$1" ]; then found=$dir/$1; break; fi
  done
  unset IFS
  [ -n "$found" ]
}
while IFS=' ' read -r argc lines; do
  set --
  while [ "$argc" -gt 0 ]; do IFS= read -r arg; set -- "$@" "$arg"; argc=$((argc - 1)); done
  while [ "$lines" -gt 0 ]; do IFS= read -r line; printf '%s\\n' "$line"; lines=$((lines - 1)); done >/tmp/in
  if locate "$1"; then
    shift
    "$found" "$@" </tmp/in >/tmp/out 2>/tmp/err
    code=$?
  else
    echo "exec: \\"$1\\": executable file not found in \\$PATH" >/tmp/err
    : >/tmp/out
    code=127
  fi
  set -- $(wc -c /tmp/out /tmp/err)
  printf '%s %s %s\\n' "$code" "$1" "$3"
  cat /tmp/out /tmp/err
done`;

export const HELPER_SESSION_CMD = ['sh', '-c', PROGRAM];

export interface SessionResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Whether a command can go through a session: arguments on one line each, input as whole lines. */
export function framable(argv: readonly string[], input: string | undefined): boolean {
  if (argv.length === 0 || argv.some((arg) => arg.includes('\n') || arg.includes('\0'))) return false;
  return input === undefined || input === '' || (input.endsWith('\n') && !input.includes('\0'));
}

/** The bytes that send one command to the program above. */
export function frame(argv: readonly string[], input: string | undefined): string {
  const lines = input ? input.slice(0, -1).split('\n') : [];
  return `${argv.length} ${lines.length}\n${argv.join('\n')}\n${lines.map((line) => `${line}\n`).join('')}`;
}

/** The helper stopped answering: it ended, or a command outlived its time (`timedOut`). */
export class HelperSessionEnded extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

const ANSWER = /^(\d+) (\d+) (\d+)$/;

/** Commands sent to one attached helper, one at a time, each answered in turn. */
export class HelperSession {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private ended: string | undefined;
  private timedOut = false;
  private stderr = '';
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly helper: AttachedHelper) {
    helper.stdout.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    helper.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-2000);
    });
    helper.stdout.on('end', () => this.end('the helper stopped'));
    helper.stdin.on('error', () => this.end('the helper stopped'));
  }

  get id(): string {
    return this.helper.id;
  }

  /** Whether the helper has stopped answering (it ended, was closed or timed out). */
  get isEnded(): boolean {
    return this.ended !== undefined;
  }

  /**
   * Waits until the program answers the start marker: what an Engine put before it on stdin is
   * skipped, and a helper that cannot run the program is found out before any command is sent.
   */
  async start(timeoutMs: number): Promise<void> {
    const answer = await this.send(`\n${START_MARKER}\n`, timeoutMs);
    if (answer.exitCode !== 0 || answer.stdout || answer.stderr)
      throw new HelperSessionEnded('unexpected answer to the start marker', false);
  }

  /** Runs one command; rejects with HelperSessionEnded when the helper ends or the time runs out. */
  run(argv: readonly string[], input: string | undefined, timeoutMs: number): Promise<SessionResult> {
    return this.send(frame(argv, input), timeoutMs);
  }

  private send(bytes: string, timeoutMs: number): Promise<SessionResult> {
    const turn = this.queue.then(() => this.exchange(bytes, timeoutMs));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Ends the program (end of its input); the container is removed by its owner. */
  close(): void {
    this.end('closed');
    this.helper.stdin.end();
  }

  private end(why: string, timedOut = false): void {
    if (this.ended === undefined) this.timedOut = timedOut;
    this.ended ??= this.stderr.trim() ? `${why}: ${this.stderr.trim()}` : why;
    this.wake?.();
  }

  private async exchange(bytes: string, timeoutMs: number): Promise<SessionResult> {
    if (this.ended !== undefined) throw new HelperSessionEnded(this.ended, this.timedOut);
    const timer = setTimeout(() => this.end(`no answer within ${timeoutMs / 1000} s`, true), timeoutMs);
    try {
      this.helper.stdin.write(bytes);
      for (;;) {
        const answer = this.take();
        if (answer) return answer;
        if (this.ended !== undefined) throw new HelperSessionEnded(this.ended, this.timedOut);
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      clearTimeout(timer);
      this.wake = undefined;
    }
  }

  /** The first whole answer in the buffer, removed from it; undefined while it is not all there. */
  private take(): SessionResult | undefined {
    const newline = this.buffer.indexOf(10);
    if (newline < 0) return undefined;
    const match = ANSWER.exec(this.buffer.subarray(0, newline).toString('latin1'));
    if (!match) {
      this.end(`unexpected answer from the helper: ${this.buffer.subarray(0, 200).toString('utf8')}`);
      return undefined;
    }
    const [exitCode, outBytes, errBytes] = match.slice(1).map(Number) as [number, number, number];
    const start = newline + 1;
    if (this.buffer.length < start + outBytes + errBytes) return undefined;
    const stdout = this.buffer.subarray(start, start + outBytes).toString('utf8');
    const stderr = this.buffer.subarray(start + outBytes, start + outBytes + errBytes).toString('utf8');
    this.buffer = this.buffer.subarray(start + outBytes + errBytes);
    return { exitCode, stdout, stderr };
  }
}
