import { readFile } from 'node:fs/promises';
import type { SessionResult } from '../engine/journal.js';
import type { Reporter } from './reporter.js';
import { writeFileAtomic } from './write-file.js';

/** Names the layout of the file, so that tools reading it can tell which version they hold. */
export const JSON_REPORT_FORMAT = 'faultline-journal/1';

export interface JsonReport extends SessionResult {
  format: typeof JSON_REPORT_FORMAT;
  faultlineVersion?: string;
}

export interface JsonReporterOptions {
  /** The version to record; read from faultline's package.json when the report is written if not given. */
  version?: string | undefined;
}

/** Writes the whole session (every run with its journal) as one JSON document when the session ends. */
export function createJsonReporter(path: string, options: JsonReporterOptions = {}): Reporter {
  return {
    name: 'json',
    async onSessionEnd(session) {
      const version = options.version ?? (await faultlineVersion());
      await writeFileAtomic(path, renderJsonReport(session, version));
    },
  };
}

export function renderJsonReport(session: SessionResult, version?: string): string {
  const report: JsonReport = {
    format: JSON_REPORT_FORMAT,
    ...(version === undefined ? {} : { faultlineVersion: version }),
    ...session,
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** Read only when a report is written, so start-up does not pay for it. */
async function faultlineVersion(): Promise<string | undefined> {
  try {
    // src/reporters and dist/reporters both sit two levels below the package root.
    const text = await readFile(new URL('../../package.json', import.meta.url), 'utf8');
    const manifest = JSON.parse(text) as { name?: unknown; version?: unknown };
    return manifest.name === 'faultline' && typeof manifest.version === 'string'
      ? manifest.version
      : undefined;
  } catch {
    return undefined;
  }
}
