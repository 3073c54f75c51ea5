import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { statusCommand } from '../../../src/cli/commands/status.js';
import type { CommandContext } from '../../../src/cli/program.js';

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

/** A ledger as a run writes it: its run record and one fault announced and not reverted. */
function writeLedger(dir: string, runId: string, run: Record<string, unknown>): void {
  mkdirSync(path.join(dir, 'runs'), { recursive: true });
  const records = [
    { type: 'run', runId, file: `/exp/${runId}.yaml`, startedAt: '2030-01-01T00:00:00.000Z', ...run },
    {
      type: 'intent',
      faultId: 'f1',
      kind: 'pause',
      target: { id: 'c1', name: 'shop-db-1' },
      revert: { kind: 'unpause' },
      deadline: Date.UTC(2999, 0, 1),
      at: '2030-01-01T00:00:01.000Z',
    },
  ];
  writeFileSync(
    path.join(dir, 'runs', `${runId}.jsonl`),
    records.map((record) => `${JSON.stringify(record)}\n`).join(''),
  );
}

async function status(dir: string): Promise<string> {
  let text = '';
  const stdout = {
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
  };
  const ctx = {
    output: { stdout, stderr: stdout, colors: new Chalk({ level: 0 }) },
    env: { FAULTLINE_STATE_DIR: dir },
    interrupt: new AbortController().signal,
    setExitCode: () => undefined,
  } as unknown as CommandContext;
  expect(await statusCommand({}, ctx)).toBe(0);
  return text;
}

describe('faultline status', () => {
  it('lists a run from another machine as active, naming that host, whatever a local pid says', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'faultline-status-'));
    writeLedger(dir, 'far', {
      pid: deadPid(),
      hostname: 'build-7.example',
      endpoint: { host: 'tcp://10.1.2.3:2376', source: 'DOCKER_HOST' },
    });
    const text = await status(dir);
    expect(text).toMatch(/^run far pid \d+, \/exp\/far\.yaml, since 2030-01-01T00:00:00\.000Z$/m);
    expect(text).toContain('  on host build-7.example: its process cannot be checked from here\n');
    expect(text).toContain('  engine tcp://10.1.2.3:2376\n');
    expect(text).toContain('  pause on shop-db-1  reverted by');
    expect(text).not.toContain('died');
    expect(text).not.toContain('faultline recover');
  });

  it('still reports a run of this machine (or of an older ledger) whose process is gone as dead', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'faultline-status-'));
    const pid = deadPid();
    writeLedger(dir, 'gone', { pid });
    const text = await status(dir);
    expect(text).toBe(
      [
        'no active run',
        `run gone died (pid ${pid} is gone) and left 1 fault(s): /exp/gone.yaml`,
        '  pause on shop-db-1',
        'run `faultline recover` to revert them',
        '',
      ].join('\n'),
    );
  });
});
