import type { z } from 'zod';
import type { TargetSelector } from '../experiment/shapes.js';
import { PeerError } from '../network/network-plan.js';
import { TargetSelectionError } from '../targets/resolve.js';
import type { Target } from '../targets/target.js';
import {
  defineDriver,
  type FamilyPlan,
  type FaultFamily,
  type PlannedFault,
  type StepPlanContext,
} from './driver.js';

/** What a step that names its targets with `target` has. */
export interface TargetedSpec {
  target: TargetSelector;
  duration?: number | undefined;
  background?: boolean | undefined;
  'max-targets'?: number | undefined;
}

/**
 * A driver for the common shape of step: one `target` selector (and perhaps `to` peers), each
 * resolved target planned on its own. A peer that cannot be resolved for one target is a problem of
 * the plan, reported with the others.
 */
export function targetedDriver<const Kind extends string, Spec extends TargetedSpec>(options: {
  kind: Kind;
  family: FaultFamily;
  schema: () => z.ZodType<Spec>;
  planOne(spec: Spec, target: Target, faultId: string, ctx: StepPlanContext): FamilyPlan;
  /** Said after the selector in the plan, from the first target's fault (e.g. the resolved scope). */
  qualifier?(first: FamilyPlan): string;
}) {
  return defineDriver<Kind, Spec>({
    kind: options.kind,
    family: options.family,
    schema: options.schema,
    common: (spec) => ({
      durationMs: spec.duration,
      background: spec.background,
      maxTargets: spec['max-targets'],
    }),
    plan(spec, ctx) {
      const faults: PlannedFault[] = [];
      for (const target of ctx.resolve(spec.target, ctx.path, ctx.where)) {
        const faultId = ctx.nextId();
        try {
          faults.push({ target, faultId, fault: options.planOne(spec, target, faultId, ctx) });
        } catch (error) {
          if (!(error instanceof PeerError) && !(error instanceof TargetSelectionError)) throw error;
          ctx.problem(
            `${ctx.where}: ${error.message}`,
            error instanceof TargetSelectionError ? error.hint : undefined,
          );
        }
      }
      const first = faults[0]?.fault;
      return {
        selector: ctx.describeSelector(spec.target),
        qualifier: first && options.qualifier ? options.qualifier(first) : '',
        faults,
      };
    },
  });
}
