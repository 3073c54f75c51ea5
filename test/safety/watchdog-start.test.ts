import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../support/containers.js';
import { freshStateDir, ledgerOf, SafetyLab, snapshotOf, startFaultline } from '../support/safety.js';

/**
 * The watchdog starts while the run checks its baseline; whatever it takes, the run injects nothing
 * before the watchdog watches (FAULTLINE_TEST_WATCHDOG_READY holds its `ready`, or makes it fail).
 */
const lab = new SafetyLab(uniquePrefix('safety-wdstart'));

beforeAll(async () => {
  await lab.start([{ name: 'a', service: 'a' }]);
});

afterAll(async () => {
  await lab.remove();
});

const EXPERIMENT = [
  'hypothesis:',
  '  - name: always',
  '    command: ["true"]',
  'method:',
  '  - pause: { target: { service: a }, duration: 300ms }',
].join('\n');

function runIdIn(stateDir: string): string {
  const ledgers = readdirSync(path.join(stateDir, 'runs')).filter((name) => name.endsWith('.jsonl'));
  expect(ledgers).toHaveLength(1);
  return ledgers[0]!.replace(/\.jsonl$/, '');
}

describe('the watchdog and the first injection, with the real watchdog process', () => {
  it('a watchdog slow to be ready still watches before the first fault is announced', async () => {
    const stateDir = await freshStateDir();
    const file = await lab.experiment(EXPERIMENT);
    const run = startFaultline(['run', file], stateDir, { FAULTLINE_TEST_WATCHDOG_READY: '1500' });
    const finished = await run.finished;
    expect(finished.exitCode).toBe(0);
    const runId = runIdIn(stateDir);
    const ledger = ledgerOf(stateDir, runId);
    const intent = ledger.find((entry) => entry.type === 'intent');
    expect(intent?.kind).toBe('pause');
    const log = readFileSync(path.join(stateDir, 'runs', `${runId}.watchdog.log`), 'utf8');
    const watching = /^(\S+) watching /m.exec(log)?.[1];
    expect(watching, log).toBeDefined();
    // The watchdog said it watches (1.5 s after it could) before the run wrote the fault's intent.
    expect(Date.parse(watching!)).toBeLessThanOrEqual(Date.parse(intent!.at!));
    expect((await snapshotOf(lab.name('a'))).docker).toContain('paused=false');
  });

  it('a watchdog that fails to start ends the run with exit 3 before anything is injected', async () => {
    const stateDir = await freshStateDir();
    const file = await lab.experiment(EXPERIMENT);
    const run = startFaultline(['run', file], stateDir, { FAULTLINE_TEST_WATCHDOG_READY: 'never' });
    const finished = await run.finished;
    expect(finished.exitCode).toBe(3);
    expect(run.lines.map((line) => line.text).join('\n')).toMatch(
      /watchdog exited at start.*nothing was injected/,
    );
    const ledger = ledgerOf(stateDir, runIdIn(stateDir));
    expect(ledger.map((entry) => entry.type)).toEqual(['run', 'end']);
    expect((await snapshotOf(lab.name('a'))).docker).toContain('paused=false');
  });
});
