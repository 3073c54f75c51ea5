import { targetedDriver } from '../targeted.js';
import { diskFamily } from './family.js';
import { fillName } from './fill.js';
import { diskFillFault } from './schema.js';

export const diskFillDriver = targetedDriver({
  kind: 'disk-fill',
  family: diskFamily,
  schema: diskFillFault,
  planOne: (spec, _target, faultId, ctx) => ({
    type: 'disk' as const,
    path: spec.path,
    size: spec.size,
    percent: spec.percent,
    name: fillName(ctx.runId, faultId),
    runId: ctx.runId,
  }),
});
