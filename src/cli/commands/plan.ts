import { type DockerEndpoint, describeEndpoint } from '../../docker/endpoint.js';
import { describeAction, describeDetect, describeProbe, describeSchedule } from '../../engine/describe.js';
import {
  allInjections,
  buildPlan,
  hasNetworkFaults,
  type Plan,
  type PlannedStep,
} from '../../engine/plan.js';
import { ExitCode } from '../../errors.js';
import { RUN_DEFAULTS } from '../../experiment/schema.js';
import { devicesFor, listInterfaces } from '../../network/interfaces.js';
import { HelperRunner, type NetnsRunner } from '../../network/netns-runner.js';
import { chooseRunner } from '../../network/setup.js';
import { holderLookup } from '../../safety/locks.js';
import { stateDir } from '../../safety/state-dir.js';
import { describeProjects } from '../../targets/resolve.js';
import type { Target } from '../../targets/target.js';
import { formatDuration } from '../../util/duration.js';
import { newSeed } from '../../util/random.js';
import { printJson } from '../json-output.js';
import { loadSelected } from '../load-experiments.js';
import type { CommandContext } from '../program.js';
import { connectDocker } from './endpoint-options.js';
import { parseNetworkOptions } from './network-options.js';
import { planDocument } from './plan-json.js';
import { checkPreflight, expectLine, printPreflight, printSetup, retriesNote } from './plan-sections.js';
import { parseSeed } from './seed.js';

/** Prints what a run would do: resolved targets and every Docker action. Reads Docker, changes nothing. */
export async function planCommand(
  inputs: string[],
  options: Record<string, unknown>,
  ctx: CommandContext,
): Promise<number> {
  const { loaded: selected, invalid } = await loadSelected(inputs, options, ctx.env, ctx.output);
  if (invalid.length > 0) return ExitCode.invalid;
  const seed = parseSeed(options.seed) ?? newSeed();
  const { docker, endpoint } = connectDocker(options, ctx.env);
  await docker.ping();
  const setup = parseNetworkOptions(options);
  const out = (line: string) => ctx.output.stdout.write(`${line}\n`);
  const documents: Record<string, unknown>[] = [];
  let exitCode = 0;
  for (const loaded of selected) {
    const { experiment } = loaded;
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
    const problem = await checkPreflight(plan, { docker, setup, runner, error: wayError });
    if (problem) exitCode = ExitCode.errored;
    if (options.json) {
      documents.push({
        ...planDocument(
          plan,
          endpoint,
          way ? { via: way.runner.via, why: way.why } : { error: wayError ?? '' },
        ),
        setup: (experiment.setup ?? []).map((action) => describeAction(action)),
        expect: experiment.expect ?? 'passed',
        preflight: problem ? { ok: false, ...problem } : { ok: true },
      });
      continue;
    }
    printPlan(
      plan,
      { endpoint, network: way ? `via ${way.runner.via}: ${way.why}` : undefined, wayError },
      ctx,
    );
    printPreflight(problem, runner, plan, ctx);
    out('');
  }
  if (options.json) printJson(ctx.output, { seed, experiments: documents });
  return exitCode;
}

/** The plan as a person reads it: targets, every command, how it is reverted. */
function printPlan(
  plan: Plan,
  way: { endpoint: DockerEndpoint; network: string | undefined; wayError: string | undefined },
  ctx: CommandContext,
): void {
  const { file, experiment } = plan.loaded;
  const { seed } = plan;
  const c = ctx.output.colors;
  const out = (line: string) => ctx.output.stdout.write(`${line}\n`);
  out(
    `${c.bold(experiment.title)}  ${c.dim(`${file} · seed ${seed} (pass --seed ${seed} to run exactly this plan)`)}`,
  );
  out(`${c.bold('engine')}   ${describeEndpoint(way.endpoint)}`);
  printSetup(plan, ctx);
  out(c.bold('hypothesis'));
  for (const probe of experiment.hypothesis) {
    const targets = plan.probeTargets.get(probe);
    const on = targets ? ` in ${targets.map((target) => target.name).join(', ')}` : '';
    out(`  ${probe.name}: ${describeProbe(probe)}${on}  ${c.dim(`[${describeSchedule(probe)}]`)}`);
  }
  if (experiment.detect?.length) out(c.bold('detect'));
  for (const probe of experiment.detect ?? []) {
    const targets = plan.probeTargets.get(probe);
    const on = targets ? ` in ${targets.map((target) => target.name).join(', ')}` : '';
    out(`  ${probe.name}: ${describeDetect(probe)}${on}`);
  }
  if (hasNetworkFaults(plan.steps)) {
    out(`${c.bold('network')}  ${way.network ?? c.red(way.wayError ?? '')}`);
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
  if (experiment.expect) out(`${c.bold('expect')}   ${expectLine(experiment.expect)}`);
}

function printStep(
  step: PlannedStep,
  indent: string,
  out: (line: string) => void,
  c: CommandContext['output']['colors'],
): void {
  out(
    `${indent}${c.cyan(step.path)} ${step.label}${step.kind === 'action' ? retriesNote(step.action) : ''}${'background' in step && step.background ? c.dim(' (background)') : ''}`,
  );
  if (step.kind === 'fault') {
    const projects = describeProjects(step.targets);
    if (projects) out(`${indent}  ${c.dim(`targets: ${projects}`)}`);
    for (const injection of step.injections) {
      out(`${indent}  ${c.dim(`${injection.faultId} on ${injection.target.name}`)}`);
      // A batch is one command over several lines (a here-document): every line keeps the indent.
      for (const action of injection.actions)
        for (const line of action.split('\n')) out(`${indent}    ${line}`);
      for (const revert of injection.reverts) {
        const [first, ...rest] = revert.split('\n');
        out(`${indent}    ${c.dim(`revert: ${first}`)}`);
        for (const line of rest) out(`${indent}            ${c.dim(line)}`);
      }
    }
  }
  if (step.kind === 'action' && step.targets.length > 0) {
    out(`${indent}  in ${step.targets.map((target) => target.name).join(', ')}`);
  }
  if (step.kind === 'parallel') for (const child of step.steps) printStep(child, `${indent}  `, out, c);
}
