import { errorRateDelta, formatErrorRate, formatLatency, latencyDelta } from '../report/format.js';
import type { FaultImpact, WindowImpact } from '../report/impact-types.js';
import { faultsInWords, recoveryInWords, recoveryOfRun, worstOfRun } from '../report/summary.js';
import type { ReportedRun } from './json.js';
import { inline, table } from './markdown-text.js';

/** One line per experiment: what decides at a glance. */
export function summaryTable(runs: readonly ReportedRun[], verdict: (run: ReportedRun) => string): string {
  return table(
    ['Experiment', 'Verdict', 'Faults', 'Worst change', 'Time to recover'],
    ['---', '---', '---', '---', '---:'],
    runs.map((run) => [
      run.title,
      verdict(run),
      faultsInWords(run.impact),
      worstOfRun(run.impact)?.text ?? '-',
      recoveryInWords(recoveryOfRun(run.impact)),
    ]),
    new Set([1]),
  );
}

/** Per fault and probe: what users saw before, during and after it, and when they got back to normal. */
export function impactSection(impacts: readonly FaultImpact[]): string {
  const rows = impacts.flatMap((impact) =>
    impact.probes.map((probe, i) => [
      i === 0 ? `${inline(impact.fault)} on ${inline(impact.target)}` : '',
      inline(probe.probe) + (probe.kind === 'load' ? ' (load)' : ''),
      windowCell(probe.before),
      changeCell(probe.before, probe.during),
      changeCell(probe.before, probe.after),
      recoveryInWords(probe.recovery),
    ]),
  );
  const totals = impacts.map(
    (impact) =>
      `- ${inline(impact.fault)} on ${inline(impact.target)}: time to recover ${recoveryInWords(impact.recovery)}` +
      (impact.worst ? `; worst change ${impact.worst.text} (${inline(impact.worst.probe)})` : ''),
  );
  return (
    `### What users saw\n\n${totals.join('\n')}\n\n` +
    table(
      ['Fault', 'Probe', 'Before', 'During', 'After', 'Recovered after'],
      ['---', '---', '---', '---', '---', '---:'],
      rows,
      new Set([0, 1, 2, 3, 4]),
    ) +
    `\n\n${WINDOWS_NOTE}`
  );
}

const WINDOWS_NOTE =
  "_Before_: the baseline, before the method. _During_: from the fault's Docker call to the end of its revert. " +
  '_After_: from the end of the revert to the next fault or the end of the run. Latencies are probe ' +
  'durations (load: request latencies), errors the share of samples that missed. _Recovered after_: from the ' +
  'end of the revert to the first sample from which every later one met the hypothesis.';

function windowCell(window: WindowImpact): string {
  if (window.samples === 0) return 'no samples';
  return `p50 ${formatLatency(window.p50)}, p95 ${formatLatency(window.p95)}, errors ${formatErrorRate(window.errorRate)} (n=${window.samples})`;
}

/** A window against the baseline: a change worth seeing is in bold. */
function changeCell(before: WindowImpact, now: WindowImpact): string {
  if (now.samples === 0) return 'no samples';
  const latency = latencyDelta(before.p95, now.p95);
  const errors = errorRateDelta(before.errorRate, now.errorRate);
  const worse = (now.p95 ?? 0) > 2 * (before.p95 ?? Number.POSITIVE_INFINITY) + 10;
  const more = (now.errorRate ?? 0) - (before.errorRate ?? 1) >= 0.01;
  const mark = (text: string, on: boolean) => (text && on ? `**${text}**` : text);
  return (
    `p50 ${formatLatency(now.p50)}, p95 ${formatLatency(now.p95)}${latency ? ` (${mark(latency, worse)})` : ''}, ` +
    `errors ${formatErrorRate(now.errorRate)}${errors ? ` (${mark(errors, more)})` : ''} (n=${now.samples})`
  );
}
