import * as z from 'zod';
import { duration, positiveDuration } from '../../experiment/shapes.js';
import { parseThreshold } from '../../load/thresholds.js';
import { emptyWindows } from '../../load/window-check.js';
import { builtOnce } from '../../util/built-once.js';
import { httpRequest } from '../http/schema.js';
import { defineProbeKind } from '../kind.js';

const RATE_PER = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(s|m)\s*$/;

/** Requests per second, written as 50/s or 600/m. */
export const requestRate = builtOnce(() =>
  z
    .string()
    .regex(RATE_PER, { message: 'expected a rate such as 50/s or 600/m' })
    .transform((text) => {
      const [, value, unit] = RATE_PER.exec(text)!;
      return Number(value) / (unit === 'm' ? 60 : 1);
    })
    .refine((perSecond) => perSecond > 0 && perSecond <= 5000, {
      message: 'expected a rate above 0 and at most 5000/s',
    })
    .meta({ description: 'Requests per second: 50/s, or per minute: 600/m' }),
);

/** HTTP requests at a fixed rate (open model) before, during and after the faults, judged by thresholds. */
const loadProbe = builtOnce(() =>
  httpRequest().extend({
    rate: requestRate(),
    before: duration
      .optional()
      .meta({ description: 'How long to measure the baseline before the method (default 5s)' }),
    after: duration
      .optional()
      .meta({ description: 'How long to measure after the faults are reverted (default 5s)' }),
    window: positiveDuration
      .optional()
      .meta({ description: 'Also check every sliding window of this length while faults are active' }),
    records: z.boolean().optional().meta({
      description:
        'Also write every request to the JSON report (the first 100000 at most); reports otherwise keep per-slice counts and latency histograms',
    }),
  }),
);
export type LoadProbeSpec = z.output<ReturnType<typeof loadProbe>>;

export const loadKind = defineProbeKind({
  kind: 'load',
  description: 'HTTP load at a fixed rate, judged by thresholds',
  schema: loadProbe,
  expects: ['thresholds'],
  check(probe, issue) {
    const thresholds = (probe.expect?.thresholds as string[] | undefined) ?? [];
    if (thresholds.length === 0) {
      issue('a load probe needs expect.thresholds, such as ["p95 < 300ms", "error_rate < 1%"]', ['expect']);
    }
    thresholds.forEach((text, index) => {
      try {
        parseThreshold(text);
      } catch (error) {
        issue((error as Error).message, ['expect', 'thresholds', index]);
      }
    });
    for (const problem of emptyWindows(probe.load as LoadProbeSpec))
      issue(problem.message, ['load', problem.key]);
  },
});
