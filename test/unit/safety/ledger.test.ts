import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appendRecord,
  type IntentRecord,
  Ledger,
  type LedgerRecord,
  LedgerUnwritableError,
  listLedgers,
  readLedger,
  readRecords,
} from '../../../src/safety/ledger.js';

const stateDir = () => mkdtempSync(path.join(tmpdir(), 'faultline-ledger-'));
const target = { id: 'c0ffee', name: 'shop-db-1', service: 'db' };
const run = (runId: string, startedAt = '2025-03-01T10:00:00.000Z') => ({
  runId,
  pid: 4242,
  file: 'checkout.yaml',
  startedAt,
  via: 'helper',
  helperImage: 'faultline/helper:1',
});

function intent(faultId: string): IntentRecord {
  return {
    type: 'intent',
    faultId,
    kind: 'pause',
    target,
    revert: { type: 'container', action: 'unpause' },
    deadline: 1_740_823_200_000,
    at: '2025-03-01T10:00:01.000Z',
  };
}
const injected = (faultId: string): LedgerRecord => ({ type: 'injected', faultId, at: 'x' });
const reverted = (
  faultId: string,
  status: string,
  by: 'run' | 'watchdog' | 'recover' = 'run',
): LedgerRecord => ({
  type: 'reverted',
  faultId,
  status,
  by,
  at: 'x',
});

function ledgerOf(records: LedgerRecord[], runId = 'r1'): string {
  const ledger = Ledger.create(stateDir(), run(runId));
  for (const record of records) ledger.append(record);
  ledger.close();
  return ledger.file;
}

describe('Ledger', () => {
  it('writes one JSON line per record under runs/<run id>.jsonl, readable only by its owner', () => {
    const dir = stateDir();
    const ledger = Ledger.create(dir, run('r1'));
    ledger.append(intent('f1'));
    ledger.append(injected('f1'), { flush: 'never' });
    ledger.close();
    expect(ledger.file).toBe(path.join(dir, 'runs', 'r1.jsonl'));
    expect(statSync(ledger.file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(ledger.file, 'utf8').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(JSON.parse(lines[0]!)).toEqual({ type: 'run', ...run('r1') });
    expect(readRecords(ledger.file)).toEqual([{ type: 'run', ...run('r1') }, intent('f1'), injected('f1')]);
  });

  it('refuses to append once closed', () => {
    const ledger = Ledger.create(stateDir(), run('r1'));
    ledger.close();
    expect(() => ledger.append(intent('f1'))).toThrow('ledger closed');
  });

  it('says it cannot write, with a hint, when the state folder is not a folder', () => {
    const dir = stateDir();
    const file = path.join(dir, 'not-a-folder');
    writeFileSync(file, '');
    let error: unknown;
    try {
      Ledger.create(file, run('r1'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LedgerUnwritableError);
    expect(error).toMatchObject({ code: 'LEDGER_UNWRITABLE', exitCode: 3 });
    expect((error as Error).message).toContain(`${path.join(file, 'runs', 'r1.jsonl')}`);
    expect((error as Error).message).toContain('nothing was injected');
    expect((error as LedgerUnwritableError).hint).toContain('FAULTLINE_STATE_DIR');
  });

  it('appendRecord adds a record to a ledger another process owns', () => {
    const file = ledgerOf([intent('f1')]);
    appendRecord(file, reverted('f1', 'reverted', 'recover'));
    expect(readRecords(file).at(-1)).toEqual(reverted('f1', 'reverted', 'recover'));
    expect(readLedger(file)!.open).toEqual([]);
  });
});

describe('readLedger', () => {
  it('an intent with neither injected nor reverted is open; so is one injected and not reverted', () => {
    const state = readLedger(ledgerOf([intent('f1'), intent('f2'), injected('f2'), intent('f3')]))!;
    expect(state.run).toEqual({ type: 'run', ...run('r1') });
    expect(state.ended).toBe(false);
    expect(state.outcome).toBeUndefined();
    expect(state.open.map((item) => item.faultId)).toEqual(['f1', 'f2', 'f3']);
    expect([...state.injected]).toEqual(['f2']);
    expect(state.open[0]).toEqual(intent('f1'));
  });

  it('the last reverted record of each fault counts: failed after reverted is open again', () => {
    const state = readLedger(
      ledgerOf([
        intent('f1'),
        intent('f2'),
        intent('f3'),
        reverted('f1', 'reverted'),
        reverted('f1', 'failed', 'watchdog'),
        reverted('f2', 'failed'),
        reverted('f2', 'already-reverted', 'watchdog'),
        reverted('f3', 'target-gone'),
      ]),
    )!;
    expect(state.open.map((item) => item.faultId)).toEqual(['f1']);
    expect(state.intents.map((item) => item.faultId)).toEqual(['f1', 'f2', 'f3']);
  });

  it('the last end record counts: a watchdog’s end after the run’s', () => {
    const state = readLedger(
      ledgerOf([
        intent('f1'),
        { type: 'end', outcome: 'passed', at: 'x' },
        reverted('f1', 'reverted', 'watchdog'),
        { type: 'end', outcome: 'reverted-by-watchdog', at: 'y' },
      ]),
    )!;
    expect(state).toMatchObject({ ended: true, outcome: 'reverted-by-watchdog', open: [] });
  });

  it('a line cut short by a crash is skipped, and every record before it is kept', () => {
    const file = ledgerOf([intent('f1'), injected('f1')]);
    appendFileSync(file, JSON.stringify(intent('f2')).slice(0, 40));
    expect(readRecords(file)).toHaveLength(3);
    const state = readLedger(file)!;
    // The cut intent was never flushed whole, so its injection never began: only f1 is open.
    expect(state.open.map((item) => item.faultId)).toEqual(['f1']);
    expect([...state.injected]).toEqual(['f1']);
  });

  it('a cut line in the middle does not hide the records after it', () => {
    const file = ledgerOf([intent('f1')]);
    appendFileSync(file, '{"type":"reverted","faultId":"f1"\n');
    appendRecord(file, intent('f2'));
    expect(readLedger(file)!.open.map((item) => item.faultId)).toEqual(['f1', 'f2']);
  });

  it('a missing file, or one with no run record, is no run', () => {
    const dir = stateDir();
    expect(readRecords(path.join(dir, 'absent.jsonl'))).toEqual([]);
    expect(readLedger(path.join(dir, 'absent.jsonl'))).toBeUndefined();
    const headless = path.join(dir, 'headless.jsonl');
    writeFileSync(headless, `${JSON.stringify(intent('f1'))}\n`);
    expect(readLedger(headless)).toBeUndefined();
  });
});

describe('listLedgers', () => {
  it('lists the runs of a state folder oldest first, skipping other files and headless ledgers', () => {
    const dir = stateDir();
    Ledger.create(dir, run('late', '2025-03-02T09:00:00.000Z')).close();
    Ledger.create(dir, run('early', '2025-03-01T09:00:00.000Z')).close();
    writeFileSync(path.join(dir, 'runs', 'notes.txt'), 'not a ledger');
    writeFileSync(path.join(dir, 'runs', 'empty.jsonl'), '');
    expect(listLedgers(dir).map((state) => state.run.runId)).toEqual(['early', 'late']);
    expect(listLedgers(path.join(dir, 'nothing-here'))).toEqual([]);
  });
});
