import { z } from 'zod';
import { parseThreshold } from '../load/thresholds.js';
import { emptyWindows } from '../load/window-check.js';
import { parseDurationBound, parseNumberBound } from '../util/comparison.js';
import { DURATION_PATTERN, durationTooLong, parseDuration } from '../util/duration.js';

/**
 * The experiment file, as zod schemas. Every object is strict: an unknown key is an error, because a
 * typo must never silently weaken a hypothesis. Durations are written the way people say them ("500ms",
 * "2s", "1m30s") and become milliseconds here.
 */

export const duration = z
  .string()
  .regex(new RegExp(DURATION_PATTERN), { message: 'expected a duration such as 500ms, 2s, 1m30s or 1h' })
  .transform((text, ctx) => {
    // A timer cannot hold longer than MAX_DURATION_MS: refused here, never shortened at run time.
    const tooLong = durationTooLong(text);
    if (tooLong !== undefined) {
      ctx.addIssue({ code: 'custom', message: tooLong, input: text });
      return z.NEVER;
    }
    return parseDuration(text)!;
  })
  .meta({ description: 'A duration: 500ms, 2s, 1.5s, 1m30s, 1h (at most 24d 20h 31m 23s)' });

const positiveDuration = duration.refine((ms) => ms > 0, { message: 'expected a duration above zero' });

const durationBound = z
  .string()
  .refine((text) => parseDurationBound(text) !== undefined, {
    message: 'expected a bound such as "< 500ms" or "<= 2s"',
  })
  .transform((text) => parseDurationBound(text)!)
  .meta({ description: 'A duration bound: "< 500ms", "<= 2s"' });

const numberBound = z
  .union([z.number(), z.string()])
  .refine((value) => parseNumberBound(value) !== undefined, {
    message: 'expected a number or a bound such as "< 3"',
  })
  .transform((value) => parseNumberBound(value)!);

/**
 * A number that may come from a variable: variables are substituted as text, so "8080" in a number
 * field is read as 8080. Anything else is left for the inner schema to reject.
 */
export const numericSchemas = new Map<z.ZodType, z.ZodType>();
function numeric<T extends z.ZodType>(schema: T) {
  const wrapped = z.preprocess(
    (value) => (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value),
    schema,
  );
  numericSchemas.set(wrapped, schema);
  return wrapped;
}

const nonEmpty = z.string().min(1, { message: 'expected a non-empty string' });
const argv = z.array(nonEmpty).min(1, { message: 'expected a command as a list: [program, arg, ...]' });

// ---------------------------------------------------------------------------------------------- targets

const selectorShape = {
  name: nonEmpty.optional().meta({ description: 'Exact container name' }),
  id: nonEmpty.optional().meta({ description: 'Container id or unique id prefix' }),
  service: nonEmpty.optional().meta({ description: 'Compose service (label com.docker.compose.service)' }),
  project: nonEmpty
    .optional()
    .meta({ description: 'Compose project (label com.docker.compose.project); defaults to scope.compose' }),
  projects: z.enum(['any']).optional().meta({
    description:
      'any: let this selector match containers of several compose projects (or compose and standalone ones together); refused otherwise',
  }),
  labels: z.record(z.string(), z.string()).optional().meta({ description: 'Labels every target must carry' }),
  pattern: nonEmpty.optional().meta({ description: 'Regular expression matched against container names' }),
  count: numeric(z.number().int().positive())
    .optional()
    .meta({ description: 'Pick this many matches at random' }),
  percent: numeric(z.number().gt(0).lte(100))
    .optional()
    .meta({ description: 'Pick this share of matches at random (at least one)' }),
};

/** project and projects: any contradict each other. */
function checkProjects(value: { project?: unknown; projects?: unknown }, ctx: z.RefinementCtx): void {
  if (value.project !== undefined && value.projects !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'use either project (one compose project) or projects: any, not both',
      path: ['projects'],
    });
  }
}

