import * as z from 'zod';
import { targetSelector } from '../../experiment/shapes.js';
import { defineProbeKind, targetOf } from '../kind.js';

export const containerKind = defineProbeKind({
  kind: 'container',
  description: 'Inspect a container',
  schema: () => z.strictObject({ target: targetSelector }),
  expects: ['state', 'health', 'restarts'],
  selectors: targetOf,
});
