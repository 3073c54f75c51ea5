import type {
  FaultRecord,
  ProbeSample,
  ProbeSummary,
  RunResult,
  SessionResult,
} from '../../model/journal.js';
import { describeTarget } from '../../targets/target.js';
import { sampleCount } from '../data-text.js';
import { journalText } from '../journal-text.js';
import { workloadDetails } from './data.js';
import { expectationCases } from './expectation.js';

/** At most this many failing samples are spelled out under one probe's failure. */
const MAX_SAMPLES_SHOWN = 20;

export interface JunitVerdict {
  kind: 'failure' | 'error' | 'skipped';
  message: string;
  type?: string;
  body?: string;
}

export interface JunitCase {
  name: string;
  classname: string;
  file: string;
  timeMs: number;
  verdict?: JunitVerdict;
  systemOut?: string;
}

export interface JunitSuite {
  name: string;
  file: string;
  timestamp: string;
  timeMs: number;
  properties: [string, string][];
  cases: JunitCase[];
  systemOut?: string;
}

/** One testsuite per run, one per invalid file: what the JUnit report says, before it is XML. */
export function junitSuites(session: SessionResult): JunitSuite[] {
  return [...session.runs.map(runSuite), ...session.invalid.map(invalidSuite)];
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
      ...(run.expected ? [['expect', run.expected] as [string, string]] : []),
      ['seed', String(run.seed)],
      ...(run.tags.length > 0 ? [['tags', run.tags.join(', ')] as [string, string]] : []),
    ],
    cases: expectationCases(run, cases),
    systemOut: journalText(run.journal, (sample) => sampleCount(run, sample)),
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
      ...probeVerdictKind(probe),
      message:
        probe.reason ||
        firstFailedCheck(failed) ||
        `the probe ${probe.status === 'fail' ? 'failed' : 'errored'}`,
      body: probeDetails(run, probe, failed),
    };
  } else if (probe.status === 'not-run') {
    // A bare "not run" says nothing: the run's own summary says why it ended before this phase.
    const bare = !probe.reason || probe.reason === 'not run';
    testcase.verdict = { kind: 'skipped', message: bare ? `not run: ${run.summary}` : probe.reason };
  }
  return testcase;
}

/**
 * A miss during or after the faults is a failure: the system deviated. A baseline not met is an error
 * only: nothing was injected, so it says nothing about resilience, as the run's own error case says.
 */
function probeVerdictKind(probe: ProbeSummary): Pick<JunitVerdict, 'kind' | 'type'> {
  if (probe.status === 'error') return { kind: 'error', type: 'probe-error' };
  if (probe.phase === 'before') return { kind: 'error', type: 'baseline-not-met' };
  return { kind: 'failure', type: 'deviation' };
}

function probeDetails(run: RunResult, probe: ProbeSummary, failed: ProbeSample[]): string {
  const lines = [`${probe.failures} of ${probe.samples} samples did not pass.`];
  for (const sample of failed.slice(0, MAX_SAMPLES_SHOWN)) {
    lines.push(
      `${offset(run.startedAt, sample.startedAt)} ${sample.status} (${sampleCount(run, sample)}): ${sample.reason}`,
    );
    for (const check of sample.checks) {
      lines.push(
        `  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: expected ${check.expected}, saw ${check.actual}`,
      );
    }
  }
  if (failed.length > MAX_SAMPLES_SHOWN) lines.push(`... and ${failed.length - MAX_SAMPLES_SHOWN} more`);
  lines.push(...workloadDetails(run, probe));
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
          message: firstProblem(invalid.file, invalid.message),
          body: invalid.message,
        },
      },
    ],
  };
}

/**
 * The first line that names a problem: a validation message starts with a heading ("x.yaml is not a
 * valid experiment:") and lists each problem on its own line below it.
 */
export function firstProblem(file: string, message: string): string {
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const concrete = lines.find((line) => !line.endsWith(':')) ?? lines[0];
  return concrete ?? `${file} is not a valid experiment`;
}

function offset(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? `+${(Math.max(0, ms) / 1000).toFixed(3)}s` : to;
}
