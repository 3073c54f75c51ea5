import type { SessionResult } from '../model/journal.js';

/** GitHub refuses a job summary file larger than this. */
export const STEP_SUMMARY_MAX_BYTES = 1024 * 1024;

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
 * one entry in REPORTS. Each kind loads its renderer when a report is written, so that commands that
 * write none (and `--help`) do not load it.
 */
export interface ReportKind {
  /** KIND in `--report KIND=PATH`, as `--help` lists it; also the reporter's name in errors. */
  name: string;
  /** The format's name in messages. */
  title: string;
  /** The whole report for the session, as the text of its file. */
  render(session: SessionResult): Promise<string>;
  /** When set, the report is also appended to the GitHub Actions job summary ($GITHUB_STEP_SUMMARY). */
  jobSummary?: JobSummary;
}

/** Every report kind, in the order `--help` and the error messages list them. */
export const REPORTS = {
  json: {
    name: 'json',
    title: 'JSON',
    render: async (session) => (await import('./json.js')).renderJsonReport(session),
  },
  junit: {
    name: 'junit',
    title: 'JUnit',
    render: async (session) => (await import('./junit.js')).renderJunit(session),
  },
  markdown: {
    name: 'markdown',
    title: 'Markdown',
    render: async (session) => (await import('./markdown.js')).renderMarkdown(session),
    jobSummary: {
      maxBytes: STEP_SUMMARY_MAX_BYTES,
      cutNote(path) {
        const where = path ? `the full report is in ${path}` : 'write it in full with --report markdown=PATH';
        return `\n_The report was cut here to fit GitHub's 1 MiB job summary limit; ${where}._\n`;
      },
    },
  },
  html: {
    name: 'html',
    title: 'HTML',
    render: async (session) => (await import('./html.js')).renderHtml(session),
  },
} as const satisfies Record<string, ReportKind>;

export const REPORT_KINDS: readonly ReportKind[] = Object.values(REPORTS);

export function findReportKind(name: string): ReportKind | undefined {
  return REPORT_KINDS.find((kind) => kind.name === name);
}
