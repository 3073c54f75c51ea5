import * as z from 'zod';
import { argv, targetSelector } from '../../experiment/shapes.js';
import { builtOnce } from '../../util/built-once.js';
import { defineProbeKind, targetOf } from '../kind.js';

/** A command in a container: the exec probe, and the exec action (experiment/schema.ts). */
export const execCommand = builtOnce(() =>
  z.strictObject({
    target: targetSelector.meta({ description: 'The container to run the command in' }),
    command: argv.meta({
      description: 'The command as an argument list (no shell)',
      examples: [['pg_isready', '-U', 'postgres']],
    }),
  }),
);

export const execKind = defineProbeKind({
  kind: 'exec',
  description: 'Run a command inside a container',
  schema: execCommand,
  expects: ['exit', 'stdout', 'stderr'],
  selectors: targetOf,
});
