import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileReporter } from '../../../src/reporters/file-report.js';
import { renderMarkdown, tableCell } from '../../../src/reporters/markdown.js';
import { REPORTS, STEP_SUMMARY_MAX_BYTES } from '../../../src/reporters/registry.js';
import { deviatedRun, erroredRun, revertFailedRun, session } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-markdown-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The cells of a Markdown table row, split on pipes that are not escaped. */
function cells(row: string): string[] {
  return row
    .slice(2, -2)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

describe('renderMarkdown', () => {
  it('opens with the session verdict and exit code, then a section per run', () => {
    const markdown = renderMarkdown(
      session([deviatedRun(), erroredRun()], {
        invalid: [
          { file: 'experiments/typo.yaml', message: 'typo.yaml:3:5 method[0].fault: unknown fault "puase"' },
        ],
        exitCode: 3,
        durationMs: 24_000,
      }),
    );
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('# faultline');
    expect(lines[2]).toBe(
      '**ERRORED**: exit code 3. 2 experiments (1 deviated, 1 errored), 1 invalid file in 24s.',
    );
    expect(markdown).toContain(
      '## Checkout survives a paused database\n\n**DEVIATED**: The hypothesis did not hold',
    );
    expect(markdown).toContain('## Search survives a killed cache\n\n**ERRORED**: The baseline was not met');
    expect(markdown).toContain('```text\ntypo.yaml:3:5 method[0].fault: unknown fault "puase"\n```');
    expect(markdown).toContain('Exit code: 1');
    expect(markdown).toContain('Exit code: 3');
  });

  it('tabulates the probes with their samples, failures and reason', () => {
    const lines = renderMarkdown(session([deviatedRun()])).split('\n');
    const header = lines.indexOf('| Phase | Probe | Status | Samples | Failures | Reason |');
    expect(header).toBeGreaterThan(0);
    expect(lines.slice(header + 2, header + 5).map(cells)).toEqual([
      ['before', 'checkout responds', 'pass', '1', '0', 'status: expected 200, saw 200'],
      ['during', 'checkout responds', '**fail**', '3', '2', 'status: expected 200, saw 503'],
      ['after', 'checkout responds', 'pass', '1', '0', 'status: expected 200, saw 200'],
    ]);
  });

  it('tabulates the faults with when they were injected and reverted', () => {
    const lines = renderMarkdown(session([deviatedRun()])).split('\n');
    const header = lines.indexOf('| Fault | Target | Injected | Reverted | Status |');
    expect(cells(lines[header + 2] ?? '')).toEqual([
      'pause',
      'shop-db-1 (service db)',
      '+300ms',
      '+10.3s',
      'reverted',
    ]);
  });

  it('shows a fault left in place with the command that removes it', () => {
    const markdown = renderMarkdown(session([revertFailedRun()]));
    expect(markdown).toMatch(/^\*\*REVERT FAILED\*\*: exit code 4\./m);
    expect(markdown).toContain(
      '| network-delay | shop-api-1 (service api) | +500ms | - | **revert failed** |',
    );
    expect(markdown).toContain(
      '- network-delay on shop-api-1 (service api): remove it with `docker run --rm --net container:shop-api-1 --cap-add NET_ADMIN faultline-helper tc qdisc del dev eth0 root`',
    );
  });

  it('keeps pipes and line breaks in names and reasons inside their cell', () => {
    const run = deviatedRun();
    run.probes[1] = {
      ...run.probes[1]!,
      probe: 'grep a|b',
      reason: 'body: expected "ok|ready"\nsaw "<html>"',
    };
    const row = renderMarkdown(session([run]))
      .split('\n')
      .find((line) => line.startsWith('| during'));
    expect(row).toBe(
      '| during | grep a\\|b | **fail** | 3 | 2 | body: expected "ok\\|ready"<br>saw "\\<html\\>" |',
    );
    expect(cells(row ?? '')).toHaveLength(6);
  });

  it('escapes Markdown syntax in table cells', () => {
    expect(tableCell('a|b\r\nc*d*_e_ `f` [g](h) #1 & <b>')).toBe(
      'a\\|b<br>c\\*d\\*\\_e\\_ \\`f\\` \\[g\\](h) \\#1 \\& \\<b\\>',
    );
  });
});

describe('the markdown report file', () => {
  it('writes the report to the path, creating its directory', async () => {
    const path = join(dir, 'reports', 'faultline.md');
    const result = session([deviatedRun()]);
    await createFileReporter(REPORTS.markdown, { path }).onSessionEnd?.(result);
    expect(await readFile(path, 'utf8')).toBe(renderMarkdown(result));
  });

  it('appends to the GitHub job summary and keeps what earlier steps wrote there', async () => {
    const summary = join(dir, 'step_summary');
    await writeFile(summary, '## Build\n\nAll green.\n');
    const result = session([deviatedRun()]);

    await createFileReporter(REPORTS.markdown, { jobSummary: summary }).onSessionEnd?.(result);
    await createFileReporter(REPORTS.markdown, { jobSummary: summary }).onSessionEnd?.(result);

    const text = await readFile(summary, 'utf8');
    expect(text.startsWith('## Build\n\nAll green.\n\n# faultline\n')).toBe(true);
    expect(text.split('# faultline\n')).toHaveLength(3);
    expect(text.endsWith(renderMarkdown(result))).toBe(true);
  });

  it('writes the same report to both places', async () => {
    const path = join(dir, 'faultline.md');
    const summary = join(dir, 'step_summary');
    await createFileReporter(REPORTS.markdown, { path, jobSummary: summary }).onSessionEnd?.(
      session([erroredRun()]),
    );
    expect(await readFile(summary, 'utf8')).toBe(await readFile(path, 'utf8'));
  });

  it('cuts the appended report so the job summary never passes 1 MiB', async () => {
    const summary = join(dir, 'step_summary');
    await writeFile(summary, 'x'.repeat(STEP_SUMMARY_MAX_BYTES - 2000));
    const runs = Array.from({ length: 20 }, () => deviatedRun());

    await createFileReporter(REPORTS.markdown, {
      path: join(dir, 'full.md'),
      jobSummary: summary,
    }).onSessionEnd?.(session(runs));

    expect((await stat(summary)).size).toBeLessThanOrEqual(STEP_SUMMARY_MAX_BYTES);
    const text = await readFile(summary, 'utf8');
    expect(text.startsWith('x'.repeat(STEP_SUMMARY_MAX_BYTES - 2000))).toBe(true);
    expect(text).toContain('# faultline');
    expect(text).toMatch(/the full report is in .*full\.md\._\n$/);
  });

  it('leaves a full job summary as it is', async () => {
    const summary = join(dir, 'step_summary');
    const full = 'x'.repeat(STEP_SUMMARY_MAX_BYTES);
    await writeFile(summary, full);
    await createFileReporter(REPORTS.markdown, { jobSummary: summary }).onSessionEnd?.(
      session([deviatedRun()]),
    );
    expect(await readFile(summary, 'utf8')).toBe(full);
  });

  it('still writes the report file when the job summary cannot be written, then says so', async () => {
    const path = join(dir, 'faultline.md');
    const reporter = createFileReporter(REPORTS.markdown, { path, jobSummary: dir });
    await expect(reporter.onSessionEnd?.(session([deviatedRun()]))).rejects.toThrow(dir);
    expect(await readFile(path, 'utf8')).toContain('# faultline');
  });
});

describe('control characters', () => {
  const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

  it('show as escapes in titles, names, reasons, faults and invalid-file messages; line breaks stay where Markdown allows', async () => {
    const run = deviatedRun({
      title: 'Checkout\u001b[2J\u0007',
      summary: 'the \u001b]0;pwned\u0007 probe failed',
      file: 'evil\u001b[31m.yaml',
      tags: ['t\u0000'],
    });
    run.probes[0]!.probe = 'name\u009b2J';
    run.probes[0]!.reason = 'saw "\u001b[31mred\r\nline"';
    run.faults[0]!.fault = 'pause\u0008';
    const markdown = renderMarkdown(
      session([run], {
        invalid: [{ file: 'bad\u0007.yaml', message: 'line 1\n\tline 2 \u001b[2J\r\nline 3' }],
      }),
    );
    expect(markdown).not.toMatch(CONTROL);
    expect(markdown).toContain('## Checkout\\\\x1b\\[2J\\\\x07');
    expect(markdown).toContain('the \\\\x1b\\]0;pwned\\\\x07 probe failed');
    expect(markdown).toContain('`evil\\x1b[31m.yaml`');
    expect(markdown).toContain('name\\\\x9b2J');
    expect(markdown).toContain('saw "\\\\x1b\\[31mred<br>line"');
    expect(markdown).toContain('pause\\\\x08');
    expect(markdown).toContain('line 1\n\tline 2 \\x1b[2J\nline 3');

    const summary = join(dir, 'summary.md');
    await createFileReporter(REPORTS.markdown, { jobSummary: summary }).onSessionEnd?.(session([run]));
    expect(await readFile(summary, 'utf8')).not.toMatch(CONTROL);
  });
});
