import type { Reporter } from '../../engine/port.js';
import { InvalidInputError } from '../../errors.js';
import { createFileReporter } from '../../reporters/file-report.js';
import { findReportKind, REPORT_KINDS, type ReportKind } from '../../reporters/registry.js';

/** `--report KIND=-` writes the report to stdout. */
export const STDOUT_PATH = '-';

export interface ReportRequest {
  kind: ReportKind;
  path: string;
}

/** The values of `--report KIND=PATH`, in order; KIND is one of the registered report kinds. */
export function parseReports(values: readonly string[]): ReportRequest[] {
  const requests = values.map((value) => {
    const match = /^([a-z]+)=(.+)$/.exec(value);
    const kind = match ? findReportKind(match[1]!) : undefined;
    if (!match || !kind) {
      throw new InvalidInputError(
        'BAD_OPTION',
        `--report ${value}: expected KIND=PATH with KIND one of ${REPORT_KINDS.map((known) => known.name).join(', ')}`,
        {
          hint: 'Example: --report junit=reports/faultline.xml',
        },
      );
    }
    return { kind, path: match[2]! };
  });
  const toStdout = requests.filter((request) => request.path === STDOUT_PATH);
  if (toStdout.length > 1) {
    throw new InvalidInputError(
      'BAD_OPTION',
      `--report ${toStdout.map((request) => `${request.kind.name}=-`).join(' and --report ')}: only one report can go to stdout`,
      { hint: 'Write the others to files, e.g. --report junit=reports/faultline.xml' },
    );
  }
  return requests;
}

/**
 * One reporter per `--report`, in the order given. A kind that goes to the job summary too is appended
 * there once, by its first report, or by a reporter of its own when no file of that kind was asked for.
 */
export function createReportReporters(
  requests: readonly ReportRequest[],
  jobSummary?: string,
  stdout?: NodeJS.WritableStream,
): Reporter[] {
  const summarised = new Set<ReportKind>();
  const summaryFor = (kind: ReportKind): string | undefined => {
    if (!kind.jobSummary || !jobSummary || summarised.has(kind)) return undefined;
    summarised.add(kind);
    return jobSummary;
  };
  const reporters = requests.flatMap(({ kind, path }) => {
    if (path !== STDOUT_PATH || !stdout)
      return [createFileReporter(kind, { path, jobSummary: summaryFor(kind) })];
    const summary = summaryFor(kind);
    return [
      stdoutReporter(kind, stdout),
      ...(summary ? [createFileReporter(kind, { jobSummary: summary })] : []),
    ];
  });
  for (const kind of REPORT_KINDS) {
    const summary = summaryFor(kind);
    if (summary) reporters.push(createFileReporter(kind, { jobSummary: summary }));
  }
  return reporters;
}

/** The report written whole to stdout when the session ends. */
function stdoutReporter(kind: ReportKind, stdout: NodeJS.WritableStream): Reporter {
  return {
    name: kind.name,
    async onSessionEnd(session) {
      const text = await kind.render(session);
      stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
  };
}
