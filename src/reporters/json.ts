import type { RunResult, SessionResult } from '../model/journal.js';
import { type FaultImpact, faultImpacts } from '../report/impact.js';
import { VERSION } from '../version.js';

/**
 * Names the layout of the file, so that tools reading it can tell which version they hold. Fields
 * added later are optional and leave the name as it is: a run with workload probes carries
 * `workload` (per probe its thresholds, its writes per phase, the first lost and duplicated writes,
 * and its outcomes per second), one with detection checks `detect` (per check its deadline and time
 * to detect, or null); runs without them have neither.
 */
export const JSON_REPORT_FORMAT = 'faultline-journal/1';

/** A run with what each of its faults did to users (see src/report/impact.ts). */
export type ReportedRun = RunResult & { impact: FaultImpact[] };

export interface JsonReport extends Omit<SessionResult, 'runs'> {
  format: typeof JSON_REPORT_FORMAT;
  faultlineVersion: string;
  runs: ReportedRun[];
}

/** The whole session (every run with its journal and its faults' impact) as one JSON document. */
export function renderJsonReport(session: SessionResult): string {
  const report: JsonReport = {
    format: JSON_REPORT_FORMAT,
    faultlineVersion: VERSION,
    ...session,
    runs: session.runs.map((run) => ({ ...run, impact: faultImpacts(run) })),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
