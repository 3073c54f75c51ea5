import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultline, REPO, tempDir } from '../support/cli.js';

const DATA = path.join(REPO, 'test/unit/reporters/data');
const RESILIENT = path.join(DATA, 'resilient-pause.json');
const FRAGILE = path.join(DATA, 'fragile-pause.json');

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('faultline report', () => {
  it('writes one HTML page comparing a resilient and a fragile run, the regression marked', async () => {
    const out = path.join(dir, 'pages', 'compare.html');
    const result = await faultline(['report', RESILIENT, FRAGILE, '--out', out]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`compared 2 reports: 5 changes for the worse; wrote ${out}`);
    const page = await readFile(out, 'utf8');
    expect(page).toContain('<title>faultline: 2 reports compared</title>');
    expect(page).toContain('<td class="worse" data-trend="worse">DEVIATED ▲</td>');
    expect(page).toContain(
      '<td class="worse" data-trend="worse">35% <span class="delta">(+35 pts)</span> ▲</td>',
    );
  });

  it('prints Markdown without --out, and writes a .md file with it', async () => {
    const printed = await faultline(['report', FRAGILE, RESILIENT]);
    expect(printed.exitCode).toBe(0);
    expect(printed.stdout).toContain('**No change for the worse** against the first report.');
    expect(printed.stdout).toContain('| Verdict | DEVIATED | PASSED ▼ |');
    const out = path.join(dir, 'compare.md');
    expect((await faultline(['report', FRAGILE, RESILIENT, '--out', out])).exitCode).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(`${printed.stdout}\n`);
  });

  it.each([
    [['gone.json'], 'error cannot read gone.json: no such file or folder'],
    [['package.json'], 'error package.json is not a faultline report: it has no "format" field'],
    [[RESILIENT, '--out', 'compare.txt'], 'error --out compare.txt: cannot tell the format from ".txt"'],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const result = await faultline(['report', ...args], { cwd: REPO });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.split('\n')[0]?.startsWith(message)).toBe(true);
    expect(result.stderr).toMatch(/\nhint {2}\S/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for reports of different faultline versions', async () => {
    const newer = JSON.parse(await readFile(FRAGILE, 'utf8'));
    newer.faultlineVersion = '9.9.9';
    const file = path.join(dir, 'newer.json');
    await writeFile(file, JSON.stringify(newer));
    const result = await faultline(['report', RESILIENT, file]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('by faultline 9.9.9: their numbers may not be measured the same way');
  });
});
