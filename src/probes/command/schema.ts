import { argv } from '../../experiment/shapes.js';
import { defineProbeKind } from '../kind.js';

export const commandKind = defineProbeKind({
  kind: 'command',
  description: 'Run a host process (argument list, no shell)',
  schema: () => argv,
  expects: ['exit', 'stdout', 'stderr'],
});
