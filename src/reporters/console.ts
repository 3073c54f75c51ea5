import type { ChalkInstance } from 'chalk';
import type { Reporter, RunStart } from '../engine/port.js';
import { ExitCode } from '../errors.js';
import type {
  JournalEntry,
  Outcome,
  ProbeSample,
  ProbeStatus,
  ProbeSummary,
  RunResult,
  SessionResult,
} from '../model/journal.js';
import { OUTCOME_COLOURS, OUTCOME_WORDS, outcomeLabel, verdictForExitCode } from '../model/outcomes.js';
import { visible, visibleLine } from '../util/control-chars.js';
import { formatDuration } from '../util/duration.js';
import type { Output } from '../util/output.js';
import { dataLines } from './console-data.js';
import { detectProbeName } from './data-text.js';
import { type Spinner, StatusLine } from './spinner.js';

export interface ConsoleReporterOptions {
  /** The live status line (default: one drawn on `output.terminal`). */
  createSpinner?: (text: string) => Spinner;
  /** Plain mode: how often a line says what is held while faults are in place (default 10 s). */
  heartbeatMs?: number;
  now?: () => number;
}

export const HEARTBEAT_MS = 10_000;

interface HeldFault {
  kind: string;
  target: string;
  /** Epoch ms when the step reverts it; undefined when held until the method ends. */
  until: number | undefined;
}

/** How a probe's result starts its line: a colour and four characters. */
type Mark = readonly ['green' | 'red' | 'magenta' | 'dim', string];

/** One sample's result. */
const SAMPLE_MARKS: Record<ProbeStatus, Mark> = {
  pass: ['green', 'ok  '],
  fail: ['red', 'MISS'],
  error: ['magenta', 'ERR '],
};

/** A during probe's result over the whole phase: any sample that did not pass is a miss. */
const SUMMARY_MARKS: Record<ProbeSummary['status'], Mark> = {
  pass: ['green', 'ok  '],
  fail: ['red', 'MISS'],
  error: ['red', 'MISS'],
  'not-run': ['dim', '--  '],
};

/** Text from the experiment or the run, shown as written: control characters become visible escapes. */
const v = visibleLine;

/**
 * The live view. On a terminal: colour and a status line for the step in progress. Elsewhere (CI, a
 * pipe, `--progress plain`): one plain line per event, each with a timestamp, so logs read well and
 * diff cleanly, and while faults are held a heartbeat line every 10 s (samples, misses, what is held
 * and for how long). Text that comes from the experiment or the system under test never reaches the
 * terminal as control characters.
 */
export class ConsoleReporter implements Reporter {
  readonly name = 'console';
  private readonly c: ChalkInstance;
  private spinner: Spinner | undefined;
  private during = { samples: 0, failed: 0, shownFailures: 0 };
  private readonly held = new Map<string, HeldFault>();
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly createSpinner: (text: string) => Spinner;
  private readonly heartbeatMs: number;
  private readonly now: () => number;

  constructor(
    private readonly output: Output,
    options: ConsoleReporterOptions = {},
  ) {
    this.c = output.colors;
    this.createSpinner = options.createSpinner ?? ((text) => new StatusLine(text, output.terminal));
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.now = options.now ?? Date.now;
  }

  onRunStart(run: RunStart): void {
    this.during = { samples: 0, failed: 0, shownFailures: 0 };
    this.held.clear();
    this.line(`${this.c.bold(v(run.title))}  ${this.c.dim(`${v(run.file)} · seed ${run.seed}`)}`);
    if (run.engine) this.line(this.c.dim(`  engine ${v(run.engine)}`));
  }

