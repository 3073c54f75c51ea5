import type { Reporter } from '../engine/port.js';
import { InvalidInputError } from '../errors.js';
import type { JournalEntry, ProbeSample } from '../model/journal.js';
import { ConsoleReporter } from '../reporters/console.js';
import { visibleLine } from '../util/control-chars.js';
import { STDOUT_PATH } from './commands/report-options.js';
import type { Output } from './output.js';

/** How much a run prints: `quiet` the verdicts and errors, `verbose` every probe sample too. */
export type Verbosity = 'quiet' | 'normal' | 'verbose';

export function verbosity(options: Record<string, unknown>): Verbosity {
  if (options.quiet && options.verbose) {
    throw new InvalidInputError('BAD_OPTION', '--quiet and --verbose: choose one', {
      hint: '--quiet prints only verdicts and errors; --verbose adds every probe sample.',
    });
  }
  return options.quiet ? 'quiet' : options.verbose ? 'verbose' : 'normal';
}

/** Where the console reporter writes: stderr when a report goes to stdout (`--report KIND=-`). */
export function consoleOutput(output: Output, reports: readonly { path: string }[]): Output {
  if (!reports.some((report) => report.path === STDOUT_PATH)) return output;
  return { ...output, stdout: output.stderr };
}

/** The console reporter, at the level asked for. */
export function consoleReporters(output: Output, level: Verbosity): Reporter[] {
  if (level === 'quiet') return [quiet(new ConsoleReporter({ ...output, interactive: false }))];
  const console = new ConsoleReporter(output);
  return level === 'verbose' ? [console, new SampleReporter(output)] : [console];
}

/** Only the verdict of each run, the session's summary, failed steps, guards and errors. */
function quiet(console: ConsoleReporter): Reporter {
  return {
    name: console.name,
    onEvent(entry: JournalEntry) {
      const failed =
        (entry.type === 'step-end' && entry.status === 'failed') ||
        (entry.type === 'fault-reverted' && entry.status === 'failed') ||
        entry.type === 'guard' ||
        (entry.type === 'log' && entry.level === 'error');
      if (failed) console.onEvent(entry);
    },
    onRunEnd: (result) => console.onRunEnd(result),
    onSessionEnd: (session) => console.onSessionEnd(session),
  };
}

/** `--verbose`: every probe sample, during and guard ones too, each followed by its checks. */
class SampleReporter implements Reporter {
  readonly name = 'console';
  constructor(private readonly output: Output) {}

  onEvent(entry: JournalEntry): void {
    if (entry.type === 'probe') this.sample(entry.sample);
  }

  private sample(sample: ProbeSample): void {
    const c = this.output.colors;
    // The console shows each sample before and after; during and guard samples only as counts.
    if (sample.phase !== 'before' && sample.phase !== 'after') {
      const attempts = sample.attempts > 1 ? `, ${sample.attempts} attempts` : '';
      this.output.stdout.write(
        `  ${c.dim(sample.phase.padEnd(7))}  ${sample.status.padEnd(4)} ${visibleLine(sample.probe)}  ${c.dim(`${visibleLine(sample.reason)} (${sample.durationMs} ms${attempts})`)}\n`,
      );
    }
    for (const check of sample.checks) {
      this.output.stdout.write(
        `  ${c.dim('  check')}  ${check.ok ? c.green('ok') : c.red('no')} ${visibleLine(check.name)}: expected ${visibleLine(check.expected)}, got ${visibleLine(check.actual)} ${c.dim(`(${visibleLine(sample.probe)}, ${sample.phase})`)}\n`,
      );
    }
  }
}
