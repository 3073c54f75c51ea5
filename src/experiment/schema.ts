import * as z from 'zod';
import { type AnyStepKind, FAULT_KINDS, FAULT_STEP_KINDS, type FaultKind } from '../faults/kinds.js';
import { execCommand } from '../probes/exec/schema.js';
import { httpRequest } from '../probes/http/schema.js';
import { builtOnce } from '../util/built-once.js';
import { didYouMean } from '../util/did-you-mean.js';
import { teachingErrorMap } from './issue-message.js';
import { detectProbe, detectProbeForDocs, type ProbeSpec, probe, probeForDocs } from './probe-schema.js';
import { checkScope } from './scope-check.js';
import { checkSetup } from './setup-check.js';
import { argv, duration, nonEmpty, numeric, positiveDuration } from './shapes.js';
import { optionalKey } from './when-present.js';

// A file is parsed once per command: zod's compiled fast path for objects (generated code, built on
// an object schema's first parse) costs more to build than it saves.
z.config({ jitless: true });

/**
 * The experiment file, as zod schemas: the steps (each fault kind's shape comes from its step kind in
 * faults/kinds.ts) and the experiment around them. Every object is strict: an unknown key is an
 * error, because a typo must never silently weaken a hypothesis.
 */

export * from './probe-schema.js';
export {
  duration,
  isCidr,
  numericSchemas,
  type PeerSelector,
  peerSelector,
  type TargetSelector,
  targetSelector,
} from './shapes.js';

// ------------------------------------------------------------------------------------------------ steps

const action = builtOnce(() =>
  z
    .strictObject({
      name: nonEmpty.optional().meta({ description: 'Shown in reports' }),
      command: argv.optional().meta({
        description: 'A host process as an argument list (no shell)',
        examples: [['make', 'warm-up']],
      }),
      exec: execCommand().optional().meta({ description: 'A command inside a container' }),
      http: httpRequest().optional().meta({ description: 'An HTTP request' }),
      timeout: positiveDuration.optional().meta({ description: 'Time limit of the action' }),
      background: z.boolean().optional().meta({
        description: 'Start the action and go on with the next step without waiting',
        default: false,
      }),
      retries: numeric(z.number().int().min(0).max(100))
        .optional()
        .meta({ description: 'Run it again up to this many times while it fails (default 0)' }),
      'retry-delay': duration.optional().meta({ description: 'Pause between attempts (default 1s)' }),
    })
    .superRefine((value, ctx) => {
      const kinds = (['command', 'exec', 'http'] as const).filter((kind) => value[kind] !== undefined);
      if (kinds.length !== 1) {
        ctx.addIssue({ code: 'custom', message: 'an action needs exactly one of: command, exec, http' });
      }
    }),
);
export type ActionSpec = z.output<ReturnType<typeof action>>;

const STEP_KINDS: readonly string[] = [...FAULT_KINDS, 'wait', 'probe', 'action', 'parallel'];

type StepInput = Record<string, unknown>;
/** A fault step: its kind and its spec, typed by the kind's shape. */
export type FaultStep = {
  [Entry in AnyStepKind as Entry['kind']]: {
    kind: Entry['kind'];
    spec: z.output<ReturnType<Entry['schema']>>;
  };
}[FaultKind];

/**
 * A step, normalised when the file is read: `{pause: {...}}` becomes `{kind: 'pause', spec: {...}}`,
 * so code past the loader switches on `kind` and the spec's type follows from it.
 */
export type Step =
  | FaultStep
  | { kind: 'wait'; spec: number }
  | { kind: 'probe'; spec: ProbeSpec }
  | { kind: 'action'; spec: ActionSpec }
  | { kind: 'parallel'; spec: Step[] };

const parallel = builtOnce(() => z.array(z.lazy(() => step)).min(1));

/**
 * The shape of each step kind's value, by kind (the JSON Schema for editors is built from these too).
 * A fault kind's shape is built the first time it is looked up, so reading a file builds only the
 * shapes of the kinds it uses.
 */
export const stepShapes: Record<string, z.ZodType> = Object.defineProperties(
  {},
  Object.fromEntries(
    [
      ...FAULT_STEP_KINDS.map((entry): [string, () => z.ZodType] => [entry.kind, entry.schema]),
      ['wait', () => positiveDuration],
      ['probe', probe],
      ['action', action],
      ['parallel', parallel],
    ].map(([kind, shape]) => [kind, { get: shape, enumerable: true }]),
  ),
);

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
    const kind = keys[0]!;
    if (keys.length !== 1 || !STEP_KINDS.includes(kind)) {
      const unknown = keys.filter((key) => !STEP_KINDS.includes(key));
      ctx.addIssue({
        code: 'custom',
        message:
          keys.length === 0
            ? `expected a step with one key of: ${STEP_KINDS.join(', ')}`
            : unknown.length > 0
              ? unknownStep(unknown[0]!)
              : `a step has exactly one kind, found ${keys.join(' and ')} (use parallel to run steps together)`,
        path: unknown.length > 0 ? [unknown[0]!] : [],
        input,
        // Points the error at the key itself, where the typo is.
        params: { atKey: unknown.length > 0 },
      });
      return z.NEVER;
    }
    const result = stepShapes[kind]!.safeParse(input[kind], { reportInput: true, error: teachingErrorMap });
    if (!result.success) {
      for (const issue of result.error.issues) {
        // The issue keeps the value it is about (nothing for a missing key), not the whole step.
        const own = (issue as { input?: unknown }).input;
        ctx.addIssue({ ...(issue as z.core.$ZodIssueCustom), path: [kind, ...issue.path], input: own });
      }
      return z.NEVER;
    }
    return { kind, spec: result.data } as Step;
  }) as unknown as z.ZodType<Step, StepInput>;

