/**
 * Signals processes inside a target's PID namespace from a helper container that shares it, each only
 * if it is still the process that was picked: the same PID and the same start time.
 *
 * `sh -c SIGNAL_SCRIPT faultline-signal <NAME> <stopped-only: 0|1> <pid>:<start ticks>...` prints one
 * line per process: `sent <pid>`, `gone <pid>` (exited, or its PID now names another process),
 * `running <pid>` (stopped-only, and it was not stopped: the signal is sent all the same, since a SIGCONT
 * also clears a SIGSTOP the process has not taken yet) or `refused <pid> <why>`. Only the shell's
 * builtins (read, set, kill) are used, so any image with a POSIX sh works (busybox, dash). A constant:
 * no input is ever part of the script.
 */
export const SIGNAL_SCRIPT = [
  'sig=$1; only=$2; shift 2',
  'for e in "$@"; do',
  '  pid=${e%%:*}; want=${e#*:}',
  '  { read -r line < "/proc/$pid/stat"; } 2>/dev/null || { echo "gone $pid"; continue; }',
  '  rest=${line##*) }',
  '  set -- $rest',
  '  [ "${20}" = "$want" ] || { echo "gone $pid"; continue; }',
  // Not stopped (yet): the signal still goes, so a SIGCONT clears a SIGSTOP not taken yet.
  '  [ "$only" = 1 ] && [ "$1" != T ] && { kill -s "$sig" "$pid" 2>/dev/null; echo "running $pid"; continue; }',
  '  if err=$(kill -s "$sig" "$pid" 2>&1); then echo "sent $pid"; else echo "refused $pid $err"; fi',
  'done',
].join('\n');

export interface Signalled {
  sent: number[];
  gone: number[];
  running: number[];
  refused: { pid: number; why: string }[];
}

/** Reads SIGNAL_SCRIPT's output. */
export function parseSignalled(output: string): Signalled {
  const result: Signalled = { sent: [], gone: [], running: [], refused: [] };
  for (const line of output.split('\n')) {
    const [word, pid, ...why] = line.trim().split(' ');
    if (word === 'refused') result.refused.push({ pid: Number(pid), why: why.join(' ') || 'refused' });
    else if (word === 'sent' || word === 'gone' || word === 'running') result[word].push(Number(pid));
  }
  return result;
}

/** The script's arguments for `signal` (SIGSTOP or STOP) to these processes. */
export function signalArgs(
  signal: string,
  processes: readonly { pid: number; startTicks: number }[],
  stoppedOnly: boolean,
): string[] {
  return [
    signal.replace(/^SIG/, ''),
    stoppedOnly ? '1' : '0',
    ...processes.map((entry) => `${entry.pid}:${entry.startTicks}`),
  ];
}
