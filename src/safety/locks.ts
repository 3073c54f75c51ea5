import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { DockerEndpoint } from '../docker/endpoint.js';
import { EnvironmentError } from '../errors.js';
import type { Target } from '../targets/target.js';
import { createExclusive, readRaw, removeQuiet, replaceAtomically } from './atomic-file.js';
import {
  containerOfLockName,
  engineIdentity,
  isDefaultEngine,
  LOCK_SUFFIX,
  lockFileName,
} from './lock-engine.js';
import { processStartTime, processState, thisHost } from './process-identity.js';

/**
 * Per-container locks, so two runs never fault one container (they would undo each other).
 *
 * A lock is a file per container and Engine (see lock-engine.ts for its name), holding the run id, the
 * Engine, the machine and the pid and start time of the process that holds it. It only ever appears
 * whole: it is written to a private file first and then hard-linked into place, which fails if a lock
 * is already there. A lock whose process is gone, or whose pid now belongs to another process (another
 * start time), is stale. A lock taken on another machine (a state folder shared between machines) is
 * never judged by a pid, which means nothing here: it holds until its expiry, the latest time its run
 * and that run's watchdog can still be at work, has passed; a lock from another machine that carries
 * no expiry holds until it is released. Replacing a stale lock is the one
 * step that could race (two takers both seeing it stale), so it is guarded: only whoever creates
 * `<lock>.<digest of the stale content>` may replace that content, and that guard file is itself a
 * lock, taken the same way. Exactly one taker replaces a given stale lock; every other one then finds a
 * live lock and is refused.
 */

export interface LockHolder {
  runId: string;
  pid: number;
  /** Start time of the process (from /proc), so a reused pid is not taken for the holder. */
  startTime?: string | undefined;
  container: string;
  file: string;
  /** The Engine the container is on (engineIdentity); the default socket for locks that predate it. */
  endpoint: string;
  /** The machine that took the lock; absent in locks that predate it (taken as this machine). */
  hostname?: string | undefined;
  /** Epoch ms after which a lock from another machine is stale (its run and watchdog are over). */
  expiresAt?: number | undefined;
}

/** What a run says about itself when it takes its locks, besides its id and file. */
export interface LockOptions {
  /** The Engine the targets are on; the default local socket when absent. */
  endpoint?: DockerEndpoint | undefined;
  /** Epoch ms by which the run and its watchdog are over, for readers on other machines. */
  expiresAt?: number | undefined;
}

export class ContainerBusyError extends EnvironmentError {
  constructor(holders: string[]) {
    super(
      'CONTAINER_BUSY',
      `another faultline run is faulting the same container(s):\n  ${holders.join('\n  ')}`,
      {
        hint: 'Wait for that run to end (`faultline status` lists active runs). Two runs on one container would undo each other.',
      },
    );
  }
}

export class LockStuckError extends EnvironmentError {
  constructor(file: string) {
    super('LOCK_STUCK', `cannot take the lock ${file}: its stale guards are nested too deep`, {
      hint: 'No faultline run should be using it; remove the files named after it, then run again.',
    });
  }
}

/**
 * How a holder is named in refusals: run id, pid and experiment file, then the machine when it is not
 * this one, and the Engine when it is not the default socket.
 */
export function describeHolder(holder: LockHolder): string {
  const where: string[] = [];
  if (holder.hostname !== undefined && holder.hostname !== thisHost()) {
    const until =
      holder.expiresAt === undefined
        ? 'until that run releases it'
        : `until ${new Date(holder.expiresAt).toISOString()} at the latest`;
    where.push(`on host ${holder.hostname}, whose processes cannot be checked from here: held ${until}`);
  }
  if (!isDefaultEngine(holder.endpoint)) where.push(`engine ${holder.endpoint}`);
  const described = `run ${holder.runId} (pid ${holder.pid}, ${holder.file})`;
  return where.length === 0 ? described : `${described} ${where.join('; ')}`;
}

/** Guards on guards: one level per process that died in the middle of a takeover. */
const MAX_GUARD_DEPTH = 8;
/** Attempts before giving up on a file that keeps appearing and vanishing under us. */
const MAX_ATTEMPTS = 100;
/** How long a guard written by a release may stand in for its writer on another machine. */
const GUARD_EXPIRY_MS = 60_000;

function lockDir(stateDir: string): string {
  return path.join(stateDir, 'locks');
}

function lockPath(stateDir: string, containerId: string, engine: string): string {
  return path.join(lockDir(stateDir), lockFileName(containerId, engine));
}

type Claim = { won: true } | { won: false; holder: LockHolder };

/**
 * Takes the lock on every container the run will fault, on the Engine `options.endpoint` names. A
 * stale lock is taken over. Throws ContainerBusyError, taking nothing, when another live run holds any
 * of them.
 */
export function acquireLocks(
  stateDir: string,
  runId: string,
  file: string,
  targets: readonly Target[],
  options: LockOptions = {},
): void {
  mkdirSync(lockDir(stateDir), { recursive: true });
  const engine = engineIdentity(options.endpoint);
  const taken: { lockFile: string; content: string }[] = [];
  const busy: string[] = [];
  for (const target of new Map(targets.map((item) => [item.id, item])).values()) {
    const lockFile = lockPath(stateDir, target.id, engine);
    const content = JSON.stringify(identity(runId, file, target.name, engine, options.expiresAt));
    const claim = claimFile(lockFile, content, 0);
    if (claim.won) taken.push({ lockFile, content });
    else if (claim.holder.runId !== runId) busy.push(`${target.name}: ${describeHolder(claim.holder)}`);
  }
  if (busy.length > 0) {
    for (const { lockFile, content } of taken) removeIfUnchanged(lockFile, content, content);
    throw new ContainerBusyError(busy);
  }
}

