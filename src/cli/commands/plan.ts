import { describeEndpoint } from '../../docker/endpoint.js';
import { describeProbe } from '../../engine/describe.js';
import { allInjections, buildPlan, hasNetworkFaults, type PlannedStep } from '../../engine/plan.js';
import { loadExperimentFile } from '../../experiment/load.js';
import { PROBE_DEFAULTS, RUN_DEFAULTS } from '../../experiment/schema.js';
import { devicesFor, listInterfaces } from '../../network/interfaces.js';
import { HelperRunner, type NetnsRunner } from '../../network/netns-runner.js';
import { chooseRunner } from '../../network/setup.js';
import { probePhases } from '../../probes/run-probe.js';
import { holderLookup } from '../../safety/locks.js';
import { stateDir } from '../../safety/state-dir.js';
import { describeProjects } from '../../targets/resolve.js';
import type { Target } from '../../targets/target.js';
import { formatDuration } from '../../util/duration.js';
import { newSeed } from '../../util/random.js';
import { expandExperimentFiles } from '../files.js';
import type { CommandContext } from '../program.js';
import { connectDocker } from './endpoint-options.js';
import { parseNetworkOptions } from './network-options.js';
import { parseSeed } from './seed.js';

/** Prints what a run would do: resolved targets and every Docker action. Reads Docker, changes nothing. */
export async function planCommand(
  inputs: string[],
  options: Record<string, unknown>,
  ctx: CommandContext,
): Promise<number> {
  const files = await expandExperimentFiles(inputs);
  const seed = parseSeed(options.seed) ?? newSeed();
  const { docker, endpoint } = connectDocker(options, ctx.env);
  await docker.ping();
  const setup = parseNetworkOptions(options);
  const c = ctx.output.colors;
  const out = (line: string) => ctx.output.stdout.write(`${line}\n`);
  for (const file of files) {
    const loaded = await loadExperimentFile(file, ctx.env);
    const runId = 'plan0000';
    let way: { runner: NetnsRunner; why: string } | undefined;
    let wayError: string | undefined;
    // The way in depends on the targets (nsenter only when their processes are visible here).
    const holderOf = holderLookup(stateDir(ctx.env), endpoint);
    const targets = allInjections((await buildPlan(loaded, docker, { seed, runId, holderOf })).steps)
      .filter((injection) => injection.fault.type !== 'container')
      .map((injection) => injection.target);
    try {
      way = await chooseRunner(docker, setup, runId, { targets });
    } catch (error) {
      wayError = error instanceof Error ? error.message : String(error);
    }
    const runner = way?.runner;
    const plan = await buildPlan(loaded, docker, {
      seed,
      runId,
      holderOf,
      display: runner
        ? Object.assign((target: Target, argv: readonly string[]) => runner.display(target, argv), {
            way: { via: runner.via, image: runner instanceof HelperRunner ? runner.image : undefined },
          })
        : undefined,
      // Reading a namespace's interfaces from the host changes nothing; a helper would.
      devicesOf:
        runner?.via === 'nsenter' || runner?.via === 'exec'
          ? async (target, cidrs) => devicesFor(await listInterfaces(runner, target), cidrs)
          : undefined,
    });
    const { experiment } = loaded;
    out(
      `${c.bold(experiment.title)}  ${c.dim(`${file} · seed ${seed} (pass --seed ${seed} to run exactly this plan)`)}`,
    );
    out(`${c.bold('engine')}   ${describeEndpoint(endpoint)}`);
    out(c.bold('hypothesis'));
    for (const probe of experiment.hypothesis) {
      const targets = plan.probeTargets.get(probe);
      const on = targets ? ` in ${targets.map((target) => target.name).join(', ')}` : '';
      out(
        `  ${probe.name}: ${describeProbe(probe)}${on}  ${c.dim(`[${probePhases(probe).join(', ')}; every ${formatDuration(probe.every ?? PROBE_DEFAULTS.every)}]`)}`,
      );
    }
    if (hasNetworkFaults(plan.steps)) {
      out(`${c.bold('network')}  ${way ? `via ${way.runner.via}: ${way.why}` : c.red(wayError ?? '')}`);
      out(c.dim('         (the run id in chain names is chosen when the run starts)'));
    }
    out(c.bold('method'));
    for (const step of plan.steps) printStep(step, '  ', out, c);
    out(`${c.bold('revert')}   every fault still in place when the method ends, on every exit path`);
    out(
      `${c.bold('recovery')} the hypothesis must hold again within ${formatDuration(experiment.recovery ?? RUN_DEFAULTS.recovery)}`,
    );
    for (const [index, action] of (experiment.rollbacks ?? []).entries()) {
      out(
        `${c.bold('rollback')} ${index + 1}: ${action.name ?? action.command?.join(' ') ?? action.exec?.command.join(' ') ?? action.http?.url}`,
      );
    }
    out('');
  }
  return 0;
}

function printStep(
  step: PlannedStep,
  indent: string,
  out: (line: string) => void,
  c: CommandContext['output']['colors'],
): void {
  out(
    `${indent}${c.cyan(step.path)} ${step.label}${'background' in step && step.background ? c.dim(' (background)') : ''}`,
  );
  if (step.kind === 'fault') {
    const projects = describeProjects(step.targets);
    if (projects) out(`${indent}  ${c.dim(`targets: ${projects}`)}`);
    for (const injection of step.injections) {
      out(`${indent}  ${c.dim(`${injection.faultId} on ${injection.target.name}`)}`);
      for (const action of injection.actions) out(`${indent}    ${action}`);
      for (const revert of injection.reverts) out(`${indent}    ${c.dim(`revert: ${revert}`)}`);
    }
  }
  if (step.kind === 'action' && step.targets.length > 0) {
    out(`${indent}  in ${step.targets.map((target) => target.name).join(', ')}`);
  }
  if (step.kind === 'parallel') for (const child of step.steps) printStep(child, `${indent}  `, out, c);
}
