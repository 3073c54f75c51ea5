import {
  closeSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { DockerEndpoint } from '../docker/endpoint.js';
import { EnvironmentError } from '../errors.js';
import type { FamilyRecipe } from '../faults/driver.js';
import type { Target } from '../targets/target.js';
import { ledgerPath } from './run-files.js';

export { ledgerPath };

/**
 * The write-ahead ledger of a run: one JSON line per record, flushed to disk (fsync) before the
 * Docker call it announces. Whoever reads it later (the run's watchdog, `faultline recover`) knows
 * every fault that may be in place and how to remove it, even if the run was killed outright.
 */

export interface RunRecord {
  type: 'run';
  runId: string;
  pid: number;
  file: string;
  startedAt: string;
  /** The way into network namespaces, for network reverts. */
  via?: string | undefined;
  helperImage?: string | undefined;
  /** The Docker Engine the faults were made on: the watchdog and `recover` revert there. */
  endpoint?: DockerEndpoint | undefined;
  /** The machine the run ran on (its pid means nothing elsewhere); absent in older ledgers. */
  hostname?: string | undefined;
}

export interface IntentRecord {
  type: 'intent';
  faultId: string;
  kind: string;
  target: Target;
  revert: FamilyRecipe;
  /** Epoch ms after which the fault must be reverted whatever the run is doing. */
  deadline: number;
  at: string;
}

/** Every change of an announced fault was made: no call of its injection is still in flight. */
export interface InjectedRecord {
  type: 'injected';
  faultId: string;
  at: string;
}

export interface RevertedRecord {
  type: 'reverted';
  faultId: string;
  status: string;
  by: 'run' | 'watchdog' | 'recover';
  at: string;
}

export interface EndRecord {
  type: 'end';
  outcome: string;
  at: string;
}

export type LedgerRecord = RunRecord | IntentRecord | InjectedRecord | RevertedRecord | EndRecord;

export class LedgerUnwritableError extends EnvironmentError {
  constructor(file: string, cause: unknown) {
    super(
      'LEDGER_UNWRITABLE',
      `cannot write the run's ledger ${file}: ${(cause as Error).message ?? String(cause)}; nothing was injected`,
      {
        hint: 'faultline records every fault before injecting it. Make the folder writable, or set FAULTLINE_STATE_DIR to a writable folder.',
        cause,
      },
    );
  }
}

/**
 * How an appended record reaches the disk: `now` before `append` returns (what a Docker call waits
 * for); `soon` by a flush started in the background, which the next `now` record or the ledger's
 * close waits for, and whose failure that record reports (for records nothing waits on: a crash before
 * they are flushed leaves the same state as a crash just before they were written); `never` left to
 * the kernel (it still outlives a SIGKILL of the process, not a crash of the machine).
 */
export type Flush = 'now' | 'soon' | 'never';

export class Ledger {
  private fd: number | undefined;
  /** Background flushes not yet done; the file is closed once none is. */
  private flushing = 0;
  private closeWhenFlushed = false;
  private flushError: unknown;

  private constructor(readonly file: string) {}

  /**
   * Opens a new ledger for a run; throws LedgerUnwritableError if it cannot be written. Its first
   * record is flushed in the background (nothing is injected before an intent, flushed with it).
   */
  static create(dir: string, run: Omit<RunRecord, 'type'>): Ledger {
    const file = ledgerPath(dir, run.runId);
    const ledger = new Ledger(file);
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      ledger.fd = openSync(file, 'a', 0o600);
      ledger.append({ type: 'run', ...run }, { flush: 'soon' });
    } catch (error) {
      if (ledger.fd !== undefined) closeSync(ledger.fd);
      throw new LedgerUnwritableError(file, error);
    }
    return ledger;
  }

  /**
   * Appends one record. Synchronous on purpose: with `flush: 'now'` (the default) it is on disk, with
   * every record before it, before the next call. Throws what a background flush before it failed on.
   */
  append(record: LedgerRecord, options: { flush?: Flush } = {}): void {
    const fd = this.fd;
    if (fd === undefined) throw new Error('ledger closed');
    writeSync(fd, `${JSON.stringify(record)}\n`);
    const flush = options.flush ?? 'now';
    if (flush === 'soon') this.flushInBackground(fd);
    if (flush !== 'now') return;
    fsyncSync(fd);
    // A flush that failed may not fail again (the kernel reports a lost write once): say so now.
    if (this.flushError !== undefined) throw this.flushError;
  }

  /** Closes the file, once the background flushes still under way are done. */
  close(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    if (this.flushing > 0) this.closeWhenFlushed = true;
    else closeSync(fd);
  }

  private flushInBackground(fd: number): void {
    this.flushing++;
    fsync(fd, (error) => {
      this.flushing--;
      if (error) this.flushError ??= error;
      if (this.flushing === 0 && this.closeWhenFlushed) closeSync(fd);
    });
  }
}

/** Appends one record to a ledger file and flushes it (for readers that do not own the ledger). */
export function appendRecord(file: string, record: LedgerRecord): void {
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface RunState {
  file: string;
  run: RunRecord;
  ended: boolean;
  outcome?: string | undefined;
  /** Faults announced and not yet known to be reverted. */
  open: IntentRecord[];
  intents: IntentRecord[];
  /** Faults whose injection finished (recorded after its last change). */
  injected: ReadonlySet<string>;
}

/** Every record of a ledger file (none if it cannot be read); a line cut short by a crash is skipped. */
export function readRecords(file: string): LedgerRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const records: LedgerRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as LedgerRecord);
    } catch {
      // A line cut short by a crash: everything before it is intact.
    }
  }
  return records;
}

export function readLedger(file: string): RunState | undefined {
  const records = readRecords(file);
  const run = records.find((record): record is RunRecord => record.type === 'run');
  if (!run) return undefined;
  const intents = records.filter((record): record is IntentRecord => record.type === 'intent');
  // The last word on each fault counts: a revert that failed after an earlier one (a call that landed
  // late and could not be undone) leaves the fault open again.
  const last = new Map<string, RevertedRecord>();
  for (const record of records) if (record.type === 'reverted') last.set(record.faultId, record);
  const reverted = new Set(
    [...last.values()].filter((record) => record.status !== 'failed').map((record) => record.faultId),
  );
  const injected = new Set(
    records
      .filter((record): record is InjectedRecord => record.type === 'injected')
      .map((record) => record.faultId),
  );
  // The last word counts: a watchdog that took over after the run ended adds its own end.
  const end = records.findLast((record): record is EndRecord => record.type === 'end');
  return {
    file,
    run,
    ended: end !== undefined,
    outcome: end?.outcome,
    intents,
    injected,
    open: intents.filter((intent) => !reverted.has(intent.faultId)),
  };
}

export function listLedgers(dir: string): RunState[] {
  const runs = path.join(dir, 'runs');
  let names: string[];
  try {
    names = readdirSync(runs);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.jsonl'))
    .map((name) => readLedger(path.join(runs, name)))
    .filter((state): state is RunState => state !== undefined)
    .sort((a, b) => a.run.startedAt.localeCompare(b.run.startedAt));
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
