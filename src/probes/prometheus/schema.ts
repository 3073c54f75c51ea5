import * as z from 'zod';
import { nonEmpty } from '../../experiment/shapes.js';
import { defineProbeKind } from '../kind.js';

/** An instant query against a Prometheus HTTP API, judged by a bound on its value. */
export const prometheusKind = defineProbeKind({
  kind: 'prometheus',
  description: "Run an instant query against a Prometheus HTTP API; expect.value bounds the query's value",
  schema: () =>
    z.strictObject({
      url: z
        .string()
        .refine((text) => /^https?:\/\/[^\s/]+/.test(text) && URL.canParse(text), {
          message: 'expected the http:// or https:// address of a Prometheus server',
        })
        .meta({ description: 'The Prometheus server', examples: ['http://127.0.0.1:9090'] }),
      query: nonEmpty.meta({
        description: 'A PromQL expression; every series it returns must meet expect.value',
        examples: ['sum(rate(http_requests_total{code=~"5.."}[30s])) / sum(rate(http_requests_total[30s]))'],
      }),
      headers: z
        .record(z.string(), z.string())
        .optional()
        .meta({ description: 'Request headers, e.g. Authorization' }),
    }),
  expects: ['value'],
  check(probe, issue) {
    if (probe.expect?.value === undefined)
      issue('a prometheus probe needs expect.value, a bound such as "< 0.05"', ['expect']);
  },
});
