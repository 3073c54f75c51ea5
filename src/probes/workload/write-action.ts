import { formatDuration } from '../../util/duration.js';
import { checkHeaders } from '../../util/http-headers.js';
import { observeCommand } from '../command/observe.js';
import { sendHttp } from '../http-request.js';
import { type Observation, ProbeFailure } from '../observation.js';
import { argvWithId, bodyWithId, urlWithId, withId } from './ids.js';
import type { AckSpec, HttpWriteSpec, Told, WriteOutcome, WriteSpec } from './types.js';

/** What one write came to. `toolError`: it could not be attempted for the tool's or environment's reason. */
export interface WriteResult {
  outcome: WriteOutcome;
  told: Told;
  toolError?: true;
}

/** Performs the write with this id; settles by its deadline, whatever the system does. */
export type WriteAction = (id: string) => Promise<WriteResult>;

/**
 * Runs a command in the write's container and reports its exit: the engine passes
 * `(argv, t, signal) => observeExec(docker, target, argv, t, signal)`. It rejects with a ProbeFailure
 * when the command could not run (`unreachable`: the container is not running; `error`: Docker is not).
 */
export type ExecInTarget = (
  argv: readonly string[],
  timeoutMs: number,
  signal: AbortSignal,
) => Promise<Observation>;

export interface WriteDeps {
  /** Folder a host command runs in (the experiment file's folder). */
  cwd: string;
  /** Needed for an `exec` write. */
  execInTarget?: ExecInTarget | undefined;
}

/** How much of an answer a record keeps. */
export const EXCERPT_CHARS = 200;
/** A process runner's own deadline sits this far past the write's, so the write's decides. */
const BACKSTOP_MS = 1000;

/**
 * Errors raised before a connection exists: nothing reached the system, so the write was refused.
 * Any other error (reset, hang-up, a body cut short) may come after the request left: indeterminate.
 */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

export function writeAction(
  spec: WriteSpec,
  timeoutMs: number,
  ack: AckSpec | undefined,
  deps: WriteDeps,
): WriteAction {
  if (spec.http) return httpWrite(spec.http, timeoutMs, ack);
  if (spec.command) {
    const argv = spec.command;
    return (id) =>
      withDeadline(timeoutMs, (signal) =>
        observeCommand(argvWithId(argv, id), deps.cwd, timeoutMs + BACKSTOP_MS, signal),
      );
  }
  const { execInTarget } = deps;
  if (!execInTarget) throw new Error('an exec write needs a way to run a command in its target');
  const argv = spec.exec.command;
  return (id) =>
    withDeadline(timeoutMs, (signal) => execInTarget(argvWithId(argv, id), timeoutMs + BACKSTOP_MS, signal));
}

/** Whether an HTTP status acknowledges a write: one of `ack.status` (codes or classes), 2xx by default. */
export function isAcknowledging(status: number, ack: AckSpec | undefined): boolean {
  const wanted = ack?.status ?? ['2xx'];
  return wanted.some((entry) =>
    typeof entry === 'number' ? entry === status : Math.floor(status / 100) === Number(entry[0]),
  );
}

function httpWrite(spec: HttpWriteSpec, timeoutMs: number, ack: AckSpec | undefined): WriteAction {
  return async (id) => {
    const headers = checkHeaders(
      Object.fromEntries(
        Object.entries(spec.headers ?? {}).map(([name, value]) => [name, withId(value, id)]),
      ),
    );
    if (!headers.ok)
      return { outcome: 'refused', told: { kind: 'error', message: headers.problem }, toolError: true };
    const url = urlWithId(spec.url, id);
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      const message = `not an http:// or https:// URL: ${url}`;
      return { outcome: 'refused', told: { kind: 'error', message }, toolError: true };
    }
    const body = renderBody(spec.body, id, headers.headers);
    const request = { url, method: spec.method, headers: headers.headers, body };
    return withDeadline(timeoutMs, async (signal) => {
      const answer = await sendHttp(request, signal, EXCERPT_CHARS);
      const told: Told = { kind: 'http', status: answer.status, body: answer.body };
      return { outcome: isAcknowledging(answer.status, ack) ? 'acknowledged' : 'refused', told };
    });
  };
}

/** A string body as written; any other value as JSON, with a JSON content-type unless one is given. */
function renderBody(body: unknown, id: string, headers: Record<string, string>): string | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return withId(body, id);
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  return JSON.stringify(bodyWithId(body, id));
}

/**
 * Runs `attempt` with a deadline: past it the write is indeterminate (the system may have done it) and
 * the attempt is told to stop. A process's exit 0 is acknowledged, another exit refused; an error
 * before any connection (or a container not running) refused; a tool error refused and marked so.
 */
async function withDeadline(
  timeoutMs: number,
  attempt: (signal: AbortSignal) => Promise<Observation | WriteResult>,
): Promise<WriteResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<WriteResult>((resolve) => {
    timer = setTimeout(() => {
      resolve(noAnswer(timeoutMs));
      controller.abort(new Error('deadline'));
    }, timeoutMs);
  });
  const tried = attempt(controller.signal).then(
    (result) => ('kind' in result ? fromProcess(result) : result),
    (error: unknown) => (controller.signal.aborted ? noAnswer(timeoutMs) : fromError(error)),
  );
  try {
    return await Promise.race([tried, late]);
  } finally {
    clearTimeout(timer);
  }
}

function noAnswer(timeoutMs: number): WriteResult {
  return {
    outcome: 'indeterminate',
    told: { kind: 'error', message: `no answer within ${formatDuration(timeoutMs)}` },
  };
}

function fromProcess(observation: Observation): WriteResult {
  if (observation.kind !== 'process') throw new Error(`a write observes a process, not ${observation.kind}`);
  const output = (observation.stderr.trim() || observation.stdout.trim()).slice(0, EXCERPT_CHARS);
  const told: Told = { kind: 'process', exitCode: observation.exitCode, output };
  return { outcome: observation.exitCode === 0 ? 'acknowledged' : 'refused', told };
}

function fromError(error: unknown): WriteResult {
  if (error instanceof ProbeFailure) {
    const told: Told = { kind: 'error', message: error.message };
    return error.kind === 'error'
      ? { outcome: 'refused', told, toolError: true }
      : { outcome: 'refused', told };
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const told: Told = { kind: 'error', message: code ? `${code.toLowerCase()}: ${message}` : message };
  return { outcome: code && NOT_SENT.has(code) ? 'refused' : 'indeterminate', told };
}
