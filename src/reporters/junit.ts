import type {
  FaultRecord,
  JournalEntry,
  ProbeSample,
  ProbeSummary,
  RunResult,
  SessionResult,
} from '../model/journal.js';
import { describeTarget } from '../targets/target.js';
import { formatDuration } from '../util/duration.js';

/** At most this many failing samples are spelled out under one probe's failure. */
const MAX_SAMPLES_SHOWN = 20;

interface JunitVerdict {
  kind: 'failure' | 'error' | 'skipped';
  message: string;
  type?: string;
  body?: string;
}

interface JunitCase {
  name: string;
  classname: string;
  file: string;
  timeMs: number;
  verdict?: JunitVerdict;
  systemOut?: string;
}

interface JunitSuite {
  name: string;
  file: string;
  timestamp: string;
  timeMs: number;
  properties: [string, string][];
  cases: JunitCase[];
  systemOut?: string;
}

/**
 * The session as JUnit XML: one testsuite per run, one testcase per probe, one for the reverts and,
 * when the run itself failed, one for the run. CI shows the tests; the exit code still decides the job.
 */
export function renderJunit(session: SessionResult): string {
  const suites = [...session.runs.map(runSuite), ...session.invalid.map(invalidSuite)];
  const cases = suites.flatMap((suite) => suite.cases);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes([
      ['name', 'faultline'],
      ...counts(cases),
      ['time', seconds(session.durationMs)],
      ['timestamp', junitTimestamp(session.startedAt)],
    ])}>`,
    ...suites.flatMap(renderSuite),
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
}

function runSuite(run: RunResult): JunitSuite {
  const samples = run.journal.flatMap((entry) => (entry.type === 'probe' ? [entry.sample] : []));
  const cases = run.probes.map((probe) => probeCase(run, probe, samples));
  cases.push(faultsCase(run));
  if (run.outcome === 'errored' || run.outcome === 'interrupted' || run.outcome === 'aborted') {
    cases.push({
      name: 'run',
      classname: run.file,
      file: run.file,
      timeMs: run.durationMs,
      verdict: { kind: 'error', type: run.outcome, message: run.summary, body: run.summary },
    });
  }
  return {
    name: run.title,
    file: run.file,
    timestamp: run.startedAt,
    timeMs: run.durationMs,
    properties: [
      ['outcome', run.outcome],
      ['exit-code', String(run.exitCode)],
      ['seed', String(run.seed)],
      ...(run.tags.length > 0 ? [['tags', run.tags.join(', ')] as [string, string]] : []),
    ],
    cases,
    systemOut: journalText(run.journal),
  };
}

function probeCase(run: RunResult, probe: ProbeSummary, samples: ProbeSample[]): JunitCase {
  const own = samples.filter((sample) => sample.probe === probe.probe && sample.phase === probe.phase);
  const testcase: JunitCase = {
    name: `${probe.phase}: ${probe.probe}`,
    classname: run.file,
    file: run.file,
    timeMs: own.reduce((total, sample) => total + sample.durationMs, 0),
  };
  if (probe.status === 'fail' || probe.status === 'error') {
    const failed = own.filter((sample) => sample.status !== 'pass');
    testcase.verdict = {
      kind: probe.status === 'fail' ? 'failure' : 'error',
      type: probe.status === 'fail' ? 'deviation' : 'probe-error',
      message:
        probe.reason ||
        firstFailedCheck(failed) ||
        `the probe ${probe.status === 'fail' ? 'failed' : 'errored'}`,
      body: probeDetails(run, probe, failed),
    };
  } else if (probe.status === 'not-run') {
    testcase.verdict = { kind: 'skipped', message: probe.reason || 'not run' };
  }
  return testcase;
}

function probeDetails(run: RunResult, probe: ProbeSummary, failed: ProbeSample[]): string {
  const lines = [`${probe.failures} of ${probe.samples} samples did not pass.`];
  for (const sample of failed.slice(0, MAX_SAMPLES_SHOWN)) {
    const attempts = sample.attempts === 1 ? '1 attempt' : `${sample.attempts} attempts`;
    lines.push(`${offset(run.startedAt, sample.startedAt)} ${sample.status} (${attempts}): ${sample.reason}`);
    for (const check of sample.checks) {
      lines.push(
        `  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: expected ${check.expected}, saw ${check.actual}`,
      );
    }
  }
  if (failed.length > MAX_SAMPLES_SHOWN) lines.push(`... and ${failed.length - MAX_SAMPLES_SHOWN} more`);
  return lines.join('\n');
}

function firstFailedCheck(samples: ProbeSample[]): string | undefined {
  const check = samples.flatMap((sample) => sample.checks).find((candidate) => !candidate.ok);
  return check && `${check.name}: expected ${check.expected}, saw ${check.actual}`;
}

function faultsCase(run: RunResult): JunitCase {
  const left = run.faults.filter((fault) => fault.status === 'failed' || fault.status === 'active');
  const testcase: JunitCase = {
    name: 'faults reverted',
    classname: run.file,
    file: run.file,
    timeMs: 0,
  };
  if (run.faults.length > 0) testcase.systemOut = run.faults.map(faultLine).join('\n');
  if (left.length > 0) {
    const what = left.map((fault) => `${fault.fault} on ${describeTarget(fault.target)}`).join('; ');
    testcase.verdict = {
      kind: 'failure',
      type: 'revert-failed',
      message: `${left.length === 1 ? '1 fault is' : `${left.length} faults are`} still in place: ${what}`,
      body: left.map(leftFaultText).join('\n'),
    };
  }
  return testcase;
}

function faultLine(fault: FaultRecord): string {
  return `${fault.fault} [${fault.faultId}] on ${describeTarget(fault.target)}: ${fault.status}${fault.detail ? ` (${fault.detail})` : ''}`;
}

function leftFaultText(fault: FaultRecord): string {
  const status = fault.status === 'active' ? 'no revert was recorded' : 'the revert failed';
  const lines = [`${fault.fault} [${fault.faultId}] on ${describeTarget(fault.target)}: ${status}`];
  if (fault.detail) lines.push(`  ${fault.detail}`);
  lines.push(fault.remedy ? `  remove it by hand: ${fault.remedy}` : '  no command is known to remove it');
  return lines.join('\n');
}

function invalidSuite(invalid: { file: string; message: string }): JunitSuite {
  return {
    name: invalid.file,
    file: invalid.file,
    timestamp: '',
    timeMs: 0,
    properties: [],
    cases: [
      {
        name: 'valid experiment file',
        classname: invalid.file,
        file: invalid.file,
        timeMs: 0,
        verdict: {
          kind: 'error',
          type: 'invalid',
          message: invalid.message.split('\n')[0] ?? invalid.message,
          body: invalid.message,
        },
      },
    ],
  };
}

function renderSuite(suite: JunitSuite): string[] {
  const lines = [
    `  <testsuite${attributes([
      ['name', suite.name],
      ...counts(suite.cases),
      ['time', seconds(suite.timeMs)],
      ...(suite.timestamp ? [['timestamp', junitTimestamp(suite.timestamp)] as [string, string]] : []),
      ['file', suite.file],
    ])}>`,
  ];
  if (suite.properties.length > 0) {
    lines.push('    <properties>');
    for (const [name, value] of suite.properties)
      lines.push(
        `      <property${attributes([
          ['name', name],
          ['value', value],
        ])}/>`,
      );
    lines.push('    </properties>');
  }
  for (const testcase of suite.cases) lines.push(...renderCase(testcase));
  if (suite.systemOut) lines.push(`    <system-out>${escapeText(suite.systemOut)}</system-out>`);
  lines.push('  </testsuite>');
  return lines;
}

function renderCase(testcase: JunitCase): string[] {
  const open = `    <testcase${attributes([
    ['name', testcase.name],
    ['classname', testcase.classname],
    ['file', testcase.file],
    ['time', seconds(testcase.timeMs)],
  ])}`;
  const { verdict, systemOut } = testcase;
  if (!verdict && !systemOut) return [`${open}/>`];
  const lines = [`${open}>`];
  if (verdict) {
    const attrs = attributes([
      ['message', verdict.message],
      ...(verdict.type ? [['type', verdict.type] as [string, string]] : []),
    ]);
    lines.push(
      verdict.body
        ? `      <${verdict.kind}${attrs}>${escapeText(verdict.body)}</${verdict.kind}>`
        : `      <${verdict.kind}${attrs}/>`,
    );
  }
  if (systemOut) lines.push(`      <system-out>${escapeText(systemOut)}</system-out>`);
  lines.push('    </testcase>');
  return lines;
}

function counts(cases: JunitCase[]): [string, string][] {
  const count = (kind: JunitVerdict['kind']) => String(cases.filter((c) => c.verdict?.kind === kind).length);
  return [
    ['tests', String(cases.length)],
    ['failures', count('failure')],
    ['errors', count('error')],
    ['skipped', count('skipped')],
  ];
}

/** The journal as plain timestamped lines, for the suite's system-out. */
export function journalText(journal: JournalEntry[]): string {
  return journal.map(journalLine).join('\n');
}

export function journalLine(entry: JournalEntry): string {
  const prefix = `${clockTime(entry.at)} +${(Math.max(0, entry.t) / 1000).toFixed(3)}s `;
  const indent = `\n${' '.repeat(prefix.length)}`;
  return prefix + describeEvent(entry).replace(/\r?\n/g, indent);
}

function describeEvent(entry: JournalEntry): string {
  switch (entry.type) {
    case 'phase':
      return `-- ${entry.phase} --`;
    case 'targets': {
      const found = entry.targets.map(describeTarget).join(', ');
      return `${entry.step}: ${entry.selector} matched ${found || 'no container'}`;
    }
    case 'step-start':
      return `start ${entry.label}`;
    case 'step-end':
      return `${entry.status} ${entry.label} in ${formatDuration(entry.durationMs)}${entry.error ? `: ${entry.error}` : ''}`;
    case 'fault-injected':
      return `injected ${entry.fault} [${entry.faultId}] into ${describeTarget(entry.target)}: ${entry.detail}`;
    case 'fault-reverted': {
      const remedy = entry.remedy ? `; remove it by hand: ${entry.remedy}` : '';
      const held = formatDuration(entry.heldMs);
      return `revert ${entry.fault} [${entry.faultId}] on ${describeTarget(entry.target)}: ${entry.status} after ${held}: ${entry.detail}${remedy}`;
    }
    case 'probe': {
      const { sample } = entry;
      const attempts = sample.attempts === 1 ? '1 attempt' : `${sample.attempts} attempts`;
      return `probe ${sample.phase}: ${sample.probe}: ${sample.status} (${attempts}, ${formatDuration(sample.durationMs)}): ${sample.reason}`;
    }
    case 'guard':
      return `GUARD FAILED: ${entry.probe}: ${entry.reason}; reverting everything`;
    case 'log':
      return `${entry.level}: ${entry.message}`;
  }
}

function clockTime(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : date.toISOString().slice(11, 23);
}

function offset(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? `+${(Math.max(0, ms) / 1000).toFixed(3)}s` : to;
}

function seconds(ms: number): string {
  return (Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0).toFixed(3);
}

/** The Ant schema's form (no zone, no fraction), which every JUnit reader accepts; the time is UTC. */
function junitTimestamp(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 19);
}

function attributes(pairs: [string, string][]): string {
  return pairs.map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`).join('');
}

// Terminal colour sequences from command output: noise in a report. Other sequences (clear the
// screen, move the cursor) are not dropped but shown, as `\x1b[2J`, like any control character.
const ANSI = /\u001b\[[0-9;:]*m/g;
// Characters XML 1.0 forbids: C0 controls other than tab, LF, CR; U+FFFE, U+FFFF; unpaired surrogates.
// DEL and the C1 controls are allowed but steer a terminal that shows the file (U+009B opens a
// control sequence), so they are shown as escapes too.
const ILLEGAL_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const ILLEGAL_OTHER =
  /[\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Makes any string legal XML 1.0 character data: controls become visible `\xNN`, the rest U+FFFD. Colour sequences are dropped. */
export function toXmlChars(text: string): string {
  return text
    .replace(ANSI, '')
    .replace(ILLEGAL_CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(ILLEGAL_OTHER, '\ufffd');
}

export function escapeText(text: string): string {
  return toXmlChars(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/** Line breaks and tabs are written as references so that parsers keep them instead of folding them. */
export function escapeAttribute(text: string): string {
  return escapeText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}