function hasSelector(value: {
  name?: unknown;
  id?: unknown;
  service?: unknown;
  labels?: unknown;
  pattern?: unknown;
}) {
  return Boolean(value.name || value.id || value.service || value.labels || value.pattern);
}

export const targetSelector = z.strictObject(selectorShape).superRefine((value, ctx) => {
  if (!hasSelector(value)) {
    ctx.addIssue({ code: 'custom', message: 'a target needs one of: name, id, service, labels, pattern' });
  }
  if (value.count !== undefined && value.percent !== undefined) {
    ctx.addIssue({ code: 'custom', message: 'use either count or percent, not both', path: ['percent'] });
  }
  checkProjects(value, ctx);
  if (value.pattern !== undefined) {
    try {
      new RegExp(value.pattern);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `not a valid regular expression: ${(error as Error).message}`,
        path: ['pattern'],
      });
    }
  }
});
export type TargetSelector = z.output<typeof targetSelector>;

// ----------------------------------------------------------------------------------------------- probes

const textMatch = z
  .strictObject({
    contains: z.string().optional(),
    matches: z.string().optional(),
    equals: z.string().optional(),
  })
  .superRefine((value, ctx) => checkRegex(value.matches, ctx, ['matches']));

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
  .superRefine((value, ctx) => checkRegex(value.matches, ctx, ['matches']));

function checkRegex(source: string | undefined, ctx: z.RefinementCtx, path: string[]): void {
  if (source === undefined) return;
  try {
    new RegExp(source);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `not a valid regular expression: ${(error as Error).message}`,
      path,
    });
  }
}

const statusExpectation = z
  .union([
    numeric(z.number().int().min(100).max(599)),
    z.array(numeric(z.number().int().min(100).max(599))).min(1),
    z.string().regex(/^[1-5]xx$/, { message: 'expected a status class such as 2xx' }),
  ])
  .meta({ description: 'A status code, a list of codes, or a class such as 2xx' });

export const expectation = z.strictObject({
  status: statusExpectation.optional().meta({ description: 'http: expected status (default 2xx)' }),
  latency: durationBound.optional().meta({ description: 'http, tcp: bound on the response time' }),
  body: bodyMatch.optional().meta({ description: 'http: expectations on the body' }),
  exit: z
    .union([numeric(z.number().int()), z.array(numeric(z.number().int())).min(1)])
    .optional()
    .meta({ description: 'exec, command: expected exit code (default 0)' }),
  stdout: textMatch.optional().meta({ description: 'exec, command: expectations on standard output' }),
  stderr: textMatch.optional().meta({ description: 'exec, command: expectations on standard error' }),
  state: z
    .enum(['running', 'paused', 'exited', 'restarting', 'created', 'dead'])
    .optional()
    .meta({ description: 'container: expected state (default running)' }),
  health: z
    .enum(['healthy', 'unhealthy', 'starting', 'none'])
    .optional()
    .meta({ description: 'container: expected health status' }),
  restarts: numberBound.optional().meta({ description: 'container: restart count, e.g. 0 or "< 3"' }),
  connects: z
    .boolean()
    .optional()
    .meta({ description: 'tcp: whether the connection must succeed (default true)' }),
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

const httpProbe = z.strictObject({
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
    }),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  headers: z.record(z.string(), z.string()).optional(),
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
});
export type LoadProbeSpec = z.output<typeof loadProbe>;

const tcpProbe = z.strictObject({
  host: nonEmpty,
  port: numeric(z.number().int().min(1).max(65535)),
});

const execProbe = z.strictObject({
  target: targetSelector,
  command: argv,
});

export const PHASES = ['before', 'during', 'after'] as const;
export type Phase = (typeof PHASES)[number];

