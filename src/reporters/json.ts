import type { SessionResult } from '../model/journal.js';
import { VERSION } from '../version.js';

/** Names the layout of the file, so that tools reading it can tell which version they hold. */
export const JSON_REPORT_FORMAT = 'faultline-journal/1';

export interface JsonReport extends SessionResult {
  format: typeof JSON_REPORT_FORMAT;
  faultlineVersion: string;
}

/** The whole session (every run with its journal) as one JSON document. */
export function renderJsonReport(session: SessionResult): string {
  const report: JsonReport = { format: JSON_REPORT_FORMAT, faultlineVersion: VERSION, ...session };
  return `${JSON.stringify(report, null, 2)}\n`;
}
