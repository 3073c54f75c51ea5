import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { type ErrorCode, InvalidInputError } from '../errors.js';
import type { RunResult } from '../model/journal.js';
import { visibleLine } from '../util/control-chars.js';
import type { FaultImpact } from './impact.js';
import { faultImpacts } from './impact.js';

/** The layout `--report json=` writes (kept here so this module need not import a reporter). */
export const READABLE_FORMAT = 'faultline-journal/1';

/** Larger files are refused rather than read whole into memory. */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

/** One JSON report read back, its runs with what each fault did to users. */
export interface LoadedReport {
  file: string;
  faultlineVersion: string;
  startedAt: string;
  exitCode: number;
  runs: (RunResult & { impact: FaultImpact[] })[];
}

export class ReportInputError extends InvalidInputError {
  constructor(code: ErrorCode, message: string, hint: string) {
    super(code, message, { hint });
  }
}

const RUN = z.looseObject({
  file: z.string(),
  title: z.string(),
  tags: z.array(z.string()),
  startedAt: z.string(),
  durationMs: z.number(),
  outcome: z.string(),
  exitCode: z.number(),
  summary: z.string(),
  faults: z.array(z.looseObject({ faultId: z.string(), fault: z.string(), status: z.string() })),
  probes: z.array(z.looseObject({})),
  journal: z.array(z.looseObject({ type: z.string(), t: z.number(), at: z.string() })),
  load: z
    .array(
      z.looseObject({
        probe: z.string(),
        timeline: z
          .looseObject({ from: z.number(), sliceMs: z.number(), slices: z.array(z.looseObject({})) })
          .optional(),
        records: z.array(z.looseObject({})).optional(),
      }),
    )
    .optional(),
});

const REPORT = z.looseObject({
  format: z.literal(READABLE_FORMAT),
  faultlineVersion: z.string(),
  startedAt: z.string(),
  exitCode: z.number(),
  runs: z.array(RUN),
});

/**
 * Reads the reports named (files, or folders of `.json` reports, read in the order they were run) and
 * checks they can be compared: every one a faultline JSON report, all written by one faultline version.
 */
export async function readReports(inputs: readonly string[]): Promise<LoadedReport[]> {
  if (inputs.length === 0)
    throw new ReportInputError(
      'REPORT_UNREADABLE',
      'no report was given',
      'name JSON reports written with `faultline run --report json=PATH`, or a folder of them',
    );
  const reports: LoadedReport[] = [];
  for (const input of inputs) {
    const files = await filesOf(input);
    const read = await Promise.all(files.map(readReport));
    if (files.length > 1 || files[0] !== input) read.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    reports.push(...read);
  }
  checkVersions(reports);
  return reports;
}

async function filesOf(input: string): Promise<string[]> {
  const info = await stat(input).catch((error: NodeJS.ErrnoException) => {
    throw new ReportInputError(
      'REPORT_UNREADABLE',
      `cannot read ${visibleLine(input)}: ${error.code === 'ENOENT' ? 'no such file or folder' : error.message}`,
      'check the path; reports are written with `faultline run --report json=PATH`',
    );
  });
  if (!info.isDirectory()) return [input];
  const names = (await readdir(input)).filter((name) => name.endsWith('.json')).sort();
  if (names.length === 0)
    throw new ReportInputError(
      'REPORT_UNREADABLE',
      `the folder ${visibleLine(input)} holds no .json report`,
      'put the JSON reports of the runs to compare in it, or name the files themselves',
    );
  return names.map((name) => path.join(input, name));
}

async function readReport(file: string): Promise<LoadedReport> {
  const notReport = (why: string) =>
    new ReportInputError(
      'REPORT_NOT_FAULTLINE',
      `${visibleLine(file)} is not a faultline report: ${why}`,
      'give the JSON report a run writes with `faultline run --report json=PATH` (not the HTML, Markdown or JUnit one)',
    );
  const info = await stat(file);
  if (!info.isFile()) throw notReport('it is not a regular file');
  if (info.size > MAX_REPORT_BYTES) throw notReport(`it is larger than ${MAX_REPORT_BYTES} bytes`);
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw notReport(`it is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const format = (data as { format?: unknown } | null)?.format;
  if (typeof format === 'string' && format !== READABLE_FORMAT && format.startsWith('faultline-'))
    throw new ReportInputError(
      'REPORTS_INCOMPARABLE',
      `${visibleLine(file)} is in the report format ${visibleLine(format)}; this faultline reads ${READABLE_FORMAT}`,
      'compare it with a faultline version that writes that format, or run the experiment again with this one',
    );
  if (typeof format !== 'string')
    throw notReport(
      `it has no "format" field (a faultline report starts with "format": "${READABLE_FORMAT}")`,
    );
  const parsed = REPORT.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the document';
    throw notReport(`${where}: ${issue?.message ?? 'unexpected layout'}`);
  }
  const runs = parsed.data.runs as unknown as RunResult[];
  return {
    file,
    faultlineVersion: parsed.data.faultlineVersion,
    startedAt: parsed.data.startedAt,
    exitCode: parsed.data.exitCode,
    runs: runs.map((run) => ({ ...run, impact: faultImpacts(run) })),
  };
}

/** Numbers from different versions may not be measured the same way: comparing them would mislead. */
function checkVersions(reports: readonly LoadedReport[]): void {
  const first = reports[0];
  const other = reports.find((report) => report.faultlineVersion !== first?.faultlineVersion);
  if (!first || !other) return;
  throw new ReportInputError(
    'REPORTS_INCOMPARABLE',
    `${visibleLine(first.file)} was written by faultline ${visibleLine(first.faultlineVersion)} and ` +
      `${visibleLine(other.file)} by faultline ${visibleLine(other.faultlineVersion)}: their numbers may not be measured the same way`,
    'compare reports written by one faultline version; run the older experiment again with this one',
  );
}
