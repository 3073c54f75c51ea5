import * as z from 'zod';
import { checkRegExp, durationBound, nonEmpty, numberBound, numeric } from '../experiment/shapes.js';
import { builtOnce } from '../util/built-once.js';

/**
 * What a probe may expect, key by key, in the order the file format lists them. A probe kind names
 * the keys it takes (see its `expects`); a key two kinds share has one shape. Each shape is built the
 * first time a file uses its key.
 */

const textMatch = builtOnce(() =>
  z
    .strictObject({
      contains: z.string().optional(),
      matches: z.string().optional(),
      equals: z.string().optional(),
    })
    .superRefine((value, ctx) => checkRegExp(value.matches, ctx, ['matches'])),
);

const bodyMatch = () =>
  z
    .strictObject({
      contains: z.string().optional(),
      matches: z.string().optional(),
      equals: z.string().optional(),
      json: z
        .strictObject({
          path: nonEmpty.meta({ description: 'A JSON path such as $.ok or $.items[0].id' }),
          equals: z.unknown().meta({ description: 'The value expected at path' }),
        })
        .optional(),
    })
    .superRefine((value, ctx) => checkRegExp(value.matches, ctx, ['matches']));

const statusExpectation = () =>
  z
    .union([
      numeric(z.number().int().min(100).max(599)),
      z.array(numeric(z.number().int().min(100).max(599))).min(1),
      z.string().regex(/^[1-5]xx$/, { message: 'expected a status class such as 2xx' }),
    ])
    .meta({ description: 'A status code, a list of codes, or a class such as 2xx' });

/** Each expect key: its shape and what the file format says of it. */
export const EXPECT_KEYS = {
  status: {
    shape: statusExpectation,
    meta: { description: 'http: expected status (default 2xx)', default: '2xx', examples: [200, [200, 204]] },
  },
  latency: {
    shape: () => durationBound,
    meta: { description: 'http, tcp: bound on the response time', examples: ['< 500ms'] },
  },
  body: { shape: bodyMatch, meta: { description: 'http: expectations on the body' } },
  exit: {
    shape: () => z.union([numeric(z.number().int()), z.array(numeric(z.number().int())).min(1)]),
    meta: { description: 'exec, command: expected exit code (default 0)', default: 0 },
  },
  stdout: { shape: textMatch, meta: { description: 'exec, command: expectations on standard output' } },
  stderr: { shape: textMatch, meta: { description: 'exec, command: expectations on standard error' } },
  state: {
    shape: () => z.enum(['running', 'paused', 'exited', 'restarting', 'created', 'dead']),
    meta: { description: 'container: expected state (default running)', default: 'running' },
  },
  health: {
    shape: () => z.enum(['healthy', 'unhealthy', 'starting', 'none']),
    meta: { description: 'container: expected health status' },
  },
  restarts: {
    shape: () => numberBound,
    meta: { description: 'container: restart count, e.g. 0 or "< 3"' },
  },
  connects: {
    shape: () => z.boolean(),
    meta: { description: 'tcp: whether the connection must succeed (default true)', default: true },
  },
  thresholds: {
    shape: () => z.array(nonEmpty).min(1),
    meta: {
      description:
        'load: SLO thresholds such as "p95 < 300ms", "error_rate < 1%", "throughput > 45/s"; workload: "lost == 0", "duplicates == 0", "available.before > 90%" (default lost == 0)',
    },
  },
  value: {
    shape: () => numberBound,
    meta: {
      description: 'prometheus: a bound every series of the query must meet, e.g. "< 0.05"',
      examples: ['< 0.05', '> 0'],
    },
  },
} as const;

export type ExpectKey = keyof typeof EXPECT_KEYS;
