import * as z from 'zod';
import { builtOnce } from '../util/built-once.js';
import { parseDurationBound, parseNumberBound } from '../util/comparison.js';
import { DURATION_PATTERN, durationTooLong, parseDuration } from '../util/duration.js';

/**
 * The pieces the experiment file's schemas are built from: durations, numbers that may come from
 * variables, container and peer selectors, and what every fault step has. Every object is strict: an
 * unknown key is an error, because a typo must never silently weaken a hypothesis. Durations are
 * written the way people say them ("500ms", "2s", "1m30s") and become milliseconds here.
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

export const positiveDuration = duration.refine((ms) => ms > 0, {
  message: 'expected a duration above zero',
});

export const durationBound = z
  .string()
  .refine((text) => parseDurationBound(text) !== undefined, {
    message: 'expected a bound such as "< 500ms" or "<= 2s"',
  })
  .transform((text) => parseDurationBound(text)!)
  .meta({ description: 'A duration bound: "< 500ms", "<= 2s"' });

export const numberBound = z
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
export function numeric<T extends z.ZodType>(schema: T) {
  const wrapped = z.preprocess(
    (value) => (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value),
    schema,
  );
  numericSchemas.set(wrapped, schema);
  return wrapped;
}

export const nonEmpty = z.string().min(1, { message: 'expected a non-empty string' });
export const argv = z
  .array(nonEmpty)
  .min(1, { message: 'expected a command as a list: [program, arg, ...]' });

// ---------------------------------------------------------------------------------------------- targets

/** One name, or a list of names whose matches are taken together (each must match a container). */
const oneOrMore = (what: string) =>
  z.union([nonEmpty, z.array(nonEmpty).min(1, { message: `expected at least one ${what}` })]).optional();

export const selectorShape = {
  name: oneOrMore('name').meta({ description: 'Exact container name, or a list of them (any of them)' }),
  id: nonEmpty.optional().meta({ description: 'Container id or unique id prefix' }),
  service: oneOrMore('service').meta({
    description: 'Compose service (label com.docker.compose.service), or a list of them (any of them)',
  }),
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
export function checkProjects(value: { project?: unknown; projects?: unknown }, ctx: z.RefinementCtx): void {
  if (value.project !== undefined && value.projects !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'use either project (one compose project) or projects: any, not both',
      path: ['projects'],
    });
  }
}

export function hasSelector(value: {
  name?: unknown;
  id?: unknown;
  service?: unknown;
  labels?: unknown;
  pattern?: unknown;
}) {
  return Boolean(value.name || value.id || value.service || value.labels || value.pattern);
}

/** An issue at `path` when `pattern` is given and is not a regular expression JavaScript can compile. */
export function checkRegExp(
  pattern: string | undefined,
  ctx: z.RefinementCtx,
  path: (string | number)[],
): void {
  if (pattern === undefined) return;
  try {
    new RegExp(pattern);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `not a valid regular expression: ${(error as Error).message}`,
      path,
    });
  }
}

export const targetSelector = z.strictObject(selectorShape).superRefine((value, ctx) => {
  if (!hasSelector(value)) {
    ctx.addIssue({ code: 'custom', message: 'a target needs one of: name, id, service, labels, pattern' });
  }
  if (value.count !== undefined && value.percent !== undefined) {
    ctx.addIssue({ code: 'custom', message: 'use either count or percent, not both', path: ['percent'] });
  }
  checkProjects(value, ctx);
  checkRegExp(value.pattern, ctx, ['pattern']);
});
export type TargetSelector = z.output<typeof targetSelector>;

// ------------------------------------------------------------------------------------- every fault step

export const faultCommon = {
  target: targetSelector.meta({
    description:
      'The containers to fault: by name, id, service, labels or pattern, narrowed by count or percent',
    examples: [{ service: 'api' }],
  }),
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

/** A peer: other containers (any target selector) or an address block; built when a network step is read. */
export const peerSelector = builtOnce(() =>
  z
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
        ctx.addIssue({
          code: 'custom',
          message: 'a peer is either a cidr or a container selector, not both',
        });
      } else if (value.cidr === undefined && !selects) {
        ctx.addIssue({
          code: 'custom',
          message: 'a peer needs cidr, or one of: name, id, service, labels, pattern',
        });
      }
    }),
);
export type PeerSelector = z.output<ReturnType<typeof peerSelector>>;
