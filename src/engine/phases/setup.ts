import { EnvironmentError } from '../../errors.js';
import type { Plan } from '../plan.js';
import { runActionStep } from './action-step.js';
import type { RunContext } from './run-context.js';

/** A setup action failed: the system was not brought into the state the experiment needs. */
export class SetupError extends EnvironmentError {
  constructor(message: string) {
    super('SETUP_FAILED', message, {
      hint: 'Run the action by hand to see why it fails; add retries: to an action that needs time.',
    });
  }
}

/**
 * Runs the setup actions in order, before the baseline check and before anything is injected. The
 * first that fails (after its retries) stops the run: nothing is injected, and the rollbacks, which
 * undo what the method did, do not run.
 */
export async function runSetup(run: RunContext, plan: Plan): Promise<void> {
  const actions = run.experiment.setup ?? [];
  if (actions.length === 0) return;
  const { recorder, signal } = run;
  recorder.record({ type: 'phase', phase: 'setup' });
  for (const [index, action] of actions.entries()) {
    signal.throwIfAborted();
    const path = `setup[${index}]`;
    const targets = plan.setupTargets[index] ?? [];
    const { label, error } = await runActionStep(run, { path, action, targets }, signal);
    if (error === undefined) continue;
    signal.throwIfAborted();
    throw new SetupError(`setup failed, nothing was injected: ${path} ${label}: ${error}`);
  }
  signal.throwIfAborted();
}
