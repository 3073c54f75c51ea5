import { formatDuration } from '../../util/duration.js';
import { execa } from '../../util/lazy-execa.js';
import { type Observation, ProbeFailure } from '../observation.js';

/** Runs a host process from an argument list (never a shell string), in the experiment's folder. */
export async function observeCommand(
  argv: readonly string[],
  cwd: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Observation> {
  const [file, ...args] = argv as [string, ...string[]];
  const result = await execa(file, args, {
    cwd,
    reject: false,
    timeout: timeoutMs,
    cancelSignal: signal,
    stdin: 'ignore',
    maxBuffer: 1024 * 1024,
  });
  if (result.timedOut)
    throw new ProbeFailure(`${file} did not finish within ${formatDuration(timeoutMs)}`, 'unreachable');
  if (result.isCanceled) throw new ProbeFailure('cancelled', 'error');
  if (result.exitCode === undefined) {
    // The process never ran: a missing program or permission problem is the environment's fault.
    const code = (result.cause as NodeJS.ErrnoException | undefined)?.code;
    const why =
      code === 'ENOENT' ? 'no such program' : code === 'EACCES' ? 'permission denied' : result.shortMessage;
    throw new ProbeFailure(`cannot run ${file}: ${why}`, 'error');
  }
  return {
    kind: 'process',
    exitCode: result.exitCode,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    latencyMs: result.durationMs,
  };
}
