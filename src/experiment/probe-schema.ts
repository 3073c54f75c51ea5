import * as z from 'zod';
import { commandKind } from '../probes/command/schema.js';
import { containerKind } from '../probes/container/schema.js';
import { execKind } from '../probes/exec/schema.js';
import { EXPECT_KEYS, type ExpectKey } from '../probes/expect-shapes.js';
import { httpKind } from '../probes/http/schema.js';
import type { ParsedProbe, ProbeKind as ProbeKindEntry } from '../probes/kind.js';
import { PROBE_KINDS, type ProbeKindName, probeKindOf } from '../probes/kinds.js';
import { loadKind } from '../probes/load/schema.js';
import { prometheusKind } from '../probes/prometheus/schema.js';
import { tcpKind } from '../probes/tcp/schema.js';
import { workloadKind } from '../probes/workload/schema.js';
import { builtOnce } from '../util/built-once.js';
import { duration, nonEmpty, numeric, positiveDuration } from './shapes.js';
import { optionalKey } from './when-present.js';

/**
 * What the hypothesis, guards and probe steps check: a probe is its name, exactly one kind (from the
 * probe registry, probes/kinds.ts) and what it expects. Reading a file builds the shapes of the kinds
 * and keys it uses (`lazy`); `faultline schema` and `explain` build them all.
 */

export { PROBE_KINDS };
export type ProbeKind = ProbeKindName;
export type { LoadProbeSpec } from '../probes/load/schema.js';

export const PHASES = ['before', 'during', 'after'] as const;
export type Phase = (typeof PHASES)[number];

type Shape<K extends ExpectKey> = ReturnType<(typeof EXPECT_KEYS)[K]['shape']>;

function expectationShape(lazy: boolean) {
  const key = <K extends ExpectKey>(name: K): z.ZodOptional<Shape<K>> =>
    optionalKey(
      lazy,
      EXPECT_KEYS[name].shape as () => z.ZodType,
      EXPECT_KEYS[name].meta as z.core.GlobalMeta,
    ) as z.ZodOptional<Shape<K>>;
  return z.strictObject({
    status: key('status'),
    latency: key('latency'),
    body: key('body'),
    exit: key('exit'),
    stdout: key('stdout'),
    stderr: key('stderr'),
    state: key('state'),
    health: key('health'),
    restarts: key('restarts'),
    connects: key('connects'),
    thresholds: key('thresholds'),
    value: key('value'),
  });
}
export type Expectation = z.output<ReturnType<typeof expectationShape>>;
/** What a probe may expect, every key's shape built. */
export const expectation = builtOnce(() => expectationShape(false));

function probeShape<Extra extends z.core.$ZodLooseShape>(lazy: boolean, extra: Extra) {
  const kind = <S extends z.ZodType>(entry: ProbeKindEntry<string, S>) =>
    optionalKey(lazy, entry.schema, { description: entry.description });
  const key = <S extends z.ZodType>(build: () => S, meta: z.core.GlobalMeta) =>
    optionalKey(lazy, build, meta);
  return z
    .strictObject({
      name: nonEmpty.meta({ description: 'Shown in reports' }),
      http: kind(httpKind),
      tcp: kind(tcpKind),
      exec: kind(execKind),
      command: kind(commandKind),
      container: kind(containerKind),
      load: kind(loadKind),
      prometheus: kind(prometheusKind),
      workload: kind(workloadKind),
      expect: key(() => expectationShape(lazy), {
        description: 'What counts as a pass; which keys apply depends on the probe kind',
      }),
      when: key(() => z.array(z.enum(PHASES)).min(1), {
        description: 'When the hypothesis probe is checked (default: before, during, after)',
        default: [...PHASES],
      }),
      every: key(() => positiveDuration, {
        description: 'Sampling interval while faults are active (default 1s)',
        default: '1s',
      }),
      timeout: key(() => positiveDuration, {
        description: 'Time limit of one attempt (default 5s)',
        default: '5s',
      }),
      retries: key(() => numeric(z.number().int().min(0).max(100)), {
        description: 'Extra attempts after a miss (default 0)',
        default: 0,
      }),
      interval: key(() => duration, {
        description: 'Pause between attempts (default 500ms)',
        default: '500ms',
      }),
      ...extra,
    })
    .superRefine((value, ctx) => checkProbe(value as ParsedProbe, ctx));
}

/** Exactly one kind; then the kind's own checks, and only the expect keys it takes. */
function checkProbe(value: ParsedProbe, ctx: z.RefinementCtx): void {
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
  const entry = probeKindOf(kind)!;
  const whole = kind === 'load' || kind === 'workload';
  if (whole && value.within !== undefined)
    ctx.addIssue({
      code: 'custom',
      message: `a detection is sampled until it passes: use a kind such as prometheus, http or command, not ${kind}`,
      path: [kind],
    });
  if (kind === 'workload' && value.when !== undefined)
    ctx.addIssue({
      code: 'custom',
      message: 'a workload is judged once, after recovery, over everything it wrote: remove when',
      path: ['when'],
    });
  entry.check?.(value, (message, path) => ctx.addIssue({ code: 'custom', message, path }));
  const allowed: readonly string[] = entry.expects;
  for (const key of Object.keys(value.expect ?? {})) {
    if (value.expect![key] === undefined) continue;
    if (!allowed.includes(key)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${key}" does not apply to ${article(kind)} ${kind} probe; it can expect: ${allowed.join(', ')}`,
        path: ['expect', key],
      });
    }
  }
}

/** "an http probe", "a tcp probe". */
function article(kind: string): string {
  return kind === 'http' || /^[aeiou]/.test(kind) ? 'an' : 'a';
}

/** The probe as files are read: each kind's and key's shape built when a file first uses it. */
export const probe = builtOnce(() => probeShape(true, {}));
/** The probe with every shape built, described for editors and `explain`. */
export const probeForDocs = builtOnce(() => probeShape(false, {}));

/** A detection check: a probe that must pass within `within` of the first fault starting. */
const detectShape = (lazy: boolean) =>
  probeShape(lazy, {
    within: positiveDuration.meta({
      description:
        'The probe must pass within this long of the first fault starting: how fast monitoring must notice',
      examples: ['30s'],
    }),
  });
export const detectProbe = builtOnce(() => detectShape(true));
export const detectProbeForDocs = builtOnce(() => detectShape(false));
export type DetectSpec = z.output<ReturnType<typeof detectProbe>>;
export type ProbeSpec = z.output<ReturnType<typeof probe>>;
