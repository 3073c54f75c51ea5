import { actionError, attemptAction } from '../action-attempts.js';
import { describeAction } from '../describe.js';
import type { Plan } from '../plan.js';
import type { RunContext } from './run-context.js';

/**
 * Runs the experiment's rollbacks in order, each whatever the others did, and even after an interrupt
 * (with their own signal and timeouts). Resolves with one message per failed rollback.
 */
export async function runRollbacks(run: RunContext, plan: Plan): Promise<string[]> {
  const { recorder } = run;
  const actions = run.experiment.rollbacks ?? [];
  if (actions.length === 0) return [];
  recorder.record({ type: 'phase', phase: 'rollbacks' });
  const errors: string[] = [];
  const signal = new AbortController().signal;
  for (const [index, action] of actions.entries()) {
    const path = `rollbacks[${index}]`;
    const label = describeAction(action);
    const started = performance.now();
    recorder.record({ type: 'step-start', step: path, label });
    const result = await attemptAction(action, plan.rollbackTargets[index] ?? [], {
      docker: run.options.docker,
      cwd: run.loaded.directory,
      signal,
      recorder,
      path,
      label,
    });
    const durationMs = Math.round(performance.now() - started);
    if (result.ok) recorder.record({ type: 'step-end', step: path, label, status: 'done', durationMs });
    else {
      recorder.record({
        type: 'step-end',
        step: path,
        label,
        status: 'failed',
        durationMs,
        error: actionError(result),
      });
      errors.push(`${path} ${label}: ${actionError(result)}`);
    }
  }
  return errors;
}
