import type { Reporter } from '../engine/port.js';
import type { SessionResult } from '../model/journal.js';
import { VERSION } from '../version.js';
import { writeFileAtomic } from './write-file.js';

/** Names the layout of the file, so that tools reading it can tell which version they hold. */
export const JSON_REPORT_FORMAT = 'faultline-journal/1';

export interface JsonReport extends SessionResult {
  format: typeof JSON_REPORT_FORMAT;
  faultlineVersion: string;
}

/** Writes the whole session (every run with its journal) as one JSON document when the session ends. */
export function createJsonReporter(path: string): Reporter {
  return {
    name: 'json',
    async onSessionEnd(session) {
      await writeFileAtomic(path, renderJsonReport(session));
    },
  };
}

export function renderJsonReport(session: SessionResult): string {
  const report: JsonReport = { format: JSON_REPORT_FORMAT, faultlineVersion: VERSION, ...session };
  return `${JSON.stringify(report, null, 2)}\n`;
}