  onEvent(entry: JournalEntry): void {
    const c = this.c;
    switch (entry.type) {
      case 'phase':
        if (entry.phase === 'method') this.status('running the method');
        if (entry.phase === 'before') this.status('checking the baseline');
        if (entry.phase === 'after') this.status('waiting for recovery');
        if (entry.phase === 'revert') this.status('reverting faults');
        return;
      case 'targets':
        this.line(
          `  ${c.dim('targets')}  ${v(entry.step)} ${v(entry.selector)} ${c.dim('->')} ${entry.targets.map((target) => v(target.name)).join(', ')}`,
        );
        return;
      case 'step-start':
        if (!entry.step.startsWith('rollbacks')) this.status(entry.label);
        this.line(`  ${c.cyan('step')}     ${v(entry.label)}`);
        return;
      case 'step-end':
        if (entry.status === 'failed')
          this.line(
            `  ${c.red('step')}     ${v(entry.label)} ${c.red(`failed: ${visible(entry.error ?? '')}`)}`,
          );
        return;
      case 'fault-injected':
        this.held.set(entry.faultId, {
          kind: entry.fault,
          target: entry.target.name,
          until: entry.holdMs === undefined ? undefined : Date.parse(entry.at) + entry.holdMs,
        });
        this.startHeartbeat();
        this.line(`  ${c.yellow('inject')}   ${v(entry.target.name)}: ${v(entry.detail)}`);
        return;
      case 'fault-reverted': {
        const ok = entry.status !== 'failed';
        const mark = ok ? c.green('revert') : c.red('REVERT FAILED');
        const tail = entry.remedy ? c.red(` (undo by hand: ${v(entry.remedy)})`) : '';
        this.held.delete(entry.faultId);
        if (this.held.size === 0) this.stopHeartbeat();
        this.line(
          `  ${mark}   ${v(entry.target.name)}: ${v(entry.detail)} ${c.dim(`after ${formatDuration(entry.heldMs)}`)}${tail}`,
        );
        return;
      }
      case 'probe':
        this.probe(entry.sample);
        return;
      case 'guard':
        this.line(
          `  ${c.red.bold('GUARD')}    ${v(entry.probe)} ${entry.errored ? 'could not be checked' : 'failed'}: ${v(entry.reason)}; ${entry.beforeFaults ? 'nothing is injected' : 'reverting everything now'}`,
        );
        return;
      case 'log': {
        const color = entry.level === 'error' ? c.red : entry.level === 'warn' ? c.yellow : c.dim;
        this.line(`  ${color(entry.level.padEnd(7))}  ${visible(entry.message)}`);
        return;
      }
    }
  }

  /** A sample: each one before and after; during, a count on the status line and the first few misses. */
  private probe(sample: ProbeSample): void {
    if (sample.phase === 'guard' && sample.status === 'pass') return;
    if (sample.phase === 'during') {
      this.during.samples++;
      if (sample.status !== 'pass') this.during.failed++;
      this.status(`during: ${this.during.samples} samples, ${this.during.failed} missed`);
      if (sample.status === 'pass' || this.during.shownFailures >= 5) return;
      this.during.shownFailures++;
    }
    this.line(
      `  ${this.c.dim(sample.phase.padEnd(7))}  ${this.mark(SAMPLE_MARKS[sample.status])} ${v(sample.probe)}  ${this.c.dim(v(sample.reason))}`,
    );
  }

  onRunEnd(result: RunResult): void {
    this.stopSpinner();
    this.stopHeartbeat();
    const c = this.c;
    // A run that never reached its method has no during phase to report.
    // A detection check gets a line of its own below, with its time to detect.
    const detections = new Set((result.detect ?? []).map(detectProbeName));
    const during = result.probes.filter(
      (probe) =>
        probe.phase === 'during' &&
        !detections.has(probe.probe) &&
        (probe.samples > 0 || result.faults.length > 0),
    );
    for (const probe of during) {
      this.line(
        `  ${c.dim('during ')}  ${this.mark(SUMMARY_MARKS[probe.status])} ${v(probe.probe)}  ${c.dim(`${probe.samples - probe.failures}/${probe.samples} samples met the hypothesis`)}`,
      );
    }
    const columns = this.output.interactive ? this.output.terminal.columns : undefined;
    for (const line of dataLines(result, c, columns)) this.line(line);
    this.line(
      `${c[OUTCOME_COLOURS[result.outcome]].bold(outcomeLabel(result.outcome))} ${v(result.summary)} ${c.dim(`(${formatDuration(result.durationMs)}, exit ${result.exitCode})`)}`,
    );
    this.line('');
  }

