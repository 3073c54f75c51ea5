import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** Every fsync asked for on a ledger file, in order: `sync` ones block, `background` ones answer later. */
const flushes: ('sync' | 'background')[] = [];
let pendingFlushes: (() => Promise<void>)[] = [];
let failNextBackground: Error | undefined;
let closed: number[] = [];

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const isLedger = (fd: number) => fs.readlinkSync(`/proc/self/fd/${fd}`).endsWith('.jsonl');
  return {
    ...fs,
    fsyncSync: (fd: number) => {
      if (isLedger(fd)) flushes.push('sync');
      fs.fsyncSync(fd);
    },
    fsync: (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      if (isLedger(fd)) flushes.push('background');
      const error = failNextBackground;
      failNextBackground = undefined;
      pendingFlushes.push(
        () =>
          new Promise<void>((resolve) => {
            if (error) {
              callback(error);
              resolve();
            } else
              fs.fsync(fd, (result) => {
                callback(result);
                resolve();
              });
          }),
      );
    },
    closeSync: (fd: number) => {
      closed.push(fd);
      fs.closeSync(fd);
    },
  };
});

const { Ledger, LedgerUnwritableError } = await import('../../../src/safety/ledger.js');
const { RunSafety } = await import('../../../src/safety/run-safety.js');

const target = { id: 'c0ffee', name: 'shop-db-1', service: 'db' };
const recipe = { type: 'container', action: 'unpause' } as const;

async function settleFlushes(): Promise<void> {
  const pending = pendingFlushes;
  pendingFlushes = [];
  await Promise.all(pending.map((flush) => flush()));
}

function open(stateDir = mkdtempSync(path.join(tmpdir(), 'faultline-flush-'))) {
  return RunSafety.open(
    { stateDir, watchdog: false },
    { runId: 'r1', file: 'x.yaml', targets: [target], runDeadline: Date.now() + 60_000 },
  );
}

afterEach(() => {
  flushes.length = 0;
  pendingFlushes = [];
  closed = [];
  failNextBackground = undefined;
});

describe('the ledger on the run path', () => {
  it('flushes the run header in the background and the intent before it returns, header included', async () => {
    const safety = await open();
    // Nothing waits for the header: the baseline runs meanwhile.
    expect(flushes).toEqual(['background']);
    safety.announce('f1', 'pause', target, recipe, 1000);
    expect(flushes).toEqual(['background', 'sync']);
    const lines = readFileSync(safety.ledgerFile, 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).type)).toEqual(['run', 'intent']);
    await settleFlushes();
    safety.close('passed');
  });

  it('flushes a revert record in the background, and the run end with it', async () => {
    const safety = await open();
    safety.announce('f1', 'pause', target, recipe, 1000);
    safety.injected('f1');
    flushes.length = 0;
    safety.reverted('f1', { status: 'reverted', detail: 'unpaused' });
    expect(flushes).toEqual(['background']);
    safety.close('passed');
    expect(flushes).toEqual(['background', 'sync']);
    const records = readFileSync(safety.ledgerFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records.map((record) => record.type)).toEqual(['run', 'intent', 'injected', 'reverted', 'end']);
  });

  it('closes the file only once its background flushes are done', async () => {
    const ledger = Ledger.create(mkdtempSync(path.join(tmpdir(), 'faultline-flush-')), {
      runId: 'r2',
      pid: process.pid,
      file: 'x.yaml',
      startedAt: new Date().toISOString(),
    });
    const closedBefore = closed.length;
    ledger.close();
    expect(closed).toHaveLength(closedBefore);
    await settleFlushes();
    expect(closed).toHaveLength(closedBefore + 1);
  });

  it('refuses the first injection when the header could not be flushed, though the next flush succeeds', async () => {
    failNextBackground = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    const safety = await open();
    await settleFlushes();
    expect(() => safety.announce('f1', 'pause', target, recipe, 1000)).toThrow(LedgerUnwritableError);
    expect(() => safety.announce('f1', 'pause', target, recipe, 1000)).toThrow(/nothing was injected/);
  });
});