export const probe = z
  .strictObject({
    name: nonEmpty.meta({ description: 'Shown in reports' }),
    http: httpProbe.optional(),
    tcp: tcpProbe.optional(),
    exec: execProbe.optional().meta({ description: 'Run a command inside a container' }),
    command: argv.optional().meta({ description: 'Run a host process (argument list, no shell)' }),
    container: z
      .strictObject({ target: targetSelector })
      .optional()
      .meta({ description: 'Inspect a container' }),
    load: loadProbe.optional().meta({ description: 'HTTP load at a fixed rate, judged by thresholds' }),
    expect: expectation.optional(),
    when: z
      .array(z.enum(PHASES))
      .min(1)
      .optional()
      .meta({ description: 'When the hypothesis probe is checked (default: before, during, after)' }),
    every: positiveDuration.optional().meta({ description: 'Sampling interval while faults are active' }),
    timeout: positiveDuration.optional().meta({ description: 'Time limit of one attempt (default 5s)' }),
    retries: numeric(z.number().int().min(0).max(100))
      .optional()
      .meta({ description: 'Extra attempts after a miss' }),
    interval: duration.optional().meta({ description: 'Pause between attempts (default 500ms)' }),
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

// ----------------------------------------------------------------------------------------------- faults

const faultCommon = {
  target: targetSelector,
  duration: positiveDuration
    .optional()
    .meta({ description: 'Revert after this long; without it the fault holds until the method ends' }),
  background: z
    .boolean()
    .optional()
    .meta({ description: 'Start the step and go on with the next one without waiting' }),
  'max-targets': numeric(z.number().int().positive())
    .optional()
    .meta({ description: 'Refuse to run if this fault would touch more containers than this' }),
};

const SIGNAL = /^(SIG)?[A-Z0-9]+$/;
export const killFault = z.strictObject({
  ...faultCommon,
  signal: z
    .string()
    .regex(SIGNAL, { message: 'expected a signal name such as SIGKILL or SIGTERM' })
    .default('SIGKILL'),
});
export const stopFault = z.strictObject({
  ...faultCommon,
  grace: duration.optional().meta({ description: 'Time between SIGTERM and SIGKILL (default 10s)' }),
});
export const pauseFault = z.strictObject({ ...faultCommon });
export const restartFault = z.strictObject({
  target: targetSelector,
  grace: duration.optional(),
  background: faultCommon.background,
  'max-targets': faultCommon['max-targets'],
});

// --------------------------------------------------------------------------------------- network faults

const IPV4_CIDR = /^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/;
const IPV6_CIDR = /^[0-9a-fA-F:]+(\/\d{1,3})?$/;

export function isCidr(text: string): boolean {
  if (IPV4_CIDR.test(text)) {
    const [address, bits] = text.split('/');
    return (
      address!.split('.').every((part) => Number(part) <= 255) && (bits === undefined || Number(bits) <= 32)
    );
  }
  return text.includes(':') && IPV6_CIDR.test(text) && Number(text.split('/')[1] ?? 128) <= 128;
}

/** A peer: other containers (any target selector) or an address block. */
export const peerSelector = z
  .strictObject({
    ...selectorShape,
    cidr: z
      .string()
      .refine(isCidr, { message: 'expected an address or CIDR such as 10.0.0.5 or 10.0.0.0/24' })
      .optional()
      .meta({ description: 'An IPv4 or IPv6 address or CIDR block' }),
  })
  .superRefine((value, ctx) => {
    checkProjects(value, ctx);
    const selects = hasSelector(value);
    if (value.cidr !== undefined && selects) {
      ctx.addIssue({ code: 'custom', message: 'a peer is either a cidr or a container selector, not both' });
    } else if (value.cidr === undefined && !selects) {
      ctx.addIssue({
        code: 'custom',
        message: 'a peer needs cidr, or one of: name, id, service, labels, pattern',
      });
    }
  });
export type PeerSelector = z.output<typeof peerSelector>;

const percentage = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const number = typeof value === 'number' ? value : Number(value.trim().replace(/%$/, ''));
    if (
      !Number.isFinite(number) ||
      number < 0 ||
      number > 100 ||
      (typeof value === 'string' && !/^\s*\d+(\.\d+)?\s*%?\s*$/.test(value))
    ) {
      ctx.addIssue({ code: 'custom', message: 'expected a percentage from 0 to 100, such as 10% or 0.5%' });
      return z.NEVER;
    }
    return number;
  })
  .meta({ description: 'A percentage: 10%, 0.5%' });

