import { formatMetric } from '../../load/format-metric.js';
import { seriesView } from '../../load/timeline.js';
import type { LoadSeries } from '../../load/types.js';
import type { FaultRecord, ProbeSample, ProbeStatus, RunResult } from '../../model/journal.js';
import { verdictForOutcome } from '../../model/outcomes.js';
import { faultImpacts } from '../../report/impact.js';
import { describeTarget } from '../../targets/target.js';
import { formatDuration } from '../../util/duration.js';
import { sampleCount } from '../data-text.js';
import { journalText } from '../journal-text.js';
import { dataSection, detectionSection } from './data-section.js';
import { impactSection } from './impact-section.js';
import { html, type Markup } from './markup.js';
import { renderTimeline } from './timeline.js';
import type { RunWithLoad } from './timeline-data.js';

type SamplePhase = ProbeSample['phase'];

/** One row of the probe table: a probe in one phase. */
export interface ProbeRow {
  probe: string;
  phase: SamplePhase;
  status: ProbeStatus | 'not-run';
  samples: number;
  failures: number;
  /** What the checks expected, e.g. "status 200". */
  expected: string[];
  /** The first sample that did not pass, in words: "status: expected 200, saw 503". */
  firstFailure?: { atMs: number | undefined; text: string; attempts: number } | undefined;
  /** The summary's reason: the first failure's, or the last sample's when all passed. */
  reason: string;
}

const PHASE_ORDER: Record<SamplePhase, number> = { before: 0, method: 1, during: 2, guard: 3, after: 4 };

const PHASE_WORDS: Record<SamplePhase, { name: string; when: string }> = {
  before: { name: 'before', when: 'baseline, before any fault' },
  method: { name: 'method', when: 'a probe step of the method' },
  during: { name: 'during', when: 'while faults were active' },
  guard: { name: 'guard', when: 'safety check before the first fault and while faults were active' },
  after: { name: 'after', when: 'recovery, once faults were reverted' },
};

const STATUS_WORDS: Record<ProbeRow['status'], string> = {
  pass: 'passed',
  fail: 'FAILED',
  error: 'ERROR: could not check',
  'not-run': 'not run',
};

/** One experiment: verdict, facts, timeline, probes, load, faults and the journal. */
export function renderRun(run: RunWithLoad, index: number): Markup {
  const id = `run-${index + 1}`;
  const verdict = verdictForOutcome(run.outcome);
  const left = run.faults.filter((fault) => fault.status === 'failed' || fault.status === 'active');
  const load = run.load ?? [];
  return html`<section class="card run" id="${id}" aria-labelledby="${id}-title" data-outcome="${run.outcome}">
<h2 id="${id}-title">${run.title}</h2>
<p class="run-verdict"><span class="badge tone-${verdict.tone}">${verdict.label}</span> ${verdict.headline} (exit code ${run.exitCode})</p>
<p class="summary">${run.summary}</p>
${run.description && html`<p class="description">${run.description}</p>`}
<dl class="facts">
<dt>File</dt><dd><code>${run.file}</code></dd>
<dt>Seed</dt><dd>${run.seed} <span class="muted">(run again with the same seed to pick the same targets)</span></dd>
<dt>Started</dt><dd>${clock(run.startedAt)}</dd>
<dt>Duration</dt><dd>${formatDuration(run.durationMs)}</dd>
${run.tags.length > 0 && html`<dt>Tags</dt><dd>${run.tags.join(', ')}</dd>`}
</dl>
${run.guard && guardCallout(run.guard)}
${left.length > 0 && leftCallout(left)}
<h3>Timeline</h3>
<figure>
${renderTimeline(run, `${id}-timeline`)}
<figcaption>Time runs left to right from the start of the run. Shaded bands: when each fault was in place. Each point is one probe check, placed at the time it ran and as high as it took long; its colour and shape say whether it passed.${load.length > 0 ? ' The load panels show how long requests took (50th, 95th and 99th percentile per second, or per longer bucket where the panel title says so) and how many failed.' : ''}${(run.workload ?? []).length > 0 ? ' The workload panels stack each second’s writes by outcome (acknowledged solid, refused striped, indeterminate dotted, skipped cross-hatched); triangles above them mark lost writes.' : ''}</figcaption>
</figure>
${impactSection(faultImpacts(run))}
${dataSection(run)}
${detectionSection(run.detect)}
<h3>Probes: what was expected and what was seen</h3>
${probeTable(run)}
${load.length > 0 && loadTable(load)}
<h3>Faults</h3>
${faultTable(run)}
<details class="journal">
<summary>Journal: every event of the run (${run.journal.length})</summary>
<pre>${journalText(run.journal, (sample) => sampleCount(run, sample))}</pre>
</details>
</section>`;
}

