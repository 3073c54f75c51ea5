import type { FaultRegistry } from '../../engine/fault-registry.js';
import { newRunId } from '../../engine/phases/run-context.js';
import type { Reporter } from '../../engine/port.js';
import { runExperiment } from '../../engine/run-experiment.js';
import { ExitCode, InvalidInputError, worstExitCode } from '../../errors.js';
import type { RunResult, SessionResult } from '../../model/journal.js';
import { ReporterMultiplexer } from '../../reporters/multiplexer.js';
import { checkReportPath } from '../../reporters/report-path.js';
import { spawnWatchdog, type Watchdog } from '../../safety/lease.js';
import { stateDir } from '../../safety/state-dir.js';
import { visible } from '../../util/control-chars.js';
import { durationTooLong, parseDuration } from '../../util/duration.js';
import { newSeed } from '../../util/random.js';
import { consoleOutput, consoleReporters, type Verbosity, verbosity } from '../console-level.js';
import { loadSelected } from '../load-experiments.js';
import { type Output, withProgress } from '../output.js';
import type { CommandContext } from '../program.js';
import { setLeftBehindReporter } from '../signals.js';
import { connectDocker } from './endpoint-options.js';
import { parseNetworkOptions } from './network-options.js';
import { parseProgress } from './progress-option.js';
import { createReportReporters, parseReports, STDOUT_PATH } from './report-options.js';
import { parseSeed } from './seed.js';

function parseLabels(values: readonly string[]): Record<string, string> | undefined {
  if (values.length === 0) return undefined;
  return Object.fromEntries(
    values.map((value) => {
      const match = /^([^=]+)=(.*)$/.exec(value);
      if (!match) throw new InvalidInputError('BAD_OPTION', `--require-label ${value}: expected KEY=VALUE`);
      return [match[1]!, match[2]!];
    }),
  );
}

function parseMaxHold(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const tooLong = durationTooLong(String(value));
  if (tooLong !== undefined) throw new InvalidInputError('BAD_OPTION', `--max-hold ${tooLong}`);
  const ms = parseDuration(String(value));
  if (ms === undefined || ms <= 0) {
    throw new InvalidInputError(
      'BAD_OPTION',
      `--max-hold ${String(value)}: expected a duration such as 10m or 90s`,
    );
  }
  return ms;
}

/** Runs each experiment in turn; the exit code is the worst of theirs. */
export async function runCommand(
  inputs: string[],
  options: Record<string, unknown>,
  ctx: CommandContext,
): Promise<number> {
  const reports = parseReports((options.report as string[] | undefined) ?? []);
  const seed = parseSeed(options.seed) ?? newSeed();
  const network = parseNetworkOptions(options, ctx.env);
  const maxHoldMs = parseMaxHold(options.maxHold);
  const requireLabels = parseLabels((options.requireLabel as string[] | undefined) ?? []);
  const output = withProgress(ctx.output, parseProgress(options, ctx.env));
  // A report that cannot be written is found now, before anything is injected, not after the run.
  for (const report of reports) if (report.path !== STDOUT_PATH) await checkReportPath(report.path);
  if (ctx.env.GITHUB_STEP_SUMMARY) await checkReportPath(ctx.env.GITHUB_STEP_SUMMARY);
  const startedAt = new Date();
  const started = performance.now();
  // A report written to stdout (`--report json=-`) has stdout to itself: the console moves to stderr.
  const console = consoleOutput(output, reports);
  const reporter = buildReporter(
    console,
    reports,
    ctx.env.GITHUB_STEP_SUMMARY,
    ctx.output,
    verbosity(options),
  );

  // The first watchdog starts now, while the files are read; each next one while the run before it holds its faults.
  const watchdogs = new WatchdogsAhead(stateDir(ctx.env));
  let selection: Awaited<ReturnType<typeof loadSelected>>;
  let docker: ReturnType<typeof connectDocker>['docker'];
  try {
    // Validate every file first: a typo in the third file should not surface after two long runs.
    selection = await loadSelected(inputs, options, ctx.env, console);
    docker = connectDocker(options, ctx.env).docker;
  } catch (error) {
    watchdogs.dispose();
    throw error;
  }
  const { loaded, invalid } = selection;
  const runs: RunResult[] = [];
  let registry: FaultRegistry | undefined;
  let watchdogPid: number | undefined;
  setLeftBehindReporter(() => ({
    faults: (registry?.possiblyLeft() ?? []).map((fault) => ({
      what: `${fault.kind} on ${fault.target.name}`,
      remedy: fault.remedy,
    })),
    watchdogPid,
  }));
  try {
    for (const [index, experiment] of loaded.entries()) {
      if (ctx.interrupt.aborted) break;
      const more = index + 1 < loaded.length;
      const result = await runExperiment(experiment, {
        docker,
        network,
        safety: {
          stateDir: stateDir(ctx.env),
          watchdog: true,
          maxHoldMs,
          startWatchdog: () => watchdogs.take(more),
        },
        requireLabels,
        onSafety: (current) => {
          watchdogPid = current.watchdogPid;
        },
        reporter,
        seed,
        signal: ctx.interrupt,
        onRegistry: (current) => {
          registry = current;
        },
      });
      runs.push(result);
    }
  } finally {
    watchdogs.dispose();
    setLeftBehindReporter(undefined);
  }

  const codes = [...runs.map((run) => run.exitCode), ...(invalid.length > 0 ? [ExitCode.invalid] : [])];
  const session: SessionResult = {
    runs,
    invalid,
    exitCode: worstExitCode(codes),
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
  };
  await reporter.onSessionEnd(session);
  if (reporter.errors.length > 0) session.exitCode = worstExitCode([session.exitCode, ExitCode.errored]);
  return session.exitCode;
}

/**
 * The watchdogs of one invocation's experiments, each started ahead of its run: the first at once,
 * the next as soon as the one before it watches (its start-up then overlaps the run before's faults
 * and probes). Each experiment still has its own watchdog, lease and ledger.
 */
class WatchdogsAhead {
  private next: Watchdog | undefined;

  constructor(private readonly dir: string) {
    this.next = spawnWatchdog(dir, newRunId());
  }

  take(more: boolean): Watchdog {
    const taken = this.next ?? spawnWatchdog(this.dir, newRunId());
    this.next = undefined;
    if (!more) return taken;
    return {
      ...taken,
      watch: async () => {
        await taken.watch();
        this.next ??= spawnWatchdog(this.dir, newRunId());
      },
    };
  }

  /** Lets a watchdog started for an experiment that will not run go. */
  dispose(): void {
    this.next?.release();
    this.next = undefined;
  }
}

/** The console and every report asked for; a reporter that fails is told on stderr, and fails the session. */
function buildReporter(
  output: Output,
  reports: ReturnType<typeof parseReports>,
  stepSummary: string | undefined,
  process: Output,
  level: Verbosity,
): ReporterMultiplexer {
  const c = output.colors;
  const reporters: Reporter[] = [
    ...consoleReporters(output, level),
    ...createReportReporters(reports, stepSummary, process.stdout),
  ];
  return new ReporterMultiplexer(reporters, (name, hook, error) => {
    output.stderr.write(
      `${c.red('report error')} ${name} (${hook}): ${visible(error instanceof Error ? error.message : String(error))}\n`,
    );
  });
}
