import { Chalk, type ChalkInstance } from 'chalk';

/** Where output goes and how it may look. Injected so tests capture it. */
export interface Output {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Spinners and redrawing only on an interactive terminal, never in CI. */
  interactive: boolean;
  colors: ChalkInstance;
}

export function detectOutput(
  env: NodeJS.ProcessEnv = process.env,
  stdout: NodeJS.WriteStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
): Output {
  const isTTY = stdout.isTTY === true;
  const ci = Boolean(env.CI) && env.CI !== 'false';
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const colorful = !noColor && (forced || isTTY) && env.TERM !== 'dumb';
  return {
    stdout,
    stderr,
    interactive: isTTY && !ci && env.TERM !== 'dumb',
    colors: new Chalk({
      level: colorful
        ? ((forced && !isTTY ? 1 : Math.max(1, stdout.getColorDepth?.() === 24 ? 3 : 2)) as 1 | 2 | 3)
        : 0,
    }),
  };
}
