import { ExitCode } from '../errors.js';
import type { StartedWatchdog } from '../safety/watchdog-process.js';
import { runEntry } from './entry.js';
import { CommanderError, createProgram } from './program.js';

/** What bin/faultline.js started before loading the CLI. */
export interface Startup {
  watchdog?: StartedWatchdog | undefined;
}

/** The entry point of the whole CLI (and of the front bundle): the command line read by commander. */
export async function main(argv: string[], startup: Startup = {}): Promise<void> {
  await runEntry(async (output, interrupt) => {
    let exitCode: number = ExitCode.passed;
    const program = createProgram({
      output,
      env: process.env,
      interrupt,
      earlyWatchdog: startup.watchdog,
      setExitCode: (code) => {
        exitCode = code;
      },
    });
    try {
      await program.parseAsync(argv);
    } catch (error) {
      if (!(error instanceof CommanderError)) throw error;
      // Help and version are not errors; commander has already printed its message either way.
      const shown = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
      return shown ? ExitCode.passed : ExitCode.invalid;
    }
    return exitCode;
  });
}
