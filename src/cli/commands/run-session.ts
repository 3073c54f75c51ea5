import type { FaultRegistry } from '../../engine/fault-registry.js';
import type { Reporter } from '../../engine/port.js';
import { runExperiment } from '../../engine/run-experiment.js';
import { ExitCode, InvalidInputError, worstExitCode } from '../../errors.js';
import type { RunResult, SessionResult } from '../../model/journal.js';
import { ReporterMultiplexer } from '../../reporters/multiplexer.js';
import { checkReportPath } from '../../reporters/report-path.js';
import type { WatchdogsAhead } from '../../safety/watchdogs-ahead.js';
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

/**
 * Runs each experiment in turn, each with a watchdog taken from `watchdogs` (the first already
 * starting); the exit code is the worst of theirs.
 */
export async function runSession(
  inputs: string[],
  options: Record<string, unknown>,
  ctx: CommandContext,
  watchdogs: WatchdogsAhead,
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

  // Each next watchdog starts while the run before it holds its faults.
  const safety = { stateDir: watchdogs.dir, watchdog: true, maxHoldMs };
  const { loaded, invalid, docker } = await loadAndConnect(inputs, options, ctx, console);
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
      const result = await runExperiment(experiment, {
        docker,
        network,
        safety: { ...safety, startWatchdog: () => watchdogs.take(index + 1 < loaded.length) },
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

/** The experiments, every file validated first (a typo in the third file should not surface after two long runs), and the Docker client they share. */
async function loadAndConnect(
  inputs: string[],
  options: Record<string, unknown>,
  ctx: CommandContext,
  console: Output,
) {
  const { loaded, invalid } = await loadSelected(inputs, options, ctx.env, console);
  return { loaded, invalid, docker: connectDocker(options, ctx.env).docker };
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
