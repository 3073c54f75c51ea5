import type { ActionSpec } from '../../experiment/schema.js';
import type { Target } from '../../targets/target.js';
import { actionError, attemptAction } from '../action-attempts.js';
import { describeAction } from '../describe.js';
import type { RunContext } from './run-context.js';

/**
 * One action of the setup or rollbacks, run (with its retries) and recorded as a step: its start, and
 * its end with the outcome. Resolves with the error when it failed, undefined when it was done.
 */
export async function runActionStep(
  run: RunContext,
  step: { path: string; action: ActionSpec; targets: readonly Target[] },
  signal: AbortSignal,
): Promise<{ label: string; error: string | undefined }> {
  const { recorder } = run;
  const { path, action } = step;
  const label = describeAction(action);
  const started = performance.now();
  recorder.record({ type: 'step-start', step: path, label });
  const result = await attemptAction(action, [...step.targets], {
    docker: run.options.docker,
    cwd: run.loaded.directory,
    signal,
    recorder,
    path,
    label,
  });
  const durationMs = Math.round(performance.now() - started);
  if (result.ok) {
    recorder.record({ type: 'step-end', step: path, label, status: 'done', durationMs });
    return { label, error: undefined };
  }
  const error = actionError(result);
  recorder.record({ type: 'step-end', step: path, label, status: 'failed', durationMs, error });
  return { label, error };
}
