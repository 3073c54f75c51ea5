import type { ChalkInstance } from 'chalk';

/** The terminal a status line draws on: a TTY write stream, or a fake in tests. */
export interface TerminalStream {
  write(text: string): unknown;
  readonly columns?: number | undefined;
  readonly destroyed?: boolean | undefined;
}

/** Where output goes and how it may look. Injected so tests capture it. */
export interface Output {
  /** Text only: control characters other than our colours are shown as escapes; a closed reader is ignored. */
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** A live status line instead of timestamped lines: see `autoProgress` in `cli/output.ts`. */
  interactive: boolean;
  colors: ChalkInstance;
  /** Where the status line draws (standard error, unfiltered). */
  terminal: TerminalStream;
}
