import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReportReporters, parseReports } from '../../../src/cli/commands/report-options.js';
import { OPTIONS } from '../../../src/cli/options.js';
import { ExitCode, InvalidInputError } from '../../../src/errors.js';
import { REPORT_KINDS, REPORTS } from '../../../src/reporters/registry.js';
import { deviatedRun, erroredRun, session } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-registry-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const names = REPORT_KINDS.map((kind) => kind.name);

describe('the report kinds, declared once', () => {
  it('are the four kinds, in the order --help lists them', () => {
    expect(names).toEqual(['json', 'junit', 'markdown', 'html']);
    expect(OPTIONS.report.description).toBe(
      'write a report: json=PATH, junit=PATH, markdown=PATH, html=PATH (repeatable)',
    );
  });

  it('--report accepts every registered kind and keeps the order and the path as given', () => {
    const values = names.map((name) => `${name}=out/${name}=x.${name}`);
    expect(parseReports(values).map(({ kind, path }) => [kind.name, path])).toEqual(
      names.map((name) => [name, `out/${name}=x.${name}`]),
    );
  });

  it('--report refuses an unknown kind or a missing path with the list of kinds (exit 2)', () => {
    for (const value of ['xml=a.xml', 'json=', 'json', 'JSON=a.json']) {
      const error = (() => {
        try {
          parseReports([value]);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error, value).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).exitCode).toBe(ExitCode.invalid);
      expect((error as InvalidInputError).message).toBe(
        `--report ${value}: expected KIND=PATH with KIND one of json, junit, markdown, html`,
      );
    }
  });
});

describe('the reporters the run builds from --report', () => {
  const result = session([deviatedRun(), erroredRun()]);

  it('write every kind asked for to its file, exactly as the kind renders it', async () => {
    const requests = parseReports(names.map((name) => `${name}=${join(dir, name, `report.${name}`)}`));
    const reporters = createReportReporters(requests);
    expect(reporters.map((reporter) => reporter.name)).toEqual(names);
    for (const reporter of reporters) await reporter.onSessionEnd?.(result);
    for (const kind of REPORT_KINDS) {
      expect(await readFile(join(dir, kind.name, `report.${kind.name}`), 'utf8')).toBe(
        await kind.render(result),
      );
    }
  });

  it('write each of two files of one kind', async () => {
    const [a, b] = [join(dir, 'a.md'), join(dir, 'b.md')];
    const reporters = createReportReporters(parseReports([`markdown=${a}`, `markdown=${b}`]));
    for (const reporter of reporters) await reporter.onSessionEnd?.(result);
    expect(await readFile(a, 'utf8')).toBe(await renderedMarkdown());
    expect(await readFile(b, 'utf8')).toBe(await renderedMarkdown());
  });

  it('append Markdown to the job summary once, with or without a Markdown file asked for', async () => {
    const summary = join(dir, 'step_summary');
    await writeFile(summary, '');
    const alone = createReportReporters(parseReports([`json=${join(dir, 'r.json')}`]), summary);
    expect(alone.map((reporter) => reporter.name)).toEqual(['json', 'markdown']);
    for (const reporter of alone) await reporter.onSessionEnd?.(result);
    expect(await readFile(summary, 'utf8')).toBe(await renderedMarkdown());

    await writeFile(summary, '');
    const files = [join(dir, 'x.md'), join(dir, 'y.md')];
    const both = createReportReporters(parseReports(files.map((file) => `markdown=${file}`)), summary);
    expect(both.map((reporter) => reporter.name)).toEqual(['markdown', 'markdown']);
    for (const reporter of both) await reporter.onSessionEnd?.(result);
    expect(await readFile(summary, 'utf8')).toBe(await renderedMarkdown());
  });

  it('build no reporter when no report is asked for and there is no job summary', async () => {
    expect(createReportReporters([])).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  function renderedMarkdown(): Promise<string> {
    return REPORTS.markdown.render(result);
  }
});