function guardCallout(guard: NonNullable<RunResult['guard']>): Markup {
  return html`<div class="callout tone-${verdictForOutcome('aborted').tone}" role="note">
<p><strong>A guard stopped this run.</strong> Guard “${guard.probe}” failed at ${clock(guard.trippedAt)}: ${guard.reason}.</p>
<p>Every fault was reverted within ${formatDuration(guard.revertedWithinMs)} of the trip.</p>
</div>`;
}

function leftCallout(left: FaultRecord[]): Markup {
  return html`<div class="callout tone-${verdictForOutcome('revert-failed').tone}" role="alert">
<p><strong>${left.length === 1 ? 'A fault may still be in place.' : `${left.length} faults may still be in place.`}</strong> The system may still be degraded; remove what is left:</p>
${left.map(
  (fault) =>
    html`<p>${fault.fault} on ${describeTarget(fault.target)}: ${fault.remedy ? html`<code>${fault.remedy}</code>` : `no command is known to remove it (${fault.detail})`}</p>`,
)}
</div>`;
}

/** The probe rows of a run, in phase order: its summaries, plus guards and anything else sampled. */
export function probeRows(run: RunResult): ProbeRow[] {
  const origin = Date.parse(run.startedAt);
  const samples = run.journal.flatMap((entry) => (entry.type === 'probe' ? [entry.sample] : []));
  const key = (probe: string, phase: SamplePhase) => `${phase}\u0000${probe}`;
  const groups = new Map<string, ProbeSample[]>();
  for (const sample of samples) {
    const group = groups.get(key(sample.probe, sample.phase)) ?? [];
    group.push(sample);
    groups.set(key(sample.probe, sample.phase), group);
  }
  const expectedOf = (own: ProbeSample[], probe: string) => {
    const source = own.length > 0 ? own : samples.filter((sample) => sample.probe === probe);
    return [
      ...new Set(source.flatMap((sample) => sample.checks.map((check) => `${check.name} ${check.expected}`))),
    ];
  };
  const failureOf = (own: ProbeSample[]): ProbeRow['firstFailure'] => {
    const sample = own.find((candidate) => candidate.status !== 'pass');
    if (!sample) return undefined;
    const check = sample.checks.find((candidate) => !candidate.ok);
    const atMs = Date.parse(sample.startedAt) - origin;
    return {
      atMs: Number.isFinite(atMs) ? Math.max(0, atMs) : undefined,
      text: check ? `${check.name}: expected ${check.expected}, saw ${check.actual}` : sample.reason,
      attempts: sample.attempts,
    };
  };

  const rows: ProbeRow[] = run.probes.map((summary) => {
    const own = groups.get(key(summary.probe, summary.phase)) ?? [];
    groups.delete(key(summary.probe, summary.phase));
    const failure = failureOf(own);
    return {
      probe: summary.probe,
      phase: summary.phase,
      status: summary.status,
      samples: summary.samples,
      failures: summary.failures,
      expected: expectedOf(own, summary.probe),
      firstFailure:
        failure ??
        (summary.status === 'fail' || summary.status === 'error'
          ? { atMs: undefined, text: summary.reason, attempts: 0 }
          : undefined),
      reason: summary.reason,
    };
  });
  for (const own of groups.values()) {
    const first = own[0]!;
    const failed = own.filter((sample) => sample.status !== 'pass');
    rows.push({
      probe: first.probe,
      phase: first.phase,
      status: own.some((s) => s.status === 'error') ? 'error' : failed.length > 0 ? 'fail' : 'pass',
      samples: own.length,
      failures: failed.length,
      expected: expectedOf(own, first.probe),
      firstFailure: failureOf(own),
      reason: (failed[0] ?? own.at(-1) ?? first).reason,
    });
  }
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => PHASE_ORDER[a.row.phase] - PHASE_ORDER[b.row.phase] || a.i - b.i)
    .map(({ row }) => row);
}

function probeTable(run: RunResult): Markup {
  const rows = probeRows(run);
  if (rows.length === 0) return html`<p class="muted">No probe was checked in this run.</p>`;
  return html`<table class="probes">
<thead><tr><th>When</th><th>Probe</th><th>Expected</th><th>Result</th><th>Samples</th><th>Failures</th><th>What was seen</th></tr></thead>
<tbody>
${rows.map(
  (row) => html`<tr class="probe-row" data-phase="${row.phase}" data-status="${row.status}">
<td><span class="phase-name">${PHASE_WORDS[row.phase].name}</span><br><span class="muted">${PHASE_WORDS[row.phase].when}</span></td>
<td>${row.probe}</td>
<td>${row.expected.length > 0 ? html`<ul>${row.expected.map((text) => html`<li>${text}</li>`)}</ul>` : html`<span class="muted">-</span>`}</td>
<td><span class="status status-${row.status}">${STATUS_WORDS[row.status]}</span></td>
<td class="n">${row.samples}</td>
<td class="n">${row.failures}</td>
<td>${seen(row)}</td>
</tr>`,
)}
</tbody>
</table>`;
}

