import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareReports } from '../../../src/report/compare.js';
import { readReports } from '../../../src/report/read-reports.js';
import { renderComparisonHtml } from '../../../src/reporters/compare/html.js';
import { renderComparisonMarkdown } from '../../../src/reporters/compare/markdown.js';
import { renderMarkdown } from '../../../src/reporters/markdown.js';
import { DATA, realReport } from './data/reports.js';

const RESILIENT = path.join(DATA, 'resilient-pause.json');
const FRAGILE = path.join(DATA, 'fragile-pause.json');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-compare-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the Markdown report of a real run', () => {
  it('opens with a summary table: experiment, verdict, faults, worst change, time to recover', () => {
    const text = renderMarkdown(realReport('fragile-pause'));
    const lines = text.split('\n');
    expect(lines[0]).toBe('# faultline');
    expect(lines[4]).toBe('| Experiment | Verdict | Faults | Worst change | Time to recover |');
    expect(lines[6]).toBe(
      '| Fragile checkout does not survive a frozen backend | **DEVIATED** | pause on faultline-h7\\_backend-a\\_1 | error rate 0% → 100% (+100 pts) | 44ms |',
    );
    expect(text.indexOf('| Experiment |')).toBeLessThan(text.indexOf('## Fragile checkout'));
  });

  it('shows per fault and probe what users saw before, during and after, with the change', () => {
    const text = renderMarkdown(realReport('fragile-pause'));
    expect(text).toContain('### What users saw');
    const load = text.split('\n').find((line) => line.includes('| checkout under load (load) |'));
    expect(load).toContain('p50 6ms, p95 23ms, errors 0% (n=41)');
    expect(load).toContain('p95 2s (**+1.98s**), errors 35% (**+35 pts**) (n=60)');
    expect(load).toMatch(/\| 0ms \|$/);
  });
});

describe('comparing real reports', () => {
  it('marks the fragile run against the resilient one as worse: verdict, p95 and errors during the fault', async () => {
    const comparison = compareReports(await readReports([RESILIENT, FRAGILE]));
    expect(comparison.columns.map((column) => column.file)).toEqual([RESILIENT, FRAGILE]);
    const [experiment] = comparison.experiments;
    expect(experiment!.outcomes).toEqual(['passed', 'deviated']);
    expect(experiment!.verdictTrend).toEqual(['none', 'worse']);
    const errors = experiment!.rows.find((row) => row.label === 'pause: checkout under load: errors during');
    expect(errors!.cells[1]).toEqual({ text: '35%', delta: '+35 pts', trend: 'worse' });
    expect(comparison.regressions).toHaveLength(5);
    expect(renderComparisonMarkdown(comparison)).toContain(
      '| pause: checkout under load: errors during | 0% | **35% (+35 pts)** ▲ |',
    );
    expect(renderComparisonHtml(comparison)).toContain(
      '<td class="worse" data-trend="worse">35% <span class="delta">(+35 pts)</span> ▲</td>',
    );
  });

  it('marks the same numbers as better the other way round, and finds no regression', async () => {
    const comparison = compareReports(await readReports([FRAGILE, RESILIENT]));
    expect(comparison.regressions).toEqual([]);
    expect(comparison.experiments[0]!.verdictTrend).toEqual(['none', 'better']);
    expect(renderComparisonMarkdown(comparison)).toContain(
      '**No change for the worse** against the first report.',
    );
  });

  it('reads a folder of reports in the order they were run', async () => {
    await writeFile(path.join(dir, 'a-later.json'), await readFile(FRAGILE, 'utf8'));
    await writeFile(path.join(dir, 'b-earlier.json'), await readFile(RESILIENT, 'utf8'));
    await writeFile(path.join(dir, 'notes.txt'), 'not a report');
    const reports = await readReports([dir]);
    expect(reports.map((report) => path.basename(report.file))).toEqual(['b-earlier.json', 'a-later.json']);
  });
});

describe('bad input to faultline report', () => {
  const failure = (inputs: string[]) =>
    readReports(inputs).then(
      () => undefined,
      (error: { code: string; message: string; exitCode: number }) => error,
    );

  it('refuses a missing file', async () => {
    const error = await failure([path.join(dir, 'gone.json')]);
    expect(error).toMatchObject({ code: 'REPORT_UNREADABLE', exitCode: 2 });
    expect(error?.message).toContain('gone.json: no such file or folder');
  });

  it('refuses a file that is not a faultline report, saying why', async () => {
    await writeFile(path.join(dir, 'x.json'), '{"name": "something else"}');
    await writeFile(path.join(dir, 'y.json'), '<!DOCTYPE html>');
    const noFormat = await failure([path.join(dir, 'x.json')]);
    expect(noFormat).toMatchObject({ code: 'REPORT_NOT_FAULTLINE', exitCode: 2 });
    expect(noFormat?.message).toContain('x.json is not a faultline report: it has no "format" field');
    expect((await failure([path.join(dir, 'y.json')]))?.message).toContain('it is not JSON');
  });

  it('refuses reports of different faultline versions, naming both', async () => {
    const other = JSON.parse(await readFile(FRAGILE, 'utf8'));
    other.faultlineVersion = '9.9.9';
    await writeFile(path.join(dir, 'newer.json'), JSON.stringify(other));
    const error = await failure([RESILIENT, path.join(dir, 'newer.json')]);
    expect(error).toMatchObject({ code: 'REPORTS_INCOMPARABLE', exitCode: 2 });
    expect(error?.message).toMatch(
      /resilient-pause\.json was written by faultline 0\.1\.0 and .*newer\.json by faultline 9\.9\.9/,
    );
  });

  it('refuses a report in another format version', async () => {
    const other = JSON.parse(await readFile(FRAGILE, 'utf8'));
    other.format = 'faultline-journal/2';
    await writeFile(path.join(dir, 'v2.json'), JSON.stringify(other));
    expect(await failure([path.join(dir, 'v2.json')])).toMatchObject({
      code: 'REPORTS_INCOMPARABLE',
      exitCode: 2,
    });
  });
});
