import { z } from 'zod';
import { type AnyDriver, DRIVERS, driverFor, FAULT_KINDS, type FaultKind } from '../faults/registry.js';
import { didYouMean } from '../util/did-you-mean.js';
import { teachingErrorMap } from './issue-message.js';
import { execProbe, httpProbe, type ProbeSpec, probe } from './probe-schema.js';
import { checkSetup } from './setup-check.js';
import { argv, duration, nonEmpty, numeric, positiveDuration } from './shapes.js';

/**
 * The experiment file, as zod schemas: the steps (each fault kind's shape comes from its driver in
 * faults/registry.ts) and the experiment around them. Every object is strict: an unknown key is an
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

const action = z
  .strictObject({
    name: nonEmpty.optional(),
    command: argv.optional().meta({ description: 'A host process as an argument list' }),
    exec: execProbe.optional().meta({ description: 'A command inside a container' }),
    http: httpProbe.optional(),
    timeout: positiveDuration.optional(),
    background: z.boolean().optional(),
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
  });
export type ActionSpec = z.output<typeof action>;

const STEP_KINDS: readonly string[] = [...FAULT_KINDS, 'wait', 'probe', 'action', 'parallel'];

type StepInput = Record<string, unknown>;
/** A fault step: its kind and its spec, typed by the kind's driver. */
export type FaultStep = {
  [Driver in AnyDriver as Driver['kind']]: { kind: Driver['kind']; spec: z.output<Driver['schema']> };
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

const stepShapes: Record<string, z.ZodType> = {
  ...Object.fromEntries(DRIVERS.map((driver) => [driver.kind, driver.schema as z.ZodType])),
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

/** What editors see for a step: the same shapes as a union (used only for the JSON Schema). */
export const stepForJsonSchema: z.ZodType = z
  .lazy(() =>
    z.union([
      ...Object.entries(stepShapes).map(([kind, shape]) =>
        kind === 'parallel'
          ? z.strictObject({ parallel: z.array(stepForJsonSchema).min(1) })
          : z.strictObject({ [kind]: shape }),
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
  setup: z.array(action).optional().meta({
    description:
      'Actions run in order before the baseline check, to bring the system into the state the experiment needs; one failing ends the run as errored with nothing injected',
  }),
  rollbacks: z.array(action).optional(),
  expect: z.enum(['passed', 'deviated']).optional().meta({
    description:
      'The verdict this experiment should reach (default passed); deviated makes it a negative test that exits 0 when the hypothesis breaks and 1 when it holds',
  }),
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
export const experiment = experimentObject.superRefine(checkScope).superRefine(checkSetup);
export type Experiment = z.output<typeof experiment>;

type SelectorFields = { project?: string | undefined; projects?: 'any' | undefined };

/** Every container selector of an experiment, with its path in the document. */
function selectorsOf(value: {
  hypothesis: ProbeSpec[];
  guards?: ProbeSpec[] | undefined;
  method: unknown[];
  rollbacks?: ActionSpec[] | undefined;
  setup?: ActionSpec[] | undefined;
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
    // A step that parsed is normalised to {kind, spec}; one that did not is still as written.
    const normalised = typeof item.kind === 'string' && 'spec' in item && Object.keys(item).length === 2;
    const [kind, spec] = normalised ? [item.kind as string, item.spec] : (Object.entries(item)[0] ?? []);
    if (kind === undefined) return;
    const here = [...at, kind];
    if (kind === 'parallel') {
      for (const [index, child] of list(spec).entries()) step(child, [...here, index]);
    } else if (kind === 'probe') probeTarget(spec, here);
    else if (kind === 'action') actionTarget(spec, here);
    else if (kind !== 'wait' && FAULT_KINDS.includes(kind as FaultKind) && isRecord(spec)) {
      for (const [found, path] of driverFor(kind).selectors(spec)) selector(found, [...here, ...path]);
    }
  };
  for (const [index, probe] of list(value.hypothesis).entries()) probeTarget(probe, ['hypothesis', index]);
  for (const [index, probe] of list(value.guards).entries()) probeTarget(probe, ['guards', index]);
  for (const [index, item] of list(value.method).entries()) step(item, ['method', index]);
  for (const [index, action] of list(value.rollbacks).entries()) actionTarget(action, ['rollbacks', index]);
  for (const [index, action] of list(value.setup).entries()) actionTarget(action, ['setup', index]);
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
/** An action with every default applied: a failing action is not run again unless `retries` says so. */
export const ACTION_DEFAULTS = { timeout: 60_000, retries: 0, retryDelay: 1000 } as const;