const RATE = /^\d+(\.\d+)?(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$/i;
const rate = z
  .string()
  .regex(RATE, { message: 'expected a rate such as 1mbit, 512kbit or 10mbps (bytes per second)' })
  .transform((text) => text.toLowerCase())
  .meta({ description: 'A rate in tc units: 1mbit, 512kbit (bits/s), 10mbps (bytes/s)' });

const portList = z
  .union([
    numeric(z.number().int().min(1).max(65535)),
    z.array(numeric(z.number().int().min(1).max(65535))).min(1),
  ])
  .transform((value) => (Array.isArray(value) ? value : [value]));

const peers = z
  .union([peerSelector, z.array(peerSelector).min(1)])
  .transform((value) => (Array.isArray(value) ? value : [value]));

/** Which traffic a network fault applies to. Without any of these, to all of the target's traffic. */
const networkScope = {
  to: peers.optional().meta({ description: 'Only traffic to and from these peers (containers or CIDRs)' }),
  ports: portList.optional().meta({ description: 'Only these destination ports' }),
  protocol: z
    .enum(['tcp', 'udp', 'icmp', 'all'])
    .optional()
    .meta({ description: 'Only this protocol (default all)' }),
};

const networkCommon = {
  ...faultCommon,
  ...networkScope,
  interface: nonEmpty
    .optional()
    .meta({ description: 'The interface to shape (default: found from the peers, or all)' }),
};

/** tc shapes outgoing traffic; ingress shapes incoming traffic through an ifb device. */
const tcCommon = {
  ...networkCommon,
  direction: z
    .enum(['egress', 'ingress', 'both'])
    .optional()
    .meta({ description: 'Shape outgoing (default), incoming, or both directions of traffic' }),
};

const correlation = percentage
  .optional()
  .meta({ description: 'How much each packet depends on the previous one' });

export const delayFault = z.strictObject({
  ...tcCommon,
  latency: positiveDuration,
  jitter: duration.optional(),
  correlation,
  distribution: z.enum(['uniform', 'normal', 'pareto', 'paretonormal']).optional(),
});
export const lossFault = z.strictObject({ ...tcCommon, percent: percentage, correlation });
export const duplicateFault = z.strictObject({ ...tcCommon, percent: percentage, correlation });
export const corruptFault = z.strictObject({ ...tcCommon, percent: percentage, correlation });
export const reorderFault = z.strictObject({
  ...tcCommon,
  percent: percentage.meta({ description: 'Share of packets sent at once, ahead of the delayed rest' }),
  correlation,
  latency: positiveDuration.optional().meta({ description: 'Delay of the other packets (default 10ms)' }),
});
export const bandwidthFault = z.strictObject({
  ...tcCommon,
  rate,
  burst: z
    .string()
    .regex(/^\d+(\.\d+)?(b|kb|mb|kbit|mbit)?$/i)
    .optional(),
});

const direction = z
  .enum(['egress', 'ingress', 'both'])
  .optional()
  .meta({ description: 'Outgoing, incoming or both (default both)' });

export const blackholeFault = z.strictObject({ ...networkCommon, direction });
export const resetFault = z.strictObject({ ...networkCommon, direction });
export const dnsFault = z.strictObject({ ...faultCommon });
export const partitionFault = z.strictObject({
  groups: z
    .array(z.array(targetSelector).min(1))
    .min(2, { message: 'expected at least two groups, e.g. [[{service: api}], [{service: db}]]' }),
  direction: z
    .enum(['both', 'one-way'])
    .optional()
    .meta({ description: 'both (default), or one-way: the first group cannot send to the others' }),
  duration: faultCommon.duration,
  background: faultCommon.background,
  'max-targets': faultCommon['max-targets'],
});

export const TC_FAULT_KINDS = ['delay', 'loss', 'duplicate', 'corrupt', 'reorder', 'bandwidth'] as const;
export const IPTABLES_FAULT_KINDS = ['blackhole', 'reset', 'dns', 'partition'] as const;
export const NETWORK_FAULT_KINDS = [...TC_FAULT_KINDS, ...IPTABLES_FAULT_KINDS] as const;
export type TcFaultKind = (typeof TC_FAULT_KINDS)[number];
export type NetworkFaultKind = (typeof NETWORK_FAULT_KINDS)[number];

export type DelaySpec = z.output<typeof delayFault>;
export type LossSpec = z.output<typeof lossFault>;
export type ReorderSpec = z.output<typeof reorderFault>;
export type BandwidthSpec = z.output<typeof bandwidthFault>;
export type BlackholeSpec = z.output<typeof blackholeFault>;
export type PartitionSpec = z.output<typeof partitionFault>;
export type NetworkFaultStep =
  | { delay: DelaySpec }
  | { loss: LossSpec }
  | { duplicate: LossSpec }
  | { corrupt: LossSpec }
  | { reorder: ReorderSpec }
  | { bandwidth: BandwidthSpec }
  | { blackhole: BlackholeSpec }
  | { reset: BlackholeSpec }
  | { dns: z.output<typeof dnsFault> }
  | { partition: PartitionSpec };

export const CONTAINER_FAULT_KINDS = ['kill', 'stop', 'pause', 'restart'] as const;
export type ContainerFaultKind = (typeof CONTAINER_FAULT_KINDS)[number];

// ------------------------------------------------------------------------------------------------ steps

const action = z
  .strictObject({
    name: nonEmpty.optional(),
    command: argv.optional().meta({ description: 'A host process as an argument list' }),
    exec: execProbe.optional().meta({ description: 'A command inside a container' }),
    http: httpProbe.optional(),
    timeout: positiveDuration.optional(),
    background: z.boolean().optional(),
  })
  .superRefine((value, ctx) => {
    const kinds = (['command', 'exec', 'http'] as const).filter((kind) => value[kind] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'an action needs exactly one of: command, exec, http' });
    }
  });