/** `unknown step "pasue"; did you mean "pause"?`, or the kinds there are. */
function unknownStep(kind: string): string {
  const near = didYouMean(kind, STEP_KINDS);
  return `unknown step ${JSON.stringify(kind)}${near || `; expected one of: ${STEP_KINDS.join(', ')}`}`;
}

/** What was found where a step was expected, e.g. `a string "pause"`. */
function describeStep(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') {
    const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
    return `a string ${shown}${STEP_KINDS.includes(value) ? ` (write the kind as a key: "- ${value}: ...")` : ''}`;
  }
  if (typeof value === 'number') return `a number (${value})`;
  if (typeof value === 'boolean') return String(value);
  return typeof value;
}

// ------------------------------------------------------------------------------------------- experiment

/**
 * The experiment: `lazy` builds each optional key's shape when a file has it (reading a file);
 * otherwise every shape is built, with its description (`faultline schema`, `explain`).
 */
function experimentShape(lazy: boolean) {
  const key = <S extends z.ZodType>(build: () => S, meta: z.core.GlobalMeta) =>
    optionalKey(lazy, build, meta);
  const probes = lazy ? probe : probeForDocs;
  return z.strictObject({
    $schema: key(() => z.string(), {
      description: 'The JSON Schema editors check this file against (ignored by faultline)',
    }),
    title: nonEmpty.meta({
      description: 'What the experiment shows, shown in reports',
      examples: ['Checkout survives a frozen backend'],
    }),
    description: key(() => z.string(), { description: 'Why the experiment exists; shown in reports' }),
    tags: key(() => z.array(nonEmpty), {
      description: 'Labels shown in reports',
      examples: [['gateway', 'timeout']],
    }),
    vars: key(
      () =>
        z.record(
          z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/),
          z.union([z.string(), z.number(), z.boolean()]),
        ),
      {
        description: 'Values for ${name}; ${env:NAME} reads the environment',
        examples: [{ gateway: 'http://127.0.0.1:${env:PORT:-8080}' }],
      },
    ),
    scope: key(
      () =>
        z.strictObject({
          compose: nonEmpty.optional().meta({
            description:
              'The compose project every target of the experiment must belong to (it bounds every selector)',
          }),
        }),
      { description: 'What the experiment may touch' },
    ),
    hypothesis: z
      .array(probes())
      .min(1, { message: 'expected at least one probe: what must stay true?' })
      .meta({ description: 'The steady state: probes that must pass before, during and after the faults' }),
    method: z
      .array(step)
      .min(1, { message: 'expected at least one step: what do we break?' })
      .meta({ description: 'The steps run in order: faults, waits, probes, actions, parallel groups' }),
    setup: key(() => z.array(action()), {
      description:
        'Actions run in order before the baseline check, to bring the system into the state the experiment needs; one failing ends the run as errored with nothing injected',
    }),
    rollbacks: key(() => z.array(action()), {
      description:
        'Your own clean-up actions, run after the faults are reverted, even when the run failed or was interrupted',
    }),
    expect: key(() => z.enum(['passed', 'deviated']), {
      description:
        'The verdict this experiment should reach (default passed); deviated makes it a negative test that exits 0 when the hypothesis breaks and 1 when it holds',
    }),
    recovery: key(() => duration, {
      description: 'After the faults are reverted, the hypothesis must hold again within this (default 30s)',
      default: '30s',
    }),
    timeout: key(() => positiveDuration, {
      description: 'Deadline for the whole run (default 15m)',
      default: '15m',
    }),
    guards: key(() => z.array(probes()), {
      description:
        'Checked once before the first fault and all the time a fault is active; one failing reverts everything at once (or injects nothing) and aborts the run',
    }),
    detect: key(() => z.array(lazy ? detectProbe() : detectProbeForDocs()), {
      description:
        'Did monitoring notice? Probes (a prometheus query, say) that must pass within `within` of the first fault starting; the report gives the time each took',
    }),
    safety: key(safety, { description: 'Limits on the blast radius, checked before anything is injected' }),
  });
}

const safety = () =>
  z.strictObject({
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
  });

/** The experiment file as it is read. */
export const experiment = builtOnce(() =>
  experimentShape(true).superRefine(checkScope).superRefine(checkSetup),
);
/** The experiment with every shape built, for editors and `explain` (the same checks apply). */
export const experimentForDocs = builtOnce(() => experimentShape(false));
export type Experiment = z.output<ReturnType<typeof experiment>>;

/** A hypothesis probe with every default applied. */
export const PROBE_DEFAULTS = { every: 1000, timeout: 5000, retries: 0, interval: 500 } as const;
export const RUN_DEFAULTS = { recovery: 30_000, timeout: 15 * 60_000 } as const;
/** An action with every default applied: a failing action is not run again unless `retries` says so. */
export const ACTION_DEFAULTS = { timeout: 60_000, retries: 0, retryDelay: 1000 } as const;
