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

/** `--verbose`: every probe sample, each with its checks, as one line each. */
class SampleReporter implements Reporter {
  readonly name = 'console';
  constructor(private readonly output: Output) {}

  onEvent(entry: JournalEntry): void {
    if (entry.type === 'probe') this.sample(entry.sample);
  }

  private sample(sample: ProbeSample): void {
    const c = this.output.colors;
    const attempts = sample.attempts > 1 ? `, ${sample.attempts} attempts` : '';
    this.output.stdout.write(
      `  ${c.dim('sample')}   ${sample.phase} ${visibleLine(sample.probe)} ${sample.status} ${c.dim(`(${sample.durationMs} ms${attempts}) ${visibleLine(sample.reason)}`)}\n`,
    );
    for (const check of sample.checks) {
      this.output.stdout.write(
        `  ${c.dim('  check')}  ${check.ok ? c.green('ok') : c.red('no')} ${visibleLine(check.name)}: expected ${visibleLine(check.expected)}, got ${visibleLine(check.actual)}\n`,
      );
    }
  }
}
