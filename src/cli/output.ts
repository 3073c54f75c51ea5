import { Chalk } from 'chalk';
import type { Output, TerminalStream } from '../util/output.js';
import { FdWriter, isTerminal, nodeStream } from './fd-writer.js';
import { TextStream, type TextTarget } from './text-stream.js';

export type { Output } from '../util/output.js';

/** How a run shows progress: a live status line (`tty`), timestamped lines (`plain`), or chosen (`auto`). */
export const PROGRESS_MODES = ['auto', 'plain', 'tty'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/** What `auto` looks at. */
export interface TerminalFacts {
  isTTY?: boolean | undefined;
  columns?: number | undefined;
  rows?: number | undefined;
}

/**
 * A live status line only on an interactive terminal with a real size, and never in CI: a
 * pseudo-terminal without a window size (0 columns, as `script` and some CI wrappers give) gets plain
 * lines.
 */
export function autoProgress(env: NodeJS.ProcessEnv, stdout: TerminalFacts, stderr: TerminalFacts): boolean {
  const ci = Boolean(env.CI) && env.CI !== 'false';
  return stdout.isTTY === true && stderr.isTTY === true && hasRealSize(stderr) && !ci && env.TERM !== 'dumb';
}

/** Columns known and above 0; rows above 0 when known. */
export function hasRealSize(stream: TerminalFacts): boolean {
  const columns = stream.columns;
  const rows = stream.rows;
  return (
    typeof columns === 'number' &&
    columns > 0 &&
    (rows === undefined || (typeof rows === 'number' && rows > 0))
  );
}

/** Standard output or error as detectOutput reads it. */
export type StandardStream = TextTarget &
  TerminalStream &
  TerminalFacts & {
    getColorDepth?: () => number;
  };

/**
 * The process's standard output (1) or error (2): Node's stream on a terminal, a writer on the
 * descriptor otherwise (see FdWriter), so that a command whose output goes to a pipe or a file never
 * builds Node's socket for it.
 */
export function standardStream(fd: 1 | 2, platform = process.platform): StandardStream {
  // On Linux Node's own writes to a pipe are synchronous too, so the two may share a descriptor in
  // order (a report to stdout goes through Node's); elsewhere they are not, and Node's is used.
  if (platform !== 'linux' || isTerminal(fd)) return nodeStream(fd);
  return new FdWriter(fd, () => nodeStream(fd));
}

export function detectOutput(
  env: NodeJS.ProcessEnv = process.env,
  stdout: StandardStream = standardStream(1),
  stderr: StandardStream = standardStream(2),
): Output {
  const isTTY = stdout.isTTY === true;
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const colorful = !noColor && (forced || isTTY) && env.TERM !== 'dumb';
  return {
    stdout: new TextStream(stdout),
    stderr: new TextStream(stderr),
    interactive: autoProgress(env, stdout, stderr),
    colors: new Chalk({
      level: colorful
        ? ((forced && !isTTY ? 1 : Math.max(1, stdout.getColorDepth?.() === 24 ? 3 : 2)) as 1 | 2 | 3)
        : 0,
    }),
    terminal: stderr,
  };
}

/** The output for a chosen progress mode: `auto` keeps what `detectOutput` found. */
export function withProgress(output: Output, mode: ProgressMode): Output {
  if (mode === 'auto') return output;
  return { ...output, interactive: mode === 'tty' };
}
