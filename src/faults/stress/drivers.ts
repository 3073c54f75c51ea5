import { targetedDriver } from '../targeted.js';
import { stressFamily } from './family.js';
import { helperId, planCpu, planIo, planMemory } from './plan.js';
import { cpuStressFault, ioStressFault, memoryStressFault } from './schema.js';

export const cpuStressDriver = targetedDriver({
  kind: 'cpu-stress',
  family: stressFamily,
  schema: cpuStressFault,
  planOne: (spec, _target, faultId, ctx) => planCpu(spec, helperId(ctx.runId, faultId)),
});

export const memoryStressDriver = targetedDriver({
  kind: 'memory-stress',
  family: stressFamily,
  schema: memoryStressFault,
  planOne: (spec, _target, faultId, ctx) => planMemory(spec, helperId(ctx.runId, faultId)),
});

export const ioStressDriver = targetedDriver({
  kind: 'io-stress',
  family: stressFamily,
  schema: ioStressFault,
  planOne: (spec, _target, faultId, ctx) => planIo(spec, helperId(ctx.runId, faultId)),
});
