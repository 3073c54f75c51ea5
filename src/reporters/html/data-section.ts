import type { Detection, RunResult } from '../../model/journal.js';
import type { WorkloadReport, WorkloadSeries, WriteExample } from '../../probes/workload/report.js';
import { WORKLOAD_PHASES } from '../../probes/workload/types.js';
import { formatDuration } from '../../util/duration.js';
import { availability, count, detectionState, noReportReason, writesInWords } from '../data-text.js';
import { html, type Markup } from './markup.js';

/**
 * Per workload probe: its writes per phase with their availability, what became of them, and the
 * first lost and duplicated writes with when they were written and what the system answered.
 */
export function dataSection(run: RunResult): Markup | false {
  const workloads = run.workload ?? [];
  if (workloads.length === 0) return false;
  return html`<h3>Data: what became of the writes</h3>
${workloads.map((series) => workloadPart(run, series))}
<p class="muted">Attempted: writes sent. Acknowledged: the system said it stored them. Indeterminate: no answer in time, or the connection was lost after the write was sent; never counted as lost. Skipped: due while every slot was busy, never sent. Available: acknowledged of attempted. Lost: acknowledged, yet missing from what the system held at the end.</p>`;
}

function workloadPart(run: RunResult, series: WorkloadSeries): Markup {
  const report = series.report;
  const thresholds =
    series.thresholds.length > 0
      ? html`thresholds: ${series.thresholds.map((threshold, i) => html`${i > 0 && ', '}<code>${threshold}</code>`)}`
      : 'no thresholds';
  return html`<div class="workload-data" data-workload="${series.probe}">
<h4>${series.probe} <span class="muted">(${thresholds})</span></h4>
${report ? reportPart(run, report) : html`<p class="muted">${noReportReason(run, series)}</p>`}
</div>`;
}

function reportPart(run: RunResult, report: WorkloadReport): Markup {
  const rows = [...WORKLOAD_PHASES, 'all' as const].map((phase) => {
    const totals = report.totals[phase];
    return html`<tr class="${phase === 'all' ? 'all' : ''}" data-phase="${phase}"><td>${phase}</td><td class="n">${count(totals.attempted)}</td><td class="n">${count(totals.acknowledged)}</td><td class="n">${count(totals.refused)}</td><td class="n">${count(totals.indeterminate)}</td><td class="n">${count(totals.skipped)}</td><td class="n">${availability(totals) ?? '-'}</td></tr>`;
  });
  const bad = (n: number, text: string) =>
    n > 0 ? html`<span class="finding-bad">${text}</span>` : html`<span>${text}</span>`;
  return html`<table class="data-totals">
<thead><tr><th scope="col">Phase</th><th scope="col">Attempted</th><th scope="col">Acknowledged</th><th scope="col">Refused</th><th scope="col">Indeterminate</th><th scope="col">Skipped</th><th scope="col">Available</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p>${writesInWords(report)}.</p>
<ul class="data-findings">
<li data-finding="lost">${bad(report.lost.count, `${count(report.lost.count)} lost`)}: acknowledged, then missing from the read-back</li>
<li data-finding="duplicates">${bad(report.duplicates.ids, `${count(report.duplicates.ids)} duplicated`)}: held more than once${report.duplicates.extraCopies > 0 && ` (${count(report.duplicates.extraCopies)} extra ${report.duplicates.extraCopies === 1 ? 'copy' : 'copies'})`}</li>
<li data-finding="indeterminate">${count(report.indeterminate.count)} indeterminate, ${count(report.indeterminate.present)} of them present in the read-back</li>
${report.refusedPresent.count > 0 && html`<li data-finding="refused-present">${bad(1, `${count(report.refusedPresent.count)} refused, yet present`)}: the system said no, and stored them anyway</li>`}
${report.unexpected.count > 0 && html`<li data-finding="unexpected">${count(report.unexpected.count)} unexpected values of this run: ${report.unexpected.examples.join(', ')}</li>`}
</ul>
${writeTable(run, 'lost', 'Lost writes', report.lost.count, report.lost.examples)}
${writeTable(run, 'duplicates', 'Duplicated writes', report.duplicates.ids, report.duplicates.examples)}
${writeTable(run, 'refused-present', 'Refused, yet present', report.refusedPresent.count, report.refusedPresent.examples)}`;
}

function writeTable(
  run: RunResult,
  kind: string,
  title: string,
  total: number,
  examples: readonly (WriteExample & { copies?: number })[],
): Markup | false {
  if (total === 0) return false;
  const copies = examples.some((example) => example.copies !== undefined);
  const shown = examples.length < total ? `the first ${examples.length} of ${count(total)}` : count(total);
  return html`<table class="writes" data-writes="${kind}">
<caption>${title} (${shown})</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Written at</th><th scope="col">Phase</th><th scope="col">Outcome</th><th scope="col">Took</th>${copies && html`<th scope="col">Copies</th>`}<th scope="col">System answered</th></tr></thead>
<tbody>
${examples.map(
  (example) =>
    html`<tr data-id="${example.id}"><td><code>${example.id}</code></td><td class="n">${since(run.startedAt, example.at)}</td><td>${example.phase}</td><td>${example.outcome}</td><td class="n">${formatDuration(example.durationMs)}</td>${copies && html`<td class="n">${example.copies ?? ''}</td>`}<td>${example.told}</td></tr>`,
)}
</tbody>
</table>`;
}

/** Each detection check: noticed after how long, within what deadline, or why not. */
export function detectionSection(detect: readonly Detection[] | undefined): Markup | false {
  if (!detect || detect.length === 0) return false;
  const words = {
    detected: html`<span class="status status-pass">detected</span>`,
    'not-detected': html`<span class="status status-fail">NOT detected</span>`,
    'not-checked': html`<span class="status status-not-run">not checked</span>`,
  };
  return html`<h3>Detection: did the monitoring notice?</h3>
<table class="detections">
<thead><tr><th scope="col">Check</th><th scope="col">Result</th><th scope="col">Time to detect</th><th scope="col">Deadline</th><th scope="col">What was seen</th></tr></thead>
<tbody>
${detect.map((detection) => {
  const state = detectionState(detection);
  return html`<tr class="detect-row" data-detect="${detection.probe}" data-state="${state}"><td>${detection.probe}</td><td>${words[state]}</td><td class="n">${detection.detectedAfterMs === null ? '-' : formatDuration(detection.detectedAfterMs)}</td><td class="n">${formatDuration(detection.withinMs)}</td><td>${state === 'not-checked' ? 'no fault was injected' : detection.reason}</td></tr>`;
})}
</tbody>
</table>
<p class="muted">Time to detect: from the start of the first fault to the first check that saw it.</p>`;
}

function since(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? `+${formatDuration(Math.max(0, ms))}` : to;
}
