import { z } from 'zod';
import { parseThreshold } from '../load/thresholds.js';
import { emptyWindows } from '../load/window-check.js';
import {
  argv,
  checkRegExp,
  duration,
  durationBound,
  nonEmpty,
  numberBound,
  numeric,
  positiveDuration,
  targetSelector,
} from './shapes.js';

/** What the hypothesis, guards and probe steps check: the probe kinds and what each may expect. */

const textMatch = z
  .strictObject({
    contains: z.string().optional(),
    matches: z.string().optional(),
    equals: z.string().optional(),
  })
  .superRefine((value, ctx) => checkRegExp(value.matches, ctx, ['matches']));

const bodyMatch = z
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

const statusExpectation = z
  .union([
    numeric(z.number().int().min(100).max(599)),
    z.array(numeric(z.number().int().min(100).max(599))).min(1),
    z.string().regex(/^[1-5]xx$/, { message: 'expected a status class such as 2xx' }),
  ])
  .meta({ description: 'A status code, a list of codes, or a class such as 2xx' });

export const expectation = z.strictObject({
  status: statusExpectation.optional().meta({
    description: 'http: expected status (default 2xx)',
    default: '2xx',
    examples: [200, [200, 204]],
  }),
  latency: durationBound
    .optional()
    .meta({ description: 'http, tcp: bound on the response time', examples: ['< 500ms'] }),
  body: bodyMatch.optional().meta({ description: 'http: expectations on the body' }),
  exit: z
    .union([numeric(z.number().int()), z.array(numeric(z.number().int())).min(1)])
    .optional()
    .meta({ description: 'exec, command: expected exit code (default 0)', default: 0 }),
  stdout: textMatch.optional().meta({ description: 'exec, command: expectations on standard output' }),
  stderr: textMatch.optional().meta({ description: 'exec, command: expectations on standard error' }),
  state: z
    .enum(['running', 'paused', 'exited', 'restarting', 'created', 'dead'])
    .optional()
    .meta({ description: 'container: expected state (default running)', default: 'running' }),
  health: z
    .enum(['healthy', 'unhealthy', 'starting', 'none'])
    .optional()
    .meta({ description: 'container: expected health status' }),
  restarts: numberBound.optional().meta({ description: 'container: restart count, e.g. 0 or "< 3"' }),
  connects: z
    .boolean()
    .optional()
    .meta({ description: 'tcp: whether the connection must succeed (default true)', default: true }),
  thresholds: z.array(nonEmpty).min(1).optional().meta({
    description: 'load: SLO thresholds such as "p95 < 300ms", "error_rate < 1%", "throughput > 45/s"',
  }),
});
export type Expectation = z.output<typeof expectation>;

const EXPECT_KEYS_BY_KIND = {
  http: ['status', 'latency', 'body'],
  tcp: ['latency', 'connects'],
  exec: ['exit', 'stdout', 'stderr'],
  command: ['exit', 'stdout', 'stderr'],
  container: ['state', 'health', 'restarts'],
  load: ['thresholds'],
} as const;
export const PROBE_KINDS = Object.keys(EXPECT_KEYS_BY_KIND) as ProbeKind[];
export type ProbeKind = keyof typeof EXPECT_KEYS_BY_KIND;

export const httpProbe = z.strictObject({
  url: z
    .string()
    .refine((text) => /^https?:\/\/[^\s/]+/.test(text) && URL.canParse(text), {
      message: 'expected an http:// or https:// URL',
    })
    .refine((text) => !URL.canParse(text) || !hasCredentials(new URL(text)), {
      // Never echoes the URL: it holds a password.
      message:
        'the URL holds a user name or password, which requests refuse; send them in a header instead: ' +
        'headers: { Authorization: "Basic ${secret:API_BASIC}" }',
    })
    .meta({ description: 'An http:// or https:// URL', examples: ['http://127.0.0.1:8080/health'] }),
  method: z
    .enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
    .default('GET')
    .meta({ description: 'The request method' }),
  headers: z.record(z.string(), z.string()).optional().meta({ description: 'Request headers' }),
  body: z
    .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())])
    .optional()
    .meta({ description: 'A string, or an object sent as JSON' }),
});

function hasCredentials(url: URL): boolean {
  return url.username !== '' || url.password !== '';
}