/** Frees every lock a run holds. Safe to call from another process (the watchdog, `recover`). */
export function releaseLocks(stateDir: string, runId: string): void {
  // A guard is held for an instant; the expiry only matters to readers on other machines.
  const me = JSON.stringify(identity(runId, '', '', '', Date.now() + GUARD_EXPIRY_MS));
  for (const [lockFile, raw] of readLocks(stateDir)) {
    if (parseHolder(raw)?.runId === runId) removeIfUnchanged(lockFile, raw, me);
  }
}

/**
 * Container id → the live run holding it, on the Engine `endpoint` names; without one, on any Engine
 * (as before locks named their Engine). Stale locks are left out.
 */
export function lockHolders(
  stateDir: string,
  endpoint?: DockerEndpoint | undefined,
): Map<string, LockHolder> {
  const engine = endpoint === undefined ? undefined : engineIdentity(endpoint);
  const holders = new Map<string, LockHolder>();
  for (const [lockFile, raw] of readLocks(stateDir)) {
    const holder = parseHolder(raw);
    const name = path.basename(lockFile);
    if (engine !== undefined && name !== lockFileName(containerOfLockName(name), engine)) continue;
    if (holder && holds(holder)) holders.set(containerOfLockName(name), holder);
  }
  return holders;
}

/** A lookup of the live run holding a container, reading the locks once, when first asked. */
export function holderLookup(
  stateDir: string,
  endpoint?: DockerEndpoint | undefined,
): (containerId: string) => LockHolder | undefined {
  let holders: Map<string, LockHolder> | undefined;
  return (containerId) => {
    holders ??= lockHolders(stateDir, endpoint);
    return holders.get(containerId);
  };
}

/** Whether a lock's holder still holds it: a live process here, or an unexpired lock from elsewhere. */
function holds(holder: LockHolder, now = Date.now()): boolean {
  const state = processState(holder);
  if (state === 'elsewhere') return holder.expiresAt === undefined || holder.expiresAt > now;
  return state === 'alive';
}

function identity(
  runId: string,
  file: string,
  container: string,
  endpoint: string,
  expiresAt: number | undefined,
): LockHolder {
  return {
    runId,
    pid: process.pid,
    startTime: processStartTime(process.pid),
    container,
    file,
    endpoint,
    hostname: thisHost(),
    expiresAt,
  };
}

function readLocks(stateDir: string): [string, string][] {
  let names: string[];
  try {
    names = readdirSync(lockDir(stateDir));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    if (!name.endsWith(LOCK_SUFFIX)) return [];
    const lockFile = path.join(lockDir(stateDir), name);
    const raw = readRaw(lockFile);
    return raw === undefined ? [] : [[lockFile, raw] as [string, string]];
  });
}

/**
 * Puts `content` at `file` unless a live process holds it: created if absent, or put in place of a
 * stale holder's content under that content's guard.
 */
function claimFile(file: string, content: string, depth: number): Claim {
  if (depth > MAX_GUARD_DEPTH) throw new LockStuckError(file);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (createExclusive(file, content)) return { won: true };
    const raw = readRaw(file);
    if (raw === undefined) continue; // removed in the meantime: try to create it again
    const holder = parseHolder(raw);
    if (holder && holds(holder)) return { won: false, holder };
    const guard = guardPath(file, raw);
    const guardClaim = claimFile(guard, content, depth + 1);
    // A live process is taking this stale lock over right now: it is the holder from here on.
    if (!guardClaim.won) return guardClaim;
    try {
      // Only the guard's holder may replace `raw`; if it is no longer there, someone already did.
      if (readRaw(file) !== raw) continue;
      replaceAtomically(file, content);
      return { won: true };
    } finally {
      removeQuiet(guard);
    }
  }
  throw new LockStuckError(file);
}

/** Removes `file` if it still holds `raw`, under the same guard a takeover would need. */
function removeIfUnchanged(file: string, raw: string, me: string): void {
  const guard = guardPath(file, raw);
  if (!claimFile(guard, me, 1).won) return; // someone is taking it over: it is theirs now
  try {
    if (readRaw(file) === raw) removeQuiet(file);
  } finally {
    removeQuiet(guard);
  }
}

function guardPath(file: string, raw: string): string {
  return `${file}.${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
}

function parseHolder(raw: string): LockHolder | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockHolder>;
    return typeof value.runId === 'string' && typeof value.pid === 'number'
      ? {
          runId: value.runId,
          pid: value.pid,
          startTime: typeof value.startTime === 'string' ? value.startTime : undefined,
          container: String(value.container ?? ''),
          file: String(value.file ?? ''),
          endpoint: typeof value.endpoint === 'string' ? value.endpoint : engineIdentity(undefined),
          hostname: typeof value.hostname === 'string' ? value.hostname : undefined,
          expiresAt: typeof value.expiresAt === 'number' ? value.expiresAt : undefined,
        }
      : undefined;
  } catch {
    return undefined;
  }
}
