import type { Reporter } from '../../engine/port.js';
import { InvalidInputError } from '../../errors.js';
import { createFileReporter } from '../../reporters/file-report.js';
import { findReportKind, REPORT_KINDS, type ReportKind } from '../../reporters/registry.js';

export interface ReportRequest {
  kind: ReportKind;
  path: string;
}

/** The values of `--report KIND=PATH`, in order; KIND is one of the registered report kinds. */
export function parseReports(values: readonly string[]): ReportRequest[] {
  return values.map((value) => {
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
}

/**
 * One reporter per `--report`, in the order given. A kind that goes to the job summary too is appended
 * there once, by its first report, or by a reporter of its own when no file of that kind was asked for.
 */
export function createReportReporters(requests: readonly ReportRequest[], jobSummary?: string): Reporter[] {
  const summarised = new Set<ReportKind>();
  const summaryFor = (kind: ReportKind): string | undefined => {
    if (!kind.jobSummary || !jobSummary || summarised.has(kind)) return undefined;
    summarised.add(kind);
    return jobSummary;
  };
  const reporters = requests.map(({ kind, path }) =>
    createFileReporter(kind, { path, jobSummary: summaryFor(kind) }),
  );
  for (const kind of REPORT_KINDS) {
    const summary = summaryFor(kind);
    if (summary) reporters.push(createFileReporter(kind, { jobSummary: summary }));
  }
  return reporters;
}