const RATE_PER = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(s|m)\s*$/;
const requestRate = z
  .string()
  .regex(RATE_PER, { message: 'expected a rate such as 50/s or 600/m' })
  .transform((text) => {
    const [, value, unit] = RATE_PER.exec(text)!;
    return Number(value) / (unit === 'm' ? 60 : 1);
  })
  .refine((perSecond) => perSecond > 0 && perSecond <= 5000, {
    message: 'expected a rate above 0 and at most 5000/s',
  })
  .meta({ description: 'Requests per second: 50/s, or per minute: 600/m' });

/** HTTP requests at a fixed rate (open model) before, during and after the faults, judged by thresholds. */
const loadProbe = httpProbe.extend({
  rate: requestRate,
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
});
export type LoadProbeSpec = z.output<typeof loadProbe>;

const tcpProbe = z.strictObject({
  host: nonEmpty.meta({ description: 'Host name or address to connect to', examples: ['127.0.0.1'] }),
  port: numeric(z.number().int().min(1).max(65535)).meta({ description: 'TCP port' }),
});

export const execProbe = z.strictObject({
  target: targetSelector.meta({ description: 'The container to run the command in' }),
  command: argv.meta({
    description: 'The command as an argument list (no shell)',
    examples: [['pg_isready', '-U', 'postgres']],
  }),
});

export const PHASES = ['before', 'during', 'after'] as const;
export type Phase = (typeof PHASES)[number];

export const probe = z
  .strictObject({
    name: nonEmpty.meta({ description: 'Shown in reports' }),
    http: httpProbe.optional().meta({ description: 'Send an HTTP request; by default a 2xx status passes' }),
    tcp: tcpProbe.optional().meta({ description: 'Open a TCP connection' }),
    exec: execProbe.optional().meta({ description: 'Run a command inside a container' }),
    command: argv.optional().meta({ description: 'Run a host process (argument list, no shell)' }),
    container: z
      .strictObject({ target: targetSelector })
      .optional()
      .meta({ description: 'Inspect a container' }),
    load: loadProbe.optional().meta({ description: 'HTTP load at a fixed rate, judged by thresholds' }),
    expect: expectation
      .optional()
      .meta({ description: 'What counts as a pass; which keys apply depends on the probe kind' }),
    when: z
      .array(z.enum(PHASES))
      .min(1)
      .optional()
      .meta({
        description: 'When the hypothesis probe is checked (default: before, during, after)',
        default: [...PHASES],
      }),
    every: positiveDuration
      .optional()
      .meta({ description: 'Sampling interval while faults are active (default 1s)', default: '1s' }),
    timeout: positiveDuration
      .optional()
      .meta({ description: 'Time limit of one attempt (default 5s)', default: '5s' }),
    retries: numeric(z.number().int().min(0).max(100))
      .optional()
      .meta({ description: 'Extra attempts after a miss (default 0)', default: 0 }),
    interval: duration
      .optional()
      .meta({ description: 'Pause between attempts (default 500ms)', default: '500ms' }),
  })
  .superRefine((value, ctx) => {
    const kinds = PROBE_KINDS.filter((kind) => value[kind] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? `a probe needs exactly one of: ${PROBE_KINDS.join(', ')}`
            : `a probe has exactly one kind, found ${kinds.join(' and ')}`,
      });
      return;
    }
    const kind = kinds[0]!;
    if (kind === 'load') {
      const thresholds = value.expect?.thresholds ?? [];
      if (thresholds.length === 0) {
        ctx.addIssue({
          code: 'custom',
          message: 'a load probe needs expect.thresholds, such as ["p95 < 300ms", "error_rate < 1%"]',
          path: ['expect'],
        });
      }
      thresholds.forEach((text, index) => {
        try {
          parseThreshold(text);
        } catch (error) {
          ctx.addIssue({
            code: 'custom',
            message: (error as Error).message,
            path: ['expect', 'thresholds', index],
          });
        }
      });
      for (const issue of emptyWindows(value.load!))
        ctx.addIssue({ code: 'custom', message: issue.message, path: ['load', issue.key] });
    }
    const allowed: readonly string[] = EXPECT_KEYS_BY_KIND[kind];
    for (const key of Object.keys(value.expect ?? {})) {
      if ((value.expect as Record<string, unknown>)[key] === undefined) continue;
      if (!allowed.includes(key)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${key}" does not apply to ${kind === 'http' || kind === 'exec' ? 'an' : 'a'} ${kind} probe; it can expect: ${allowed.join(', ')}`,
          path: ['expect', key],
        });
      }
    }
  });
export type ProbeSpec = z.output<typeof probe>;
