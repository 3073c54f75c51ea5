import type { z } from 'zod';
import type { ContainerFaultKind } from '../container-faults.js';
import { defineDriver, type StepPlanContext, targetAndPeers } from '../driver.js';
import { containerFamily } from './family.js';
import { killFault, pauseFault, restartFault, stopFault } from './schema.js';

type LifecycleSpec = z.output<typeof restartFault> & {
  signal?: string | undefined;
  duration?: number | undefined;
};

function lifecycle<const Kind extends ContainerFaultKind, Spec extends LifecycleSpec>(
  kind: Kind,
  schema: z.ZodType<Spec>,
) {
  return defineDriver<Kind, Spec>({
    kind,
    family: containerFamily,
    schema,
    selectors: targetAndPeers,
    common: (spec) => ({
      durationMs: spec.duration,
      background: spec.background,
      maxTargets: spec['max-targets'],
    }),
    plan(spec, ctx: StepPlanContext) {
      const targets = ctx.resolve(spec.target, ctx.path, ctx.where);
      return {
        selector: ctx.describeSelector(spec.target),
        faults: targets.map((target) => ({
          target,
          faultId: ctx.nextId(),
          fault: { type: 'container' as const, spec: { kind, signal: spec.signal, graceMs: spec.grace } },
        })),
      };
    },
  });
}

export const killDriver = lifecycle('kill', killFault);
export const stopDriver = lifecycle('stop', stopFault);
export const pauseDriver = lifecycle('pause', pauseFault);
export const restartDriver = lifecycle('restart', restartFault);
