import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const scripts = new URL('../../../scripts/', import.meta.url);
const bench = fileURLToPath(new URL('bench.mjs', scripts));

interface RuleSet {
  family: 'ipv4' | 'ipv6';
  chain: string;
  hook: 'OUTPUT' | 'INPUT';
  comment: string;
  rules: string[][];
}

/** The bench's modules are plain ES modules without types: loaded by a computed specifier. */
async function load<T>(file: string): Promise<T> {
  const url = new URL(file, scripts).href;
  return (await import(url)) as T;
}

function runBench(...args: string[]) {
  return spawnSync(process.execPath, [bench, ...args], { encoding: 'utf8', timeout: 20_000 });
}

const sets: RuleSet[] = [
  {
    family: 'ipv4',
    chain: 'FL-ab12cd34-f1-O',
    hook: 'OUTPUT',
    comment: 'faultline run=ab12cd34 fault=f1',
    rules: [
      ['-d', '172.18.0.3/32', '-j', 'DROP'],
      ['-d', '172.18.0.4/32', '-j', 'DROP'],
    ],
  },
  {
    family: 'ipv4',
    chain: 'FL-ab12cd34-f1-I',
    hook: 'INPUT',
    comment: 'faultline run=ab12cd34 fault=f1',
    rules: [['-s', '172.18.0.3/32', '-j', 'DROP']],
  },
];

describe('the partition floor (scripts/bench/floor.mjs)', () => {
  it('adds the plan’s chains, their rules and the jumps in one iptables-restore input', async () => {
    const { applyText } = await load<{ applyText(s: RuleSet[]): string }>('bench/floor.mjs');
    expect(applyText(sets).split('\n')).toEqual([
      '*filter',
      ':FL-ab12cd34-f1-O - [0:0]',
      ':FL-ab12cd34-f1-I - [0:0]',
      '-A FL-ab12cd34-f1-O -d 172.18.0.3/32 -j DROP',
      '-A FL-ab12cd34-f1-O -d 172.18.0.4/32 -j DROP',
      '-A FL-ab12cd34-f1-I -s 172.18.0.3/32 -j DROP',
      '-I OUTPUT 1 -m comment --comment "faultline run=ab12cd34 fault=f1" -j FL-ab12cd34-f1-O',
      '-I INPUT 1 -m comment --comment "faultline run=ab12cd34 fault=f1" -j FL-ab12cd34-f1-I',
      'COMMIT',
      '',
    ]);
  });

  it('removes the jumps before flushing and deleting the chains', async () => {
    const { removeText } = await load<{ removeText(s: RuleSet[]): string }>('bench/floor.mjs');
    expect(removeText(sets).split('\n')).toEqual([
      '*filter',
      '-D OUTPUT -m comment --comment "faultline run=ab12cd34 fault=f1" -j FL-ab12cd34-f1-O',
      '-D INPUT -m comment --comment "faultline run=ab12cd34 fault=f1" -j FL-ab12cd34-f1-I',
      '-F FL-ab12cd34-f1-O',
      '-F FL-ab12cd34-f1-I',
      '-X FL-ab12cd34-f1-O',
      '-X FL-ab12cd34-f1-I',
      'COMMIT',
      '',
    ]);
  });
});

describe('bench helpers', () => {
  it('pool runs at most `limit` at once and keeps the order of the results', async () => {
    const { pool, sleep } = await load<{
      pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]>;
      sleep(ms: number): Promise<void>;
    }>('bench/common.mjs');
    let inFlight = 0;
    let most = 0;
    const out = await pool([5, 1, 4, 2, 3, 0, 6, 7], 3, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep(n * 3);
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60, 70]);
    expect(most).toBe(3);
  });

  it('start-up ratios are summarised pair by pair, with two decimals', async () => {
    const { ratioSummary } = await load<{
      ratioSummary(r: number[]): { median: number; min: number; max: number };
    }>('bench/startup.mjs');
    expect(ratioSummary([1.5, 2.004, 1.25])).toMatchObject({ median: 1.5, min: 1.25, max: 2 });
  });
});

describe('scripts/bench.mjs arguments', () => {
  it('--help lists the sections and the partition ways', () => {
    const result = runBench('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('startup,run,folder,pause,partition');
    expect(result.stdout).toContain('engine-nsenter,engine-helper,floor-nsenter');
  });

  it.each([
    [['--sections', 'startup,nope'], 'unknown section nope'],
    [['--ways', 'floor'], 'unknown way floor'],
    [['--sizes', '1,ten'], '--sizes expects a positive integer, got ten'],
    [['--warmups=-1'], '--warmups expects 0 or a positive integer, got -1'],
  ])('refuses %j with exit 2 before touching Docker', (args, message) => {
    const result = runBench(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`bench: ${message}`);
  });
});
