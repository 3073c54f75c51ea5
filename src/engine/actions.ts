import type { DockerClient } from '../docker/client.js';
import type { ActionSpec } from '../experiment/schema.js';
import { observeCommand } from '../probes/command/observe.js';
import { observeExec } from '../probes/container/observe.js';
import { observeHttp } from '../probes/http/observe.js';
import type { Observation } from '../probes/observation.js';
import type { Target } from '../targets/target.js';

const DEFAULT_ACTION_TIMEOUT_MS = 60_000;

/** Runs a user action (method step or rollback). Resolves with an error message when it failed. */
export async function runAction(
  action: ActionSpec,
  targets: Target[],
  env: { docker: DockerClient; cwd: string; signal: AbortSignal },
): Promise<{ ok: true; detail: string } | { ok: false; error: string }> {
  const timeoutMs = action.timeout ?? DEFAULT_ACTION_TIMEOUT_MS;
  try {
    const observations: Observation[] = [];
    if (action.command)
      observations.push(await observeCommand(action.command, env.cwd, timeoutMs, env.signal));
    else if (action.http) observations.push(await observeHttp(action.http, timeoutMs, env.signal));
    else {
      for (const target of targets) {
        observations.push(await observeExec(env.docker, target, action.exec!.command, timeoutMs, env.signal));
      }
    }
    for (const seen of observations) {
      if (seen.kind === 'process' && seen.exitCode !== 0) {
        const stderr = seen.stderr.trim().split('\n').slice(-3).join(' | ');
        return { ok: false, error: `exited with ${seen.exitCode}${stderr ? `: ${stderr}` : ''}` };
      }
      if (seen.kind === 'http' && seen.status >= 400) return { ok: false, error: `answered ${seen.status}` };
    }
    return { ok: true, detail: 'done' };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