  onSessionEnd(session: SessionResult): void {
    this.stopSpinner();
    this.stopHeartbeat();
    if (session.runs.length + session.invalid.length < 2) return;
    const c = this.c;
    this.line(c.bold('Summary'));
    for (const run of session.runs) {
      this.line(`  ${outcomeLabel(run.outcome).padEnd(13)} ${v(run.file)}  ${c.dim(v(run.title))}`);
    }
    for (const invalid of session.invalid)
      this.line(`  ${verdictForExitCode(ExitCode.invalid).label.padEnd(13)} ${v(invalid.file)}`);
    this.line(
      `${sessionCounts(session)} ${c.dim(`(exit ${session.exitCode}, ${formatDuration(session.durationMs)})`)}`,
    );
  }

  private mark([colour, text]: Mark): string {
    return this.c[colour](text);
  }

  private status(text: string): void {
    if (!this.output.interactive) return;
    if (!this.spinner) this.spinner = this.createSpinner(text).start();
    else this.spinner.text = text;
  }

  /** Plain mode only: the status line shows the same on a terminal. */
  private startHeartbeat(): void {
    if (this.output.interactive || this.heartbeat) return;
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private beat(): void {
    if (this.held.size === 0) return;
    const c = this.c;
    const { samples, failed } = this.during;
    this.line(
      `  ${c.yellow('held')}     ${describeHeld([...this.held.values()], this.now())}  ${c.dim(`during: ${samples} ${samples === 1 ? 'sample' : 'samples'}, ${failed} missed`)}`,
    );
  }

  private stopSpinner(): void {
    this.spinner?.stop();
    this.spinner = undefined;
  }

  private line(text: string): void {
    const spinner = this.spinner;
    spinner?.stop();
    const prefix = this.output.interactive || text === '' ? '' : `${this.c.dim(timestamp())} `;
    this.output.stdout.write(`${prefix}${text}\n`);
    spinner?.start();
  }
}

/** "pause on web-1, web-2 (12s left); delay on api-1 (until the method ends)" */
export function describeHeld(faults: readonly HeldFault[], now: number): string {
  const groups = new Map<string, { kind: string; until: number | undefined; targets: string[] }>();
  for (const fault of faults) {
    const key = `${fault.kind}\u0000${fault.until === undefined ? '' : Math.ceil(fault.until / 1000)}`;
    const group = groups.get(key) ?? { kind: fault.kind, until: fault.until, targets: [] };
    group.targets.push(v(fault.target));
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((group) => {
      const left =
        group.until === undefined
          ? 'until the method ends'
          : `${formatDuration(Math.max(0, Math.ceil((group.until - now) / 1000) * 1000))} left`;
      return `${group.kind} on ${group.targets.join(', ')} (${left})`;
    })
    .join('; ');
}

const COUNTED: readonly Outcome[] = [
  'passed',
  'deviated',
  'errored',
  'aborted',
  'revert-failed',
  'interrupted',
];

/** "4 experiments: 1 passed, 1 deviated, 1 errored, 1 invalid": passed always, the rest when seen. */
export function sessionCounts(session: SessionResult): string {
  const total = session.runs.length + session.invalid.length;
  const counts = COUNTED.map((outcome) => ({
    outcome,
    n: session.runs.filter((run) => run.outcome === outcome).length,
  }))
    .filter(({ outcome, n }) => outcome === 'passed' || n > 0)
    .map(({ outcome, n }) => `${n} ${OUTCOME_WORDS[outcome]}`);
  if (session.invalid.length > 0) counts.push(`${session.invalid.length} invalid`);
  return `${total} ${total === 1 ? 'experiment' : 'experiments'}: ${counts.join(', ')}`;
}

function timestamp(): string {
  return new Date().toISOString().slice(11, 23);
}
