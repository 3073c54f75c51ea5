import type { Plan } from '../plan.js';
import { runActionStep } from './action-step.js';
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
    const targets = plan.rollbackTargets[index] ?? [];
    const { label, error } = await runActionStep(run, { path, action, targets }, signal);
    if (error !== undefined) errors.push(`${path} ${label}: ${error}`);
  }
  return errors;
}
