import * as z from 'zod';
import { argv, duration, nonEmpty, numeric, positiveDuration } from '../../experiment/shapes.js';
import { builtOnce } from '../../util/built-once.js';
import { execCommand } from '../exec/schema.js';
import { httpRequest } from '../http/schema.js';
import { defineProbeKind, targetOf } from '../kind.js';
import { requestRate } from '../load/schema.js';
import { parseWorkloadThreshold } from './thresholds.js';
import type { WorkloadSpec } from './types.js';

/** Bounds a workload is held to, stated in the file format and its errors. */
export const WORKLOAD_LIMITS = { concurrency: 256, writes: 1_000_000 } as const;
export const WORKLOAD_DEFAULTS = {
  concurrency: 8,
  writes: 10_000,
  timeout: 2000,
  before: 2000,
  after: 2000,
} as const;

/** Exactly one of `keys` is set in `value`, or an issue naming them. */
function exactlyOne(keys: readonly string[], what: string) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const set = keys.filter((key) => value[key] !== undefined);
    if (set.length !== 1)
      ctx.addIssue({ code: 'custom', message: `${what} needs exactly one of: ${keys.join(', ')}` });
  };
}

const write = () =>
  z
    .strictObject({
      http: httpRequest()
        .optional()
        .meta({ description: 'An HTTP request; ${id} in its URL, headers or body is the write id' }),
      command: argv.optional().meta({
        description: 'A host process (argument list, no shell); ${id} in an argument is the write id',
        examples: [['./write.sh', '${id}']],
      }),
      exec: execCommand()
        .optional()
        .meta({ description: 'A command in a container; ${id} in an argument is the write id' }),
    })
    .superRefine(exactlyOne(['http', 'command', 'exec'], 'a workload write'));

const readHttp = () =>
  z.strictObject({
    url: httpRequest().shape.url,
    method: z.enum(['GET', 'POST']).optional().meta({ description: 'The request method (default GET)' }),
    headers: z.record(z.string(), z.string()).optional().meta({ description: 'Request headers' }),
    values: nonEmpty.meta({
      description: 'JSON path to the list of values in each answer',
      examples: ['$.values', '$.items'],
    }),
    value: nonEmpty.optional().meta({
      description: 'When the list holds objects: the path to the value in each, e.g. $.id',
    }),
    next: nonEmpty.optional().meta({
      description:
        'JSON path to the next page: a URL or a path (fetched as it is), or a cursor sent as ?after=<cursor>; absent or null on the last page',
    }),
    'cursor-param': nonEmpty
      .optional()
      .meta({ description: 'The query parameter a plain cursor is sent in (default after)' }),
  });

const read = () =>
  z
    .strictObject({
      http: readHttp().optional().meta({ description: 'Read the values through HTTP, page by page' }),
      command: argv
        .optional()
        .meta({ description: 'A host process that prints one value per line (argument list, no shell)' }),
      timeout: positiveDuration
        .optional()
        .meta({ description: 'Time limit of each page or of the command (default 10s)' }),
    })
    .superRefine(exactlyOne(['http', 'command'], 'a workload read'));

const workload = builtOnce(() =>
  z
    .strictObject({
      write: write().meta({ description: 'How one write is made; each has an id of its own: ${id}' }),
      read: read().meta({ description: 'How to read back what the system holds, once it has recovered' }),
      rate: requestRate().meta({ description: 'Writes per second: 20/s, or per minute: 1200/m' }),
      concurrency: numeric(z.number().int().min(1).max(WORKLOAD_LIMITS.concurrency))
        .optional()
        .meta({
          description: `Writes in flight at most (default ${WORKLOAD_DEFAULTS.concurrency}); a write due while they are all busy is skipped and counted`,
        }),
      writes: numeric(z.number().int().min(1).max(WORKLOAD_LIMITS.writes))
        .optional()
        .meta({ description: `Writes made at most (default ${WORKLOAD_DEFAULTS.writes})` }),
      timeout: positiveDuration.optional().meta({
        description: 'Time limit of one write (default 2s): past it the write is indeterminate',
      }),
      before: duration.optional().meta({
        description:
          'How long it writes before the method starts, at least (default 2s): the baseline of available.before',
      }),
      after: duration.optional().meta({
        description:
          'How long it goes on writing once the hypothesis holds again, before reading back (default 2s): what available.after is judged on',
      }),
      ack: z
        .strictObject({
          status: z
            .array(
              z.union([
                numeric(z.number().int().min(100).max(599)),
                z.enum(['1xx', '2xx', '3xx', '4xx', '5xx']),
              ]),
            )
            .min(1),
        })
        .optional()
        .meta({
          description: 'What acknowledges a write over HTTP (default any 2xx)',
          examples: [{ status: [201] }],
        }),
    })
    .transform(
      (spec): WorkloadSpec => ({
        write: spec.write as WorkloadSpec['write'],
        read: {
          ...(spec.read.http
            ? {
                http: {
                  url: spec.read.http.url,
                  method: spec.read.http.method,
                  headers: spec.read.http.headers,
                  values: spec.read.http.values,
                  value: spec.read.http.value,
                  next: spec.read.http.next,
                  cursorParam: spec.read.http['cursor-param'],
                },
              }
            : { command: spec.read.command! }),
          timeout: spec.read.timeout,
        },
        rate: spec.rate,
        concurrency: spec.concurrency ?? WORKLOAD_DEFAULTS.concurrency,
        writes: spec.writes ?? WORKLOAD_DEFAULTS.writes,
        timeout: spec.timeout ?? WORKLOAD_DEFAULTS.timeout,
        ack: spec.ack,
        before: spec.before ?? WORKLOAD_DEFAULTS.before,
        after: spec.after ?? WORKLOAD_DEFAULTS.after,
      }),
    ),
);

export const workloadKind = defineProbeKind({
  kind: 'workload',
  description:
    'Write unique values from the baseline to the end of recovery, then read back what the system holds: lost, duplicated and indeterminate writes, and availability per phase',
  schema: workload,
  expects: ['thresholds'],
  check(probe, issue) {
    const thresholds = (probe.expect?.thresholds as string[] | undefined) ?? [];
    thresholds.forEach((text, index) => {
      try {
        parseWorkloadThreshold(text);
      } catch (error) {
        issue((error as Error).message, ['expect', 'thresholds', index]);
      }
    });
  },
  selectors: (spec) =>
    spec !== null && typeof spec === 'object' && 'write' in spec
      ? targetOf((spec as { write: { exec?: unknown } }).write.exec).map(([found, path]) => [
          found,
          ['write', 'exec', ...path],
        ])
      : [],
});
