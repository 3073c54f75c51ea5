import type { ErrorCode } from './model/error-codes.js';

export type { ErrorCode } from './model/error-codes.js';

/** Exit codes are part of the public contract: see the README's table. */
export const ExitCode = {
  passed: 0,
  deviated: 1,
  invalid: 2,
  errored: 3,
  revertFailed: 4,
  aborted: 5,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface FaultlineErrorOptions {
  hint?: string | undefined;
  cause?: unknown;
}

/** A known failure: printed without a stack, with a stable code and a hint that says what to do. */
export class FaultlineError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue;

  constructor(
    code: ErrorCode,
    message: string,
    exitCode: ExitCodeValue,
    options: FaultlineErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.exitCode = exitCode;
  }
}

/** The experiment file or the command line is wrong: exit 2. */
export class InvalidInputError extends FaultlineError {
  constructor(code: ErrorCode, message: string, options: FaultlineErrorOptions = {}) {
    super(code, message, ExitCode.invalid, options);
  }
}

/** The tool or the environment failed (Docker down, no target, injection failed): exit 3. */
export class EnvironmentError extends FaultlineError {
  constructor(code: ErrorCode, message: string, options: FaultlineErrorOptions = {}) {
    super(code, message, ExitCode.errored, options);
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** From most to least severe: a fault possibly left behind outranks everything. */
const SEVERITY: readonly number[] = [
  ExitCode.revertFailed,
  ExitCode.interrupted,
  ExitCode.aborted,
  ExitCode.errored,
  ExitCode.invalid,
  ExitCode.deviated,
  ExitCode.passed,
];

/** The exit code of a session: the most severe of its runs'. */
export function worstExitCode(codes: readonly number[]): number {
  let worst: number = ExitCode.passed;
  for (const code of codes) {
    const rank = SEVERITY.indexOf(code);
    if (rank !== -1 && rank < SEVERITY.indexOf(worst)) worst = code;
  }
  return worst;
}
