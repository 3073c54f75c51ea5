import type { DockerClient } from '../../docker/client.js';
import { describeAction } from '../../engine/describe.js';
import { hasNetworkFaults, type Plan } from '../../engine/plan.js';
import { preflightPlan } from '../../engine/preflight.js';
import { FaultlineError } from '../../errors.js';
import { ACTION_DEFAULTS, type ActionSpec } from '../../experiment/schema.js';
import type { NetnsRunner } from '../../network/netns-runner.js';
import { NetworkContext } from '../../network/network-fault.js';
import type { NetworkSetup } from '../../network/setup.js';
import { DockerPlatform } from '../../platform/docker/docker-platform.js';
import { formatDuration } from '../../util/duration.js';
import type { CommandContext } from '../program.js';

/**
 * Runs the host checks `run` makes before injecting anything, and prints what they found under
 * `preflight`. Resolves with whether they passed: when they did not, `run` would end errored (exit 3).
 */
export interface PreflightProblem {
  message: string;
  hint: string | undefined;
}

/** What `faultline run` would stop on before injecting anything, or undefined when the host can make it all. */
export async function checkPreflight(
  plan: Plan,
  way: {
    docker: DockerClient;
    setup: NetworkSetup;
    runner: NetnsRunner | undefined;
    error: string | undefined;
  },
): Promise<PreflightProblem | undefined> {
  if (hasNetworkFaults(plan.steps) && !way.runner) {
    return { message: way.error ?? 'no way into the targets', hint: undefined };
  }
  try {
    const context = way.runner ? new NetworkContext(way.runner) : undefined;
    await preflightPlan(plan, new DockerPlatform(way.docker, way.setup), context);
    return undefined;
  } catch (error) {
    if (!(error instanceof FaultlineError)) throw error;
    return { message: error.message, hint: error.hint };
  }
}

export function printPreflight(
  problem: PreflightProblem | undefined,
  runner: NetnsRunner | undefined,
  plan: Plan,
  ctx: CommandContext,
): void {
  const c = ctx.output.colors;
  const out = (line: string) => ctx.output.stdout.write(`${line}\n`);
  if (!problem) {
    const via = hasNetworkFaults(plan.steps) && runner ? ` (via ${runner.via})` : '';
    out(`${c.bold('preflight')} ok: this host can make every fault of the method${via}`);
    return;
  }
  out(
    `${c.bold('preflight')} ${c.red(`FAILED, \`faultline run\` would stop here (exit 3): ${problem.message}`)}`,
  );
  if (problem.hint) out(`          ${c.dim(`hint: ${problem.hint}`)}`);
}

/** The setup actions, in the order they run before the baseline check. */
export function printSetup(plan: Plan, ctx: CommandContext): void {
  const actions = plan.loaded.experiment.setup ?? [];
  if (actions.length === 0) return;
  const c = ctx.output.colors;
  const out = (line: string) => ctx.output.stdout.write(`${line}\n`);
  out(
    `${c.bold('setup')}    ${c.dim('run in order before the baseline check; one failing stops the run (exit 3)')}`,
  );
  for (const [index, action] of actions.entries()) {
    const targets = plan.setupTargets[index] ?? [];
    const on = targets.length > 0 ? ` in ${targets.map((target) => target.name).join(', ')}` : '';
    out(`  ${c.cyan(`setup[${index}]`)} ${describeAction(action)}${on}${retriesNote(action)}`);
  }
}

/** ` (up to 3 retries, 1s apart)` for an action that retries; nothing for one that does not. */
export function retriesNote(action: ActionSpec): string {
  const retries = action.retries ?? ACTION_DEFAULTS.retries;
  if (retries === 0) return '';
  const delay = formatDuration(action['retry-delay'] ?? ACTION_DEFAULTS.retryDelay);
  return ` (up to ${retries} ${retries === 1 ? 'retry' : 'retries'}, ${delay} apart)`;
}

export function expectLine(expected: 'passed' | 'deviated'): string {
  return expected === 'deviated'
    ? 'deviated: a negative test, it exits 0 when the hypothesis breaks and 1 when it holds'
    : 'passed';
}
