import { ExitCode, FaultlineError } from '../errors.js';
import type { StartedWatchdog } from '../safety/watchdog-process.js';
import { secrets } from '../util/redact.js';
import { detectOutput, type Output } from './output.js';
import { CommanderError, createProgram } from './program.js';
import { redactOutput } from './redacted-output.js';
import { installSignalHandlers } from './signals.js';

/** What bin/faultline.js started before loading the CLI. */
export interface Startup {
  watchdog?: StartedWatchdog | undefined;
}

/** The entry point: the only place that decides the process's exit. */
export async function main(argv: string[], startup: Startup = {}): Promise<void> {
  // Everything printed goes through the secret redactor: command output, reporters, spinners, the
  // messages and hints of errors below, commander's own messages.
  const output = redactOutput(detectOutput(), secrets);
  const signals = installSignalHandlers(output);
  let exitCode: number = ExitCode.passed;
  const program = createProgram({
    output,
    env: process.env,
    interrupt: signals.signal,
    earlyWatchdog: startup.watchdog,
    setExitCode: (code) => {
      exitCode = code;
    },
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    exitCode = reportError(error, output);
  } finally {
    signals.dispose();
  }
  process.exitCode = exitCode;
}

function reportError(error: unknown, output: Output): number {
  const c = output.colors;
  if (error instanceof CommanderError) {
    // Help and version are not errors; commander has already printed the message.
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    ) {
      return ExitCode.passed;
    }
    return ExitCode.invalid;
  }
  if (error instanceof FaultlineError) {
    output.stderr.write(`${c.red('error')} ${error.message}\n`);
    if (error.hint) output.stderr.write(`${c.dim('hint')}  ${error.hint}\n`);
    return error.exitCode;
  }
  output.stderr.write(
    `${c.red('unexpected error')} (please report it)\n${error instanceof Error ? error.stack : String(error)}\n`,
  );
  return ExitCode.errored;
}
