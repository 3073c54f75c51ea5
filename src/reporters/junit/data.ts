import type { ProbeSummary, RunResult } from '../../model/journal.js';
import type { WriteExample } from '../../probes/workload/report.js';
import { availabilityInWords } from '../data-text.js';

/**
 * For a workload probe's case (its sample's line counts the writes): how available it was in each
 * phase, and the first lost and duplicated ids with when each was written and what the system
 * answered, so a CI test view names them.
 */
export function workloadDetails(run: RunResult, probe: ProbeSummary): string[] {
  if (probe.phase !== 'after') return [];
  const report = run.workload?.find((series) => series.probe === probe.probe)?.report;
  if (!report) return [];
  const lines = [`${availabilityInWords(report)}.`];
  const list = (title: string, total: number, examples: readonly (WriteExample & { copies?: number })[]) => {
    if (total === 0) return;
    lines.push(`${title} (${examples.length < total ? `first ${examples.length} of ${total}` : total}):`);
    for (const example of examples) {
      const copies = example.copies === undefined ? '' : `, held ${example.copies} times`;
      lines.push(
        `  ${example.id} written ${since(run.startedAt, example.at)} (${example.phase}), ${example.outcome}${copies}: ${example.told}`,
      );
    }
  };
  list('lost', report.lost.count, report.lost.examples);
  list('duplicated', report.duplicates.ids, report.duplicates.examples);
  list('refused, yet present', report.refusedPresent.count, report.refusedPresent.examples);
  return lines;
}

function since(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? `+${(Math.max(0, ms) / 1000).toFixed(3)}s` : to;
}