export type ActionSpec = z.output<typeof action>;

const STEP_KINDS = [
  'kill',
  'stop',
  'pause',
  'restart',
  ...NETWORK_FAULT_KINDS,
  'wait',
  'probe',
  'action',
  'parallel',
] as const;

type StepInput = Record<string, unknown>;
export type Step =
  | { kill: z.output<typeof killFault> }
  | { stop: z.output<typeof stopFault> }
  | { pause: z.output<typeof pauseFault> }
  | { restart: z.output<typeof restartFault> }
  | NetworkFaultStep
  | { wait: number }
  | { probe: ProbeSpec }
  | { action: ActionSpec }
  | { parallel: Step[] };

const stepShapes = {
  kill: killFault,
  stop: stopFault,
  pause: pauseFault,
  restart: restartFault,
  delay: delayFault,
  loss: lossFault,
  duplicate: duplicateFault,
  corrupt: corruptFault,
  reorder: reorderFault,
  bandwidth: bandwidthFault,
  blackhole: blackholeFault,
  reset: resetFault,
  dns: dnsFault,
  partition: partitionFault,
  wait: positiveDuration,
  probe,
  action,
  parallel: z.array(z.lazy(() => step)).min(1),
};

/**
 * A step is an object with exactly one key naming its kind. It is dispatched on that key rather than
 * parsed as a union, so an error inside a step points at the exact key that is wrong.
 */
