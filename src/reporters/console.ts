import type { ChalkInstance } from 'chalk';
import type { Output } from '../cli/output.js';
import type { JournalEntry, RunResult, SessionResult } from '../engine/journal.js';
import { formatDuration } from '../util/duration.js';
import type { Reporter, RunStart } from './reporter.js';

interface Spinner {
  text: string;
  start(): Spinner;
  stop(): Spinner;
}
type SpinnerFactory = (text: string, stream: NodeJS.WritableStream) => Spinner;

const OUTCOME_LABEL: Record<RunResult['outcome'], string> = {
  passed: 'PASSED',
  deviated: 'DEVIATED',
  errored: 'ERRORED',
  aborted: 'ABORTED',
  'revert-failed': 'REVERT FAILED',
  interrupted: 'INTERRUPTED',
};

/**
 * The live view. On a terminal: colour and a spinner for the step in progress. Elsewhere (CI, a pipe):
 * one plain line per event, each with a timestamp, so logs read well and diff cleanly.
 */
export class ConsoleReporter implements Reporter {
  readonly name = 'console';
  private readonly c: ChalkInstance;
  private spinner: Spinner | undefined;
  private during = { samples: 0, failed: 0, shownFailures: 0 };

  constructor(
    private readonly output: Output,
    private readonly createSpinner?: SpinnerFactory,
  ) {
    this.c = output.colors;
  }

  onRunStart(run: RunStart): void {
    this.during = { samples: 0, failed: 0, shownFailures: 0 };
    this.line(`${this.c.bold(run.title)}  ${this.c.dim(`${run.file} · seed ${run.seed}`)}`);
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
          `  ${c.dim('targets')}  ${entry.step} ${entry.selector} ${c.dim('->')} ${entry.targets.map((target) => target.name).join(', ')}`,
        );
        return;
      case 'step-start':
        if (!entry.step.startsWith('rollbacks')) this.status(entry.label);
        this.line(`  ${c.cyan('step')}     ${entry.label}`);
        return;
      case 'step-end':
        if (entry.status === 'failed')
          this.line(`  ${c.red('step')}     ${entry.label} ${c.red(`failed: ${entry.error ?? ''}`)}`);
        return;
      case 'fault-injected':
        this.line(`  ${c.yellow('inject')}   ${entry.target.name}: ${entry.detail}`);
        return;
      case 'fault-reverted': {
        const ok = entry.status !== 'failed';
        const mark = ok ? c.green('revert') : c.red('REVERT FAILED');
        const tail = entry.remedy ? c.red(` (undo by hand: ${entry.remedy})`) : '';
        this.line(
          `  ${mark}   ${entry.target.name}: ${entry.detail} ${c.dim(`after ${formatDuration(entry.heldMs)}`)}${tail}`,
        );
        return;
      }
      case 'probe': {
        const sample = entry.sample;
        if (sample.phase === 'guard' && sample.status === 'pass') return;
        if (sample.phase === 'during') {
          this.during.samples++;
          if (sample.status !== 'pass') this.during.failed++;
          this.status(`during: ${this.during.samples} samples, ${this.during.failed} missed`);
          if (sample.status === 'pass' || this.during.shownFailures >= 5) return;
          this.during.shownFailures++;
        }
        const mark =
          sample.status === 'pass'
            ? c.green('ok  ')
            : sample.status === 'fail'
              ? c.red('MISS')
              : c.magenta('ERR ');
        this.line(`  ${c.dim(sample.phase.padEnd(7))}  ${mark} ${sample.probe}  ${c.dim(sample.reason)}`);
        return;
      }
      case 'guard':
        this.line(
          `  ${c.red.bold('GUARD')}    ${entry.probe} failed: ${entry.reason}; reverting everything now`,
        );
        return;
      case 'log': {
        const color = entry.level === 'error' ? c.red : entry.level === 'warn' ? c.yellow : c.dim;
        this.line(`  ${color(entry.level.padEnd(7))}  ${entry.message}`);
        return;
      }
    }
  }

  onRunEnd(result: RunResult): void {
    this.stopSpinner();
    const c = this.c;
    // A run that never reached its method has no during phase to report.
    const during = result.probes.filter(
      (probe) => probe.phase === 'during' && (probe.samples > 0 || result.faults.length > 0),
    );
    for (const probe of during) {
      const mark =
        probe.status === 'pass'
          ? c.green('ok  ')
          : probe.status === 'not-run'
            ? c.dim('--  ')
            : c.red('MISS');
      this.line(
        `  ${c.dim('during ')}  ${mark} ${probe.probe}  ${c.dim(`${probe.samples - probe.failures}/${probe.samples} samples met the hypothesis`)}`,
      );
    }
    const colour = result.outcome === 'passed' ? c.green : result.outcome === 'deviated' ? c.red : c.magenta;
    this.line(
      `${colour.bold(OUTCOME_LABEL[result.outcome])} ${result.summary} ${c.dim(`(${formatDuration(result.durationMs)}, exit ${result.exitCode})`)}`,
    );
    this.line('');
  }

  onSessionEnd(session: SessionResult): void {
    this.stopSpinner();
    if (session.runs.length + session.invalid.length < 2) return;
    const c = this.c;
    this.line(c.bold('Summary'));
    for (const run of session.runs) {
      this.line(`  ${OUTCOME_LABEL[run.outcome].padEnd(13)} ${run.file}  ${c.dim(run.title)}`);
    }
    for (const invalid of session.invalid) this.line(`  ${'INVALID'.padEnd(13)} ${invalid.file}`);
    this.line(`exit ${session.exitCode} ${c.dim(`(${formatDuration(session.durationMs)})`)}`);
  }

  private status(text: string): void {
    if (!this.output.interactive || !this.createSpinner) return;
    if (!this.spinner) this.spinner = this.createSpinner(text, this.output.stderr).start();
    else this.spinner.text = text;
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

function timestamp(): string {
  return new Date().toISOString().slice(11, 23);
}
