import { listLedgers, type RunState } from '../../safety/ledger.js';
import { processState } from '../../safety/process-identity.js';
import { watchedRunsOnHost } from '../../safety/recover.js';
import { stateDir } from '../../safety/state-dir.js';
import { formatDuration } from '../../util/duration.js';
import { printJson } from '../json-output.js';
import type { CommandContext } from '../program.js';
import { statusDocument } from './status-json.js';

/**
 * A run is active while its ledger has no end and its process is alive; a run on another machine (a
 * state folder shared between machines) is active until its ledger ends: its pid means nothing here.
 */
function isActive(state: RunState): boolean {
  return !state.ended && processState(state.run) !== 'dead';
}

/** Lists the runs that are active now and the faults they hold, and any fault a finished run left. */
export async function statusCommand(options: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const c = ctx.output.colors;
  const out = (line: string) => ctx.output.stdout.write(`${line}\n`);
  const runs = listLedgers(stateDir(ctx.env));
  const live = runs.filter(isActive);
  const left = runs.filter((run) => !isActive(run) && run.open.length > 0);
  const now = Date.now();
  // A run that could not revert everything hands what is left to its watchdog, which keeps retrying.
  const retrying = new Set(left.length > 0 ? (await watchedRunsOnHost()).map((state) => state.file) : []);
  if (options.json) {
    printJson(ctx.output, statusDocument(live, left, retrying));
    return 0;
  }
  if (live.length === 0) out('no active run');
  for (const run of live) {
    out(`${c.bold(`run ${run.run.runId}`)} pid ${run.run.pid}, ${run.run.file}, since ${run.run.startedAt}`);
    if (processState(run.run) === 'elsewhere') {
      out(`  ${c.dim(`on host ${run.run.hostname}: its process cannot be checked from here`)}`);
    }
    if (run.run.endpoint) out(`  ${c.dim(`engine ${run.run.endpoint.host}`)}`);
    if (run.open.length === 0) out('  no fault in place');
    for (const intent of run.open) {
      out(
        `  ${intent.kind} on ${intent.target.name}  ${c.dim(`reverted by ${formatDuration(Math.max(0, intent.deadline - now))} at the latest`)}`,
      );
    }
  }
  for (const run of left) {
    const how = run.ended ? `ended (${run.outcome}) but left` : `died (pid ${run.run.pid} is gone) and left`;
    out(`${c.red(`run ${run.run.runId} ${how} ${run.open.length} fault(s):`)} ${run.run.file}`);
    if (run.run.endpoint) out(`  ${c.dim(`engine ${run.run.endpoint.host}`)}`);
    if (retrying.has(run.file)) out(`  ${c.dim('its watchdog is still retrying the reverts')}`);
    for (const intent of run.open) out(`  ${intent.kind} on ${intent.target.name}`);
  }
  if (left.length > 0) out('run `faultline recover` to revert them');
  return 0;
}
