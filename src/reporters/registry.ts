import type { SessionResult } from '../model/journal.js';
import { renderHtml } from './html.js';
import { renderJsonReport } from './json.js';
import { renderJunit } from './junit.js';
import { renderMarkdown, STEP_SUMMARY_MAX_BYTES } from './markdown.js';

/** A file outside `--report` that collects reports, named by the environment (GitHub's job summary). */
export interface JobSummary {
  /** The file may not grow past this many bytes. */
  maxBytes: number;
  /** Put where the report was cut to fit; `path` is the report's own file, when one was asked for. */
  cutNote(path: string | undefined): string;
}

/**
 * One kind of report, declared once: the CLI builds `--report`'s help, checks its values and creates
 * the reporters from these entries, and one writer (file-report.ts) writes every kind. Adding a kind is
 * one entry in REPORTS.
 */
export interface ReportKind {
  /** KIND in `--report KIND=PATH`, as `--help` lists it; also the reporter's name in errors. */
  name: string;
  /** The format's name in messages. */
  title: string;
  /** The whole report for the session, as the text of its file. */
  render(session: SessionResult): string;
  /** When set, the report is also appended to the GitHub Actions job summary ($GITHUB_STEP_SUMMARY). */
  jobSummary?: JobSummary;
}

/** Every report kind, in the order `--help` and the error messages list them. */
export const REPORTS = {
  json: { name: 'json', title: 'JSON', render: renderJsonReport },
  junit: { name: 'junit', title: 'JUnit', render: renderJunit },
  markdown: {
    name: 'markdown',
    title: 'Markdown',
    render: renderMarkdown,
    jobSummary: {
      maxBytes: STEP_SUMMARY_MAX_BYTES,
      cutNote(path) {
        const where = path ? `the full report is in ${path}` : 'write it in full with --report markdown=PATH';
        return `\n_The report was cut here to fit GitHub's 1 MiB job summary limit; ${where}._\n`;
      },
    },
  },
  html: { name: 'html', title: 'HTML', render: renderHtml },
} as const satisfies Record<string, ReportKind>;

export const REPORT_KINDS: readonly ReportKind[] = Object.values(REPORTS);

export function findReportKind(name: string): ReportKind | undefined {
  return REPORT_KINDS.find((kind) => kind.name === name);
}
