import type { Target } from '../targets/target.js';
import type { CommandResult, NetnsRunner } from './netns-runner.js';
import { TcPlanError } from './tc-plan.js';

/**
 * Several tc commands as one process: `tc -batch -` reads them from stdin, one a line, and stops at the
 * first line that fails, saying which (`Command failed -:3`); the lines before it are applied. With
 * `-force` it goes on past failures (used only to take back a change that failed).
 */
export const BATCH_ARGV: readonly string[] = ['tc', '-batch', '-'];
export const FORCE_BATCH_ARGV: readonly string[] = ['tc', '-force', '-batch', '-'];

/** tc splits a batch line on whitespace, reads quotes and stops at `#`: no argument may hold those. */
const PLAIN_ARGUMENT = /^[^\s"'#\\]+$/;

export function batchLine(argv: readonly string[]): string {
  const bad = argv.find((arg) => !PLAIN_ARGUMENT.test(arg));
  if (bad !== undefined)
    throw new TcPlanError(`tc argument ${JSON.stringify(bad)} cannot go into a tc batch`);
  return argv.join(' ');
}

/** The batch's stdin: one command (argv after `tc`) a line. */
export function batchInput(commands: readonly (readonly string[])[]): string {
  return `${commands.map(batchLine).join('\n')}\n`;
}

const FAILED_LINE = /^Command failed -:(\d+)$/gm;

/** The 1-based line a batch stopped at, from its stderr; undefined when tc did not say (it did not run). */
export function failedLine(stderr: string): number | undefined {
  const lines = [...stderr.matchAll(FAILED_LINE)].map((match) => Number(match[1]));
  return lines.at(-1);
}

/** What the failing line printed: the batch's stderr without tc's line report. */
export function lineStderr(stderr: string): string {
  return stderr.replaceAll(FAILED_LINE, '').trim();
}

/**
 * How a person would run the same commands by hand: one command as itself, several as one batch with
 * its lines in a here-document.
 */
export function displayCommands(
  display: (target: Target, argv: readonly string[]) => string,
  target: Target,
  commands: readonly (readonly string[])[],
): string[] {
  if (commands.length === 0) return [];
  if (commands.length === 1) return [display(target, ['tc', ...commands[0]!])];
  return [`${display(target, BATCH_ARGV)} <<'EOF'\n${batchInput(commands)}EOF`];
}

/** Runs commands (argv after `tc`): one as itself, several as one batch. */
export function runCommands(
  runner: NetnsRunner,
  target: Target,
  commands: readonly (readonly string[])[],
  force = false,
): Promise<CommandResult> {
  if (commands.length === 1) return runner.run(target, ['tc', ...commands[0]!]);
  return runner.run(target, force ? FORCE_BATCH_ARGV : BATCH_ARGV, { input: batchInput(commands) });
}
