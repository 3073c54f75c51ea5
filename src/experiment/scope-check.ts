import type { z } from 'zod';
import { stepKindOf } from '../faults/kinds.js';
import type { ProbeKind } from '../probes/kind.js';
import { PROBE_KIND_ENTRIES } from '../probes/kinds.js';
import type { ProbeSpec } from './probe-schema.js';
import type { ActionSpec } from './schema.js';

type SelectorFields = { project?: string | undefined; projects?: 'any' | undefined };

/** Every container selector of an experiment, with its path in the document. */
function selectorsOf(value: {
  hypothesis: ProbeSpec[];
  guards?: ProbeSpec[] | undefined;
  detect?: ProbeSpec[] | undefined;
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
    for (const entry of PROBE_KIND_ENTRIES as readonly ProbeKind[]) {
      if (!entry.selectors || probe[entry.kind] === undefined) continue;
      for (const [found, path] of entry.selectors(probe[entry.kind]))
        selector(found, [...at, entry.kind, ...path]);
    }
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
    else if (kind !== 'wait' && isRecord(spec)) {
      for (const [found, path] of stepKindOf(kind)?.selectors(spec) ?? [])
        selector(found, [...here, ...path]);
    }
  };
  for (const [index, probe] of list(value.hypothesis).entries()) probeTarget(probe, ['hypothesis', index]);
  for (const [index, probe] of list(value.guards).entries()) probeTarget(probe, ['guards', index]);
  for (const [index, probe] of list(value.detect).entries()) probeTarget(probe, ['detect', index]);
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
export function checkScope(
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
