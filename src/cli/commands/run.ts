import { stateDir } from '../../safety/state-dir.js';
import { WatchdogsAhead } from '../../safety/watchdogs-ahead.js';
import type { CommandContext } from '../program.js';

/**
 * `faultline run`. The first watchdog (a Node process of its own, whose start-up is the longest wait
 * before the first fault) starts before anything else: bin/faultline.js starts it even before the CLI
 * is loaded (src/safety/early-watchdog.ts), or else it starts here, before the rest of the command is
 * loaded. Its start-up overlaps reading the options and the files, looking up the targets and the
 * baseline. Nothing is injected until it watches the run's ledger (see lease.ts).
 */
export async function runCommand(
  inputs: string[],
  options: Record<string, unknown>,
  ctx: CommandContext,
): Promise<number> {
  const watchdogs = new WatchdogsAhead(stateDir(ctx.env), ctx.earlyWatchdog);
  try {
    const { runSession } = await import('./run-session.js');
    return await runSession(inputs, options, ctx, watchdogs);
  } finally {
    // A watchdog started for an experiment that did not run (a bad option, an invalid file) is let go.
    watchdogs.dispose();
  }
}