function seen(row: ProbeRow): Markup {
  const failure = row.firstFailure;
  if (failure) {
    const when = failure.atMs === undefined ? '' : ` at ${offset(failure.atMs)}`;
    const attempts = failure.attempts > 1 ? `, after ${failure.attempts} attempts` : '';
    return html`<span class="failure">${failure.text}</span><br><span class="muted">first failure${when}${attempts}</span>`;
  }
  if (row.status === 'not-run')
    return html`<span class="muted">${row.reason || 'not checked: the run ended before this phase'}</span>`;
  return html`<span class="muted">${row.reason}</span>`;
}

function loadTable(load: LoadSeries[]): Markup {
  return html`<h3>Load</h3>
<table class="load-table">
<thead><tr><th>Load probe</th><th>Requests</th><th>Failed</th><th>p50</th><th>p95</th><th>p99</th><th>Max</th><th>Thresholds</th></tr></thead>
<tbody>
${load.map((series) => {
  // Over the whole run: every slice of the probe's timeline.
  const view = seriesView(series);
  const all = view.span ? view.stats(view.span.from, view.span.to + 1) : undefined;
  const ms = (value: number | undefined) =>
    all && value !== undefined && Number.isFinite(value) ? formatMetric('p50', value) : '-';
  return html`<tr class="load-row" data-load="${series.probe}">
<td>${series.probe}<br><span class="muted">${series.url} at ${series.ratePerSecond}/s</span></td>
<td class="n">${all?.requests ?? 0}</td>
<td class="n">${all ? `${all.errors} (${formatMetric('error_rate', all.errorRate)})` : '-'}</td>
<td class="n">${ms(all?.p50)}</td>
<td class="n">${ms(all?.p95)}</td>
<td class="n">${ms(all?.p99)}</td>
<td class="n">${ms(all?.max)}</td>
<td>${series.thresholds.length > 0 ? series.thresholds.join(', ') : html`<span class="muted">none</span>`}</td>
</tr>`;
})}
</tbody>
</table>`;
}

function faultTable(run: RunResult): Markup {
  if (run.faults.length === 0) return html`<p class="muted">No fault was injected in this run.</p>`;
  const held = new Map<string, number>();
  for (const entry of run.journal) {
    if (entry.type === 'fault-reverted') held.set(entry.faultId, entry.heldMs);
  }
  return html`<table class="faults">
<thead><tr><th>Fault</th><th>Target</th><th>Injected at</th><th>Reverted at</th><th>Held for</th><th>Status</th><th>Detail / remedy</th></tr></thead>
<tbody>
${run.faults.map((fault) => {
  const left = fault.status === 'failed' || fault.status === 'active';
  const heldMs =
    held.get(fault.faultId) ??
    (fault.revertedAt ? Date.parse(fault.revertedAt) - Date.parse(fault.injectedAt) : Number.NaN);
  return html`<tr class="fault-row" data-fault="${fault.faultId}" data-status="${fault.status}">
<td>${fault.fault}<br><span class="muted">${fault.faultId}</span></td>
<td>${describeTarget(fault.target)}</td>
<td class="n" title="${clock(fault.injectedAt)}">${since(run.startedAt, fault.injectedAt)}</td>
<td class="n"${fault.revertedAt ? html` title="${clock(fault.revertedAt)}"` : ''}>${fault.revertedAt && !left ? since(run.startedAt, fault.revertedAt) : '-'}</td>
<td class="n">${left ? 'still in place' : Number.isFinite(heldMs) ? formatDuration(heldMs) : '-'}</td>
<td>${faultStatus(fault)}</td>
<td>${fault.detail}${fault.problem && html`<br>did not act as asked: ${fault.problem}`}${fault.remedy && html`<br>remove it by hand: <code>${fault.remedy}</code>`}</td>
</tr>`;
})}
</tbody>
</table>`;
}

function faultStatus(fault: FaultRecord): Markup {
  switch (fault.status) {
    case 'failed':
      return html`<span class="status status-left">REVERT FAILED: still in place</span>`;
    case 'active':
      return html`<span class="status status-left">STILL ACTIVE: no revert recorded</span>`;
    case 'target-gone':
      return html`<span class="status status-not-run">target gone (the container was removed)</span>`;
    case 'already-reverted':
      return html`<span class="status status-pass">already reverted</span>`;
    case 'reverted':
      return html`<span class="status status-pass">reverted</span>`;
  }
}

function since(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? offset(ms) : to;
}

function offset(ms: number): string {
  return `+${formatDuration(Math.max(0, ms))}`;
}

/** An ISO time as "2025-03-01 10:00:00.000 UTC"; the text as it is when it is not a time. */
export function clock(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().replace('T', ' ').replace('Z', '')} UTC`;
}
