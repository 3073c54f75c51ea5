import type { z } from 'zod';
import type { ExpectKey } from './expect-shapes.js';

/** A probe as parsed, with every kind's spec optional (exactly one is there): what a kind's check reads. */
export type ParsedProbe = Record<string, unknown> & { expect?: Record<string, unknown> };

/**
 * The schema side of a probe kind: what reading an experiment file needs (the kind's key, its shape,
 * the expect keys it takes, its own checks and where its container selectors are), and nothing of how
 * it observes. `faultline validate`, `schema` and `explain` load only this side; the runtime side
 * (probes/registry.ts) is loaded by the commands that run probes. Each kind lives in its own folder
 * (`probes/<kind>/schema.ts`) and is listed once in probes/kinds.ts.
 */
export interface ProbeKind<Kind extends string = string, Schema extends z.ZodType = z.ZodType> {
  kind: Kind;
  /** What the file format says of the key. */
  description: string;
  /** The kind's shape, built on first use. */
  schema: () => Schema;
  /** The expect keys it takes; any other is refused with a message naming these. */
  expects: readonly ExpectKey[];
  /** Checks that need the whole parsed probe (say, its expect against its spec). */
  check?(probe: ParsedProbe, issue: (message: string, path: (string | number)[]) => void): void;
  /** Every container selector in a probe's raw (unparsed) spec of this kind, with its path. */
  selectors?(spec: unknown): [unknown, (string | number)[]][];
}

/** A probe kind (see ProbeKind). */
export function defineProbeKind<const Kind extends string, Schema extends z.ZodType>(
  entry: ProbeKind<Kind, Schema>,
): ProbeKind<Kind, Schema> {
  return entry;
}

/** The selector at `target` of a kind's spec, if the spec is an object. */
export function targetOf(spec: unknown): [unknown, (string | number)[]][] {
  return spec !== null && typeof spec === 'object' && 'target' in spec
    ? [[(spec as { target: unknown }).target, ['target']]]
    : [];
}
