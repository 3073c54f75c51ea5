import { errorRateDelta, formatErrorRate, formatLatency, latencyDelta } from '../../report/format.js';
import type { FaultImpact, WindowImpact } from '../../report/impact-types.js';
import { recoveryInWords } from '../../report/summary.js';
import { html, type Markup } from './markup.js';

/** Per fault and probe: what users saw before, during and after it, and when they got back to normal. */
export function impactSection(impacts: readonly FaultImpact[]): Markup | false {
  if (impacts.length === 0) return false;
  return html`<h3>What users saw</h3>
<table class="impact">
<thead><tr><th scope="col">Fault</th><th scope="col">Probe</th><th scope="col">Before</th><th scope="col">During</th><th scope="col">After</th><th scope="col">Recovered after</th></tr></thead>
<tbody>
${impacts.map((impact) =>
  impact.probes.map(
    (probe, i) => html`<tr data-fault="${impact.faultId}" data-probe="${probe.probe}">
${i === 0 && html`<th scope="rowgroup" rowspan="${impact.probes.length}">${impact.fault} on ${impact.target}<br><span class="muted">time to recover: <strong class="recovery">${recoveryInWords(impact.recovery)}</strong>${impact.worst && html`<br>worst change: ${impact.worst.text}`}</span></th>`}
<td>${probe.probe}${probe.kind === 'load' && html` <span class="muted">(load)</span>`}</td>
${windowCell(probe.before)}
${windowCell(probe.during, probe.before)}
${windowCell(probe.after, probe.before)}
<td class="n">${recoveryInWords(probe.recovery)}</td>
</tr>`,
  ),
)}
</tbody>
</table>
<p class="muted">Before: the baseline, before the method. During: from the fault's Docker call to the end of its revert. After: from the end of the revert to the next fault or the end of the run. Latencies are probe durations (load: request latencies), errors the share of samples that missed. Recovered after: from the end of the revert to the first sample from which every later one met the hypothesis.</p>`;
}

/** A window's numbers; with a baseline, the change against it, a change for the worse in red. */
function windowCell(window: WindowImpact, base?: WindowImpact): Markup {
  if (window.samples === 0) return html`<td class="muted">no samples</td>`;
  const latency = base ? latencyDelta(base.p95, window.p95) : '';
  const errors = base ? errorRateDelta(base.errorRate, window.errorRate) : '';
  const slower = base !== undefined && (window.p95 ?? 0) > 2 * (base.p95 ?? Number.POSITIVE_INFINITY) + 10;
  const failing = base !== undefined && (window.errorRate ?? 0) - (base.errorRate ?? 1) >= 0.01;
  return html`<td class="${slower || failing ? 'worse' : ''}">p50 ${formatLatency(window.p50)} · p95 ${formatLatency(window.p95)}${latency && html` <span class="${slower ? 'delta-worse' : 'delta'}">(${latency})</span>`}<br>errors ${formatErrorRate(window.errorRate)}${errors && html` <span class="${failing ? 'delta-worse' : 'delta'}">(${errors})</span>`} <span class="muted">n=${window.samples}</span></td>`;
}
