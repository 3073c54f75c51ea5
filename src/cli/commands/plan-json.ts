import type { DockerEndpoint } from '../../docker/endpoint.js';
import { describeEndpoint } from '../../docker/endpoint.js';
import { describeProbe, describeSchedule } from '../../engine/describe.js';
import { hasNetworkFaults, type Plan, type PlannedStep } from '../../engine/plan.js';
import { PROBE_DEFAULTS, RUN_DEFAULTS } from '../../experiment/schema.js';
import { probePhases } from '../../probes/run-probe.js';
import type { Target } from '../../targets/target.js';

const target = (item: Target) => ({
  id: item.id,
  name: item.name,
  service: item.service ?? null,
  project: item.project ?? null,
});

/** One step of `faultline plan --json`: what the text plan says, as data. */
function stepDocument(step: PlannedStep): Record<string, unknown> {
  const base = { path: step.path, kind: step.kind, label: step.label };
  switch (step.kind) {
    case 'fault':
      return {
        ...base,
        fault: step.faultKind,
        durationMs: step.durationMs ?? null,
        background: step.background,
        selector: step.selector,
        targets: step.targets.map(target),
        injections: step.injections.map((injection) => ({
          faultId: injection.faultId,
          target: target(injection.target),
          actions: injection.actions,
          reverts: injection.reverts,
        })),
      };
    case 'wait':
      return { ...base, durationMs: step.durationMs };
    case 'action':
      return { ...base, background: step.background, targets: step.targets.map(target) };
    case 'parallel':
      return { ...base, steps: step.steps.map(stepDocument) };
    default:
      return base;
  }
}

/** One experiment of `faultline plan --json`. */
export function planDocument(
  plan: Plan,
  endpoint: DockerEndpoint,
  network: { via: string; why: string } | { error: string },
): Record<string, unknown> {
  const { file, experiment } = plan.loaded;
  return {
    file,
    title: experiment.title,
    seed: plan.seed,
    engine: describeEndpoint(endpoint),
    hypothesis: experiment.hypothesis.map((probe) => ({
      name: probe.name,
      does: describeProbe(probe),
      targets: (plan.probeTargets.get(probe) ?? []).map(target),
      phases: probePhases(probe),
      everyMs: probe.every ?? PROBE_DEFAULTS.every,
      ...(probe.workload ? { schedule: describeSchedule(probe) } : {}),
    })),
    detect: (experiment.detect ?? []).map((probe) => ({
      name: probe.name,
      does: describeProbe(probe),
      withinMs: probe.within,
      everyMs: probe.every ?? PROBE_DEFAULTS.every,
    })),
    network: hasNetworkFaults(plan.steps) ? network : null,
    method: plan.steps.map(stepDocument),
    recoveryMs: experiment.recovery ?? RUN_DEFAULTS.recovery,
    rollbacks: (experiment.rollbacks ?? []).map(
      (action) =>
        action.name ?? action.command?.join(' ') ?? action.exec?.command.join(' ') ?? action.http?.url,
    ),
  };
}
