import type { FaultRecord, Outcome, ProbeSummary, RunResult, SessionResult } from '../model/journal.js';
import { OUTCOME_WORDS, outcomeLabel, verdictForExitCode } from '../model/outcomes.js';
import { faultImpacts } from '../report/impact.js';
import { describeTarget } from '../targets/target.js';
import { formatDuration } from '../util/duration.js';
import type { ReportedRun } from './json.js';
import { dataSection, detectionSection } from './markdown-data.js';
import { impactSection, summaryTable } from './markdown-impact.js';
import { code, codeBlock, inline, table } from './markdown-text.js';

export { inline, tableCell } from './markdown-text.js';

/** The session as Markdown, for a file and for the GitHub Actions job summary. */
export function renderMarkdown(session: SessionResult): string {
  const runs: ReportedRun[] = session.runs.map((run) => ({ ...run, impact: faultImpacts(run) }));
  const parts = [`# faultline\n\n${sessionLine(session)}`];
  if (runs.length > 0) parts.push(summaryTable(runs, (run) => marker(outcomeLabel(run.outcome))));
  if (session.invalid.length > 0) parts.push(invalidSection(session.invalid));
  for (const run of runs) parts.push(runSection(run));
  return `${parts.join('\n\n')}\n`;
}

function sessionLine(session: SessionResult): string {
  const tally = new Map<Outcome, number>();
  for (const run of session.runs) tally.set(run.outcome, (tally.get(run.outcome) ?? 0) + 1);
  const outcomes = [...tally].map(([outcome, n]) => `${n} ${OUTCOME_WORDS[outcome]}`).join(', ');
  const runs = session.runs.length === 1 ? '1 experiment' : `${session.runs.length} experiments`;
  const invalid = session.invalid.length === 0 ? '' : `, ${plural(session.invalid.length, 'invalid file')}`;
  return (
    `${marker(verdictForExitCode(session.exitCode).label)}: exit code ${session.exitCode}. ` +
    `${runs}${outcomes ? ` (${outcomes})` : ''}${invalid} in ${formatDuration(session.durationMs)}.`
  );
}

function invalidSection(invalid: SessionResult['invalid']): string {
  const items = invalid.map((item) => `### ${inline(item.file)}\n\n${codeBlock(item.message)}`);
  return `## Invalid files\n\n${items.join('\n\n')}`;
}

function runSection(run: ReportedRun): string {
  const parts = [
    `## ${inline(run.title)}`,
    `${marker(outcomeLabel(run.outcome))}: ${inline(run.summary)}`,
    [
      code(run.file),
      `seed ${run.seed}`,
      formatDuration(run.durationMs),
      ...(run.tags.length > 0 ? [`tags ${run.tags.map((tag) => inline(tag)).join(', ')}`] : []),
    ].join(' · '),
  ];
  if (run.probes.length > 0) parts.push(`### Probes\n\n${probeTable(run.probes)}`);
  if (run.impact.length > 0) parts.push(impactSection(run.impact));
  for (const section of [dataSection(run), detectionSection(run.detect)]) if (section) parts.push(section);
  if (run.faults.length > 0) parts.push(`### Faults\n\n${faultTable(run)}`);
  const left = run.faults.filter((fault) => fault.status === 'failed' || fault.status === 'active');
  if (left.length > 0) parts.push(leftBehind(left));
  parts.push(`Exit code: ${run.exitCode}`);
  return parts.join('\n\n');
}

function probeTable(probes: ProbeSummary[]): string {
  return table(
    ['Phase', 'Probe', 'Status', 'Samples', 'Failures', 'Reason'],
    ['---', '---', '---', '---:', '---:', '---'],
    probes.map((probe) => [
      probe.phase,
      probe.probe,
      probeStatus(probe),
      String(probe.samples),
      String(probe.failures),
      probe.reason,
    ]),
    new Set([2]),
  );
}

function probeStatus(probe: ProbeSummary): string {
  if (probe.status === 'fail' || probe.status === 'error') return `**${probe.status}**`;
  return probe.status === 'not-run' ? 'not run' : probe.status;
}

function faultTable(run: RunResult): string {
  return table(
    ['Fault', 'Target', 'Injected', 'Reverted', 'Status'],
    ['---', '---', '---:', '---:', '---'],
    run.faults.map((fault) => [
      fault.fault,
      describeTarget(fault.target),
      offset(run.startedAt, fault.injectedAt),
      fault.revertedAt ? offset(run.startedAt, fault.revertedAt) : '-',
      faultStatus(fault),
    ]),
    new Set([4]),
  );
}

function faultStatus(fault: FaultRecord): string {
  if (fault.status === 'failed' || fault.status === 'active')
    return `**${fault.status === 'active' ? 'still active' : 'revert failed'}**`;
  return fault.status.replace('-', ' ');
}

function leftBehind(faults: FaultRecord[]): string {
  const lines = faults.map((fault) => {
    const what = `${inline(fault.fault)} on ${inline(describeTarget(fault.target))}`;
    return fault.remedy
      ? `- ${what}: remove it with ${code(fault.remedy)}`
      : `- ${what}: no command is known to remove it (${inline(fault.detail)})`;
  });
  return `**Left in place:**\n\n${lines.join('\n')}`;
}

function marker(label: string): string {
  return `**${label}**`;
}

function offset(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? `+${formatDuration(Math.max(0, ms))}` : to;
}

function plural(n: number, noun: string): string {
  return n === 1 ? `1 ${noun}` : `${n} ${noun}s`;
}
