import type { DockerClient } from '../docker/client.js';
import { ACTION_DEFAULTS, type ActionSpec } from '../experiment/schema.js';
import type { Target } from '../targets/target.js';
import { formatDuration } from '../util/duration.js';
import { sleep } from '../util/sleep.js';
import { runAction } from './actions.js';
import type { Recorder } from './recorder.js';

export type ActionOutcome =
  | { ok: true; attempts: number }
  | { ok: false; attempts: number /** The last attempt's error. */; error: string };

/**
 * Runs an action (setup, method step or rollback) and, while it fails, again up to its `retries`,
 * `retry-delay` apart. Each failed attempt that is retried is told in the journal, and so is a success
 * that needed more than one; the last attempt's error is the action's.
 */
export async function attemptAction(
  action: ActionSpec,
  targets: Target[],
  env: {
    docker: DockerClient;
    cwd: string;
    signal: AbortSignal;
    recorder: Recorder;
    path: string;
    label: string;
  },
): Promise<ActionOutcome> {
  const tries = 1 + (action.retries ?? ACTION_DEFAULTS.retries);
  const delayMs = action['retry-delay'] ?? ACTION_DEFAULTS.retryDelay;
  const name = `${env.path} ${env.label}`;
  for (let attempt = 1; ; attempt++) {
    const result = await runAction(action, targets, env);
    if (result.ok) {
      if (attempt > 1) env.recorder.log('info', `${name}: attempt ${attempt} of ${tries} succeeded`);
      return { ok: true, attempts: attempt };
    }
    if (attempt >= tries || env.signal.aborted) return { ok: false, attempts: attempt, error: result.error };
    env.recorder.log(
      'warn',
      `${name}: attempt ${attempt} of ${tries} failed: ${result.error}; trying again in ${formatDuration(delayMs)}`,
    );
    await sleep(delayMs, env.signal);
  }
}

/** An action's error with how many attempts it took, when it took more than one. */
export function actionError(outcome: ActionOutcome & { ok: false }): string {
  return outcome.attempts > 1 ? `${outcome.error} (after ${outcome.attempts} attempts)` : outcome.error;
}
