import type { Reporter } from '../engine/port.js';
import type { JobSummary, ReportKind } from './registry.js';
import { appendWithinCap, writeFileAtomic } from './write-file.js';

export interface ReportDestination {
  /** The file `--report KIND=PATH` named: the report replaces it, whole. */
  path?: string | undefined;
  /** The job summary file the report is appended to, for a kind that has one. */
  jobSummary?: string | undefined;
}

/**
 * Writes one report when the session ends: rendered once, written whole to its file (atomically) and,
 * for a kind with a job summary, appended to that file within its size limit. A report that goes to
 * one file fails with that file's error; one that may go to two tries both and names each that failed.
 */
export function createFileReporter(kind: ReportKind, to: ReportDestination): Reporter {
  return {
    name: kind.name,
    async onSessionEnd(session) {
      const text = await kind.render(session);
      if (kind.jobSummary) await writeWithSummary(kind, kind.jobSummary, text, to);
      else if (to.path) await writeFileAtomic(to.path, text);
    },
  };
}

async function writeWithSummary(
  kind: ReportKind,
  sink: JobSummary,
  text: string,
  { path, jobSummary }: ReportDestination,
): Promise<void> {
  const failures: string[] = [];
  if (path) {
    await writeFileAtomic(path, text).catch((error: unknown) => failures.push(describeFailure(path, error)));
  }
  if (jobSummary) {
    await appendWithinCap(jobSummary, text, {
      maxBytes: sink.maxBytes,
      note: sink.cutNote(path),
      separator: '\n',
    }).catch((error: unknown) => failures.push(describeFailure(jobSummary, error)));
  }
  if (failures.length > 0)
    throw new Error(`could not write the ${kind.title} report: ${failures.join('; ')}`);
}

function describeFailure(file: string, error: unknown): string {
  return `${file}: ${error instanceof Error ? error.message : String(error)}`;
}
