import type { z } from 'zod';

/**
 * The schema side of a fault kind: what reading an experiment file needs (the kind's name, its
 * family's type, its shape and where its container selectors are), and nothing of how the fault is
 * injected or reverted. `faultline validate`, `schema` and `explain` load only this side; the runtime
 * side (registry.ts: drivers and families) is loaded by the commands that plan or act.
 */
export interface StepKind<Kind extends string = string, Schema extends z.ZodType = z.ZodType> {
  kind: Kind;
  /** The `type` of the family whose driver plans and injects it. */
  family: string;
  /** The step's shape, built on first use: the file format and the JSON Schema come from it. */
  schema: () => Schema;
  /** Every container selector in a step's raw (unparsed) spec, with its path, for scope checks. */
  selectors(spec: Record<string, unknown>): [unknown, (string | number)[]][];
}

/** The selectors of a step that has `target` and optional `to` peers (most kinds). */
export function targetAndPeers(spec: Record<string, unknown>): [unknown, (string | number)[]][] {
  const found: [unknown, (string | number)[]][] = [['target' in spec ? spec.target : undefined, ['target']]];
  const to = spec.to;
  if (Array.isArray(to)) {
    for (const [index, peer] of to.entries()) found.push([peer, ['to', index]]);
  } else if (to !== undefined) found.push([to, ['to']]);
  return found;
}

/** A step kind of `family`, its selectors `target` and `to` unless said otherwise. */
export function stepKind<const Kind extends string, Schema extends z.ZodType>(
  kind: Kind,
  family: string,
  schema: () => Schema,
  selectors: StepKind['selectors'] = targetAndPeers,
): StepKind<Kind, Schema> {
  return { kind, family, schema, selectors };
}
