import { ExitCode, FaultlineError } from '../errors.js';
import { secrets } from '../util/redact.js';
import { detectOutput, type Output } from './output.js';
import { redactOutput } from './redacted-output.js';
import { installSignalHandlers } from './signals.js';

/**
 * What every entry point does around its command: output through the secret redactor (command output,
 * reporters, spinners, the messages and hints of errors below, commander's own messages), the signal
 * handlers, and the process's exit code: the command's, or the one its error says.
 */
export async function runEntry(
  command: (output: Output, interrupt: AbortSignal) => Promise<number>,
): Promise<void> {
  const output = redactOutput(detectOutput(), secrets);
  const signals = installSignalHandlers(output);
  let exitCode: number;
  try {
    exitCode = await command(output, signals.signal);
  } catch (error) {
    exitCode = reportError(error, output);
  } finally {
    signals.dispose();
  }
  process.exitCode = exitCode;
}

function reportError(error: unknown, output: Output): number {
  const c = output.colors;
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
