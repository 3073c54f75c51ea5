import type { z } from 'zod';
import { targetedDriver } from '../targeted.js';
import { containerFamily } from './family.js';
import type { ContainerFaultKind } from './lifecycle.js';
import { killFault, pauseFault, restartFault, stopFault } from './schema.js';

type LifecycleSpec = z.output<ReturnType<typeof restartFault>> & { signal?: string | undefined };

function lifecycle<const Kind extends ContainerFaultKind, Spec extends LifecycleSpec>(
  kind: Kind,
  schema: () => z.ZodType<Spec>,
) {
  return targetedDriver({
    kind,
    family: containerFamily,
    schema,
    planOne: (spec) => ({
      type: 'container' as const,
      spec: { kind, signal: spec.signal, graceMs: spec.grace },
    }),
  });
}

export const killDriver = lifecycle('kill', killFault);
export const stopDriver = lifecycle('stop', stopFault);
export const pauseDriver = lifecycle('pause', pauseFault);
export const restartDriver = lifecycle('restart', restartFault);