export const step: z.ZodType<Step, StepInput> = z
  .unknown()
  .superRefine((value, ctx) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a step, found ${describeStep(value)}; a step is an object with one key of ${STEP_KINDS.join(', ')}`,
        input: value,
      });
    }
  })
  .transform((value, ctx): Step => {
    const input = value as StepInput;
    const keys = Object.keys(input);
    const kind = keys[0] as (typeof STEP_KINDS)[number];
    if (keys.length !== 1 || !STEP_KINDS.includes(kind)) {
      const unknown = keys.filter((key) => !STEP_KINDS.includes(key as (typeof STEP_KINDS)[number]));
      ctx.addIssue({
        code: 'custom',
        message:
          keys.length === 0
            ? `expected a step with one key of: ${STEP_KINDS.join(', ')}`
            : unknown.length > 0
              ? `unknown step "${unknown[0]}"; expected one of: ${STEP_KINDS.join(', ')}`
              : `a step has exactly one kind, found ${keys.join(' and ')} (use parallel to run steps together)`,
        path: unknown.length > 0 ? [unknown[0]!] : [],
        input,
        // Points the error at the key itself, where the typo is.
        params: { atKey: unknown.length > 0 },
      });
      return z.NEVER;
    }
    const result = (stepShapes[kind] as z.ZodType).safeParse(input[kind], { reportInput: true });
    if (!result.success) {
      for (const issue of result.error.issues) {
        ctx.addIssue({ ...(issue as z.core.$ZodIssueCustom), path: [kind, ...issue.path], input });
      }
      return z.NEVER;
    }
    return { [kind]: result.data } as Step;
  }) as unknown as z.ZodType<Step, StepInput>;

/** What was found where a step was expected, e.g. `a string "pause"`. */
function describeStep(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') {
    const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
    return `a string ${shown}${STEP_KINDS.includes(value as (typeof STEP_KINDS)[number]) ? ` (write the kind as a key: "- ${value}: ...")` : ''}`;
  }
  if (typeof value === 'number') return `a number (${value})`;
  if (typeof value === 'boolean') return String(value);
  return typeof value;
}

/** What editors see for a step: the same shapes as a union (used only for the JSON Schema). */
export const stepForJsonSchema: z.ZodType = z
  .lazy(() =>
    z.union([
      ...Object.entries(stepShapes).map(([kind, shape]) =>
        kind === 'parallel'
          ? z.strictObject({ parallel: z.array(stepForJsonSchema).min(1) })
          : z.strictObject({ [kind]: shape as z.ZodType }),
      ),
    ] as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]),
  )
  .meta({
    id: 'step',
    description: 'One step of the method: a fault, a wait, a probe, an action or a parallel group',
  });

// ------------------------------------------------------------------------------------------- experiment

const experimentObject = z.strictObject({
  $schema: z.string().optional(),
  title: nonEmpty,
  description: z.string().optional(),
  tags: z.array(nonEmpty).optional(),
  vars: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/), z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .meta({ description: 'Values for ${name}; ${env:NAME} reads the environment' }),
  scope: z
    .strictObject({
      compose: nonEmpty.optional().meta({
        description:
          'The compose project every target of the experiment must belong to (it bounds every selector)',
      }),
    })
    .optional(),
  hypothesis: z.array(probe).min(1, { message: 'expected at least one probe: what must stay true?' }),
  method: z.array(step).min(1, { message: 'expected at least one step: what do we break?' }),
  rollbacks: z.array(action).optional(),
  recovery: duration.optional().meta({
    description: 'After the faults are reverted, the hypothesis must hold again within this (default 30s)',
  }),
  timeout: positiveDuration.optional().meta({ description: 'Deadline for the whole run (default 15m)' }),
  guards: z.array(probe).optional().meta({
    description:
      'Checked all the time a fault is active; one failing reverts everything at once and aborts the run',
  }),
  safety: z
    .strictObject({
      'max-targets': numeric(z.number().int().positive())
        .optional()
        .meta({ description: 'Refuse to run if the faults would touch more containers than this in all' }),
      'require-label': z
        .record(z.string(), z.string())
        .optional()
        .meta({ description: 'Only containers carrying these labels may be faulted (opt-in mode)' }),
      'allow-host-network': z.boolean().optional().meta({
        description:
          "Allow network faults on a container that shares the host's network (they would hit the host)",
      }),
      'max-hold': positiveDuration.optional().meta({ description: 'No fault is held longer than this' }),
    })
    .optional(),
});
export const experiment = experimentObject.superRefine(checkScope);
export type Experiment = z.output<typeof experiment>;

type SelectorFields = { project?: string | undefined; projects?: 'any' | undefined };

/** Every container selector of an experiment, with its path in the document. */
function selectorsOf(value: {
  hypothesis: ProbeSpec[];
  guards?: ProbeSpec[] | undefined;
  method: Step[];
  rollbacks?: ActionSpec[] | undefined;
}): [SelectorFields, (string | number)[]][] {
  // The refinement also sees documents whose other parts are invalid: nothing here may assume a shape.
  const found: [SelectorFields, (string | number)[]][] = [];
  const selector = (candidate: unknown, at: (string | number)[]) => {
    if (isRecord(candidate)) found.push([candidate as SelectorFields, at]);
  };
  const probeTarget = (probe: unknown, at: (string | number)[]) => {
    if (!isRecord(probe)) return;
    if (isRecord(probe.exec)) selector(probe.exec.target, [...at, 'exec', 'target']);
    if (isRecord(probe.container)) selector(probe.container.target, [...at, 'container', 'target']);
  };
  const actionTarget = (action: unknown, at: (string | number)[]) => {
    if (isRecord(action) && isRecord(action.exec)) selector(action.exec.target, [...at, 'exec', 'target']);
  };
  const step = (item: unknown, at: (string | number)[]) => {
    if (!isRecord(item)) return;
    const [kind, spec] = Object.entries(item)[0] ?? [];
    if (kind === undefined) return;
    const here = [...at, kind];
    if (kind === 'parallel') {
      for (const [index, child] of list(spec).entries()) step(child, [...here, index]);
    } else if (kind === 'probe') probeTarget(spec, here);
    else if (kind === 'action') actionTarget(spec, here);
    else if (kind === 'partition') {
      if (!isRecord(spec)) return;
      for (const [g, group] of list(spec.groups).entries()) {
        for (const [m, member] of list(group).entries()) selector(member, [...here, 'groups', g, m]);
      }
    } else if (kind !== 'wait' && isRecord(spec)) {
      selector(spec.target, [...here, 'target']);
      for (const [index, peer] of list(spec.to).entries()) selector(peer, [...here, 'to', index]);
    }
  };
  for (const [index, probe] of list(value.hypothesis).entries()) probeTarget(probe, ['hypothesis', index]);
  for (const [index, probe] of list(value.guards).entries()) probeTarget(probe, ['guards', index]);
  for (const [index, item] of list(value.method).entries()) step(item, ['method', index]);
  for (const [index, action] of list(value.rollbacks).entries()) actionTarget(action, ['rollbacks', index]);
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** scope.compose bounds every selector: none may name another project or opt out of it. */
function checkScope(
  value: Parameters<typeof selectorsOf>[0] & { scope?: { compose?: string | undefined } | undefined },
  ctx: z.RefinementCtx,
): void {
  const scope = value.scope?.compose;
  if (scope === undefined) return;
  for (const [selector, at] of selectorsOf(value)) {
    if (selector.project !== undefined && selector.project !== scope) {
      ctx.addIssue({
        code: 'custom',
        message: `project "${selector.project}" is outside scope.compose "${scope}", which bounds every target; drop project, or change the scope`,
        path: [...at, 'project'],
      });
    }
    if (selector.projects !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `projects: any cannot reach outside scope.compose "${scope}"; drop one of the two`,
        path: [...at, 'projects'],
      });
    }
  }
}

/** A hypothesis probe with every default applied. */
export const PROBE_DEFAULTS = { every: 1000, timeout: 5000, retries: 0, interval: 500 } as const;
export const RUN_DEFAULTS = { recovery: 30_000, timeout: 15 * 60_000 } as const;
