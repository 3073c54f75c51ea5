import type { Detection, RunResult } from '../model/journal.js';
import type { WorkloadReport, WorkloadSeries, WriteExample } from '../probes/workload/report.js';
import { WORKLOAD_PHASES } from '../probes/workload/types.js';
import { formatDuration } from '../util/duration.js';
import { availability, count, detectionState, noReportReason, writesInWords } from './data-text.js';
import { code, inline, table } from './markdown-text.js';

/**
 * Per workload probe: what it wrote per phase, how available writes were, and what became of them
 * (lost, duplicated, indeterminate), with the first lost and duplicated writes named.
 */
export function dataSection(run: RunResult): string | undefined {
  const workloads = run.workload ?? [];
  if (workloads.length === 0) return undefined;
  return `### Data\n\n${workloads.map((series) => workloadPart(run, series)).join('\n\n')}`;
}

function workloadPart(run: RunResult, series: WorkloadSeries): string {
  const thresholds = series.thresholds.map((threshold) => code(threshold)).join(', ');
  const head = `#### ${inline(series.probe)}\n\nThresholds: ${thresholds || 'none'}`;
  const report = series.report;
  if (!report) return `${head}\n\n_${inline(noReportReason(run, series))}_`;
  const parts = [
    head,
    totalsTable(report),
    findings(report),
    examples(
      'Lost writes',
      'acknowledged, then missing from the read-back',
      report.lost.count,
      report.lost.examples,
      run,
    ),
    examples(
      'Duplicated writes',
      'held more than once by the read-back',
      report.duplicates.ids,
      report.duplicates.examples,
      run,
    ),
    examples(
      'Refused, yet present',
      'the system said no, and stored them anyway',
      report.refusedPresent.count,
      report.refusedPresent.examples,
      run,
    ),
  ];
  return parts.filter((part) => part !== '').join('\n\n');
}

function totalsTable(report: WorkloadReport): string {
  const rows = [...WORKLOAD_PHASES, 'all' as const].map((phase) => {
    const totals = report.totals[phase];
    return [
      phase === 'all' ? '**all**' : phase,
      count(totals.attempted),
      count(totals.acknowledged),
      count(totals.refused),
      count(totals.indeterminate),
      count(totals.skipped),
      availability(totals) ?? '-',
    ];
  });
  return table(
    ['Phase', 'Attempted', 'Acknowledged', 'Refused', 'Indeterminate', 'Skipped', 'Available'],
    ['---', '---:', '---:', '---:', '---:', '---:', '---:'],
    rows,
    new Set([0]),
  );
}

/** The counts that judge the data, a bad one in bold. */
function findings(report: WorkloadReport): string {
  const bold = (text: string, on: boolean) => (on ? `**${text}**` : text);
  const items = [
    bold(`${count(report.lost.count)} lost`, report.lost.count > 0) +
      ' (acknowledged, missing from the read-back)',
    bold(`${count(report.duplicates.ids)} duplicated`, report.duplicates.ids > 0) +
      (report.duplicates.ids > 0
        ? ` (${count(report.duplicates.extraCopies)} extra ${report.duplicates.extraCopies === 1 ? 'copy' : 'copies'})`
        : ''),
    `${count(report.indeterminate.count)} indeterminate (no answer in time; never counted as lost), ` +
      `${count(report.indeterminate.present)} of them present in the read-back`,
  ];
  if (report.refusedPresent.count > 0)
    items.push(bold(`${count(report.refusedPresent.count)} refused yet present`, true));
  if (report.unexpected.count > 0) {
    const shown = report.unexpected.examples.map((value) => code(value)).join(', ');
    items.push(`${count(report.unexpected.count)} unexpected values of this run, e.g. ${shown}`);
  }
  return `${writesInWords(report)}.\n\n${items.map((item) => `- ${item}`).join('\n')}`;
}

function examples(
  title: string,
  meaning: string,
  total: number,
  shown: readonly (WriteExample & { copies?: number })[],
  run: RunResult,
): string {
  if (total === 0) return '';
  const first = shown.length < total ? `the first ${shown.length} of ${count(total)}` : `${count(total)}`;
  const copies = shown.some((example) => example.copies !== undefined);
  const rows = shown.map((example) => [
    code(example.id),
    since(run.startedAt, example.at),
    example.phase,
    example.outcome,
    formatDuration(example.durationMs),
    ...(copies ? [String(example.copies ?? '')] : []),
    example.told,
  ]);
  return (
    `**${title}** (${meaning}; ${first}):\n\n` +
    table(
      ['Id', 'Written at', 'Phase', 'Outcome', 'Took', ...(copies ? ['Copies'] : []), 'System answered'],
      ['---', '---:', '---', '---', '---:', ...(copies ? ['---:'] : []), '---'],
      rows,
      new Set([0]),
    )
  );
}

/** Each detection check: noticed after how long, within what deadline, or why not. */
export function detectionSection(detect: readonly Detection[] | undefined): string | undefined {
  if (!detect || detect.length === 0) return undefined;
  const rows = detect.map((detection) => {
    const state = detectionState(detection);
    return [
      detection.probe,
      state === 'detected' ? 'detected' : state === 'not-checked' ? 'not checked' : '**NOT detected**',
      detection.detectedAfterMs === null ? '-' : formatDuration(detection.detectedAfterMs),
      formatDuration(detection.withinMs),
      state === 'not-checked' ? 'no fault was injected' : detection.reason,
    ];
  });
  return (
    '### Detection\n\n' +
    table(
      ['Check', 'Result', 'Time to detect', 'Deadline', 'What was seen'],
      ['---', '---', '---:', '---:', '---'],
      rows,
      new Set([1]),
    ) +
    '\n\n_Time to detect_: from the start of the first fault to the first check that saw it.'
  );
}

function since(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? `+${formatDuration(Math.max(0, ms))}` : to;
}
