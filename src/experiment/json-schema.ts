import * as z from 'zod';
import { probeForDocs } from './probe-schema.js';
import { experimentForDocs, numericSchemas, stepShapes } from './schema.js';
import { STEP_DOCS } from './step-descriptions.js';

/**
 * The JSON Schema of experiment files, generated from the same zod schema that validates them, so
 * editors complete and check exactly what `faultline validate` accepts. Two things are shaped for
 * editors rather than copied:
 * - a step is one object whose keys are the step kinds, at most one per step: completion then offers
 *   the step names with their descriptions (a union of one-key objects offers a nameless skeleton per
 *   kind besides), and a typo'd kind is an unknown key;
 * - every checked string and number also takes a `${...}` reference, because the CLI substitutes
 *   variables before it validates (see substitute.ts): `latency: ${env:LATENCY:-200ms}` is valid.
 */

type Json = Record<string, unknown>;

/** A string holding a `${...}` reference that is not escaped as `$${...}`. */
export const VARIABLE_PATTERN = '(^|[^$])\\$\\{[^}]+\\}';
/** No description of its own: an editor shows the field's description over a value that matches it. */
const VARIABLE: Json = { type: 'string', pattern: VARIABLE_PATTERN };

const STEP_DESCRIPTION =
  'One step of the method: a fault, a wait, a probe, an action or a parallel group (one key per step)';

const editorStep: z.ZodType = z
  .lazy(() =>
    z.strictObject(
      Object.fromEntries(
        Object.entries(stepShapes).map(([kind, shape]) => {
          const value =
            kind === 'parallel' ? z.array(editorStep).min(1) : kind === 'probe' ? probeForDocs() : shape;
          const doc = STEP_DOCS[kind];
          return [
            kind,
            value.optional().meta({
              title: kind,
              description: doc?.description ?? kind,
              examples: doc ? [doc.example] : [],
            }),
          ];
        }),
      ),
    ),
  )
  .meta({ id: 'step', description: STEP_DESCRIPTION });

export function experimentJsonSchema(): Json {
  const experiment = experimentForDocs();
  const forEditors = z.strictObject({
    ...experiment.shape,
    method: z
      .array(editorStep)
      .min(1)
      .meta(experiment.shape.method.meta() ?? {}),
  });
  const schema = z.toJSONSchema(forEditors, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-7',
    override: (ctx) => {
      const json = ctx.jsonSchema as Json;
      const zodSchema = ctx.zodSchema as unknown as z.ZodType;
      const inner = numericSchemas.get(zodSchema);
      if (inner) {
        // A number field also takes a ${variable} (substituted as text, then read as a number).
        const number = z.toJSONSchema(inner, { io: 'input', target: 'draft-7' }) as Json;
        delete number.$schema;
        for (const key of Object.keys(json)) delete json[key];
        Object.assign(json, { anyOf: [number, VARIABLE] });
      }
      // zod leaves out the default and examples of a field it transforms (they would be the parsed
      // value); ours are written the way the file is, so they go back in.
      const meta = z.globalRegistry.get(zodSchema);
      if (meta?.default !== undefined) json.default = meta.default;
      if (meta?.examples !== undefined) json.examples = meta.examples;
    },
  }) as Json;
  const step = (schema.definitions as Record<string, Json>).step!;
  Object.assign(step, { minProperties: 1, maxProperties: 1 });
  acceptVariables(schema);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://faultline.dev/schema/experiment.json',
    title: 'faultline experiment',
    ...schema,
  };
}

const ANNOTATIONS = ['title', 'description', 'default', 'examples'];
/** Where a schema holds data or names, not schemas to rewrite. */
const NOT_SCHEMAS = new Set(['propertyNames', 'examples', 'default', 'enum', 'const', 'required']);

/**
 * Rewrites every string schema that checks its text (a pattern or a list of values) to also take a
 * `${...}` reference, keeping its annotations on the outside where editors show them.
 */
function acceptVariables(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) acceptVariables(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const object = node as Json;
  for (const [key, value] of Object.entries(object)) if (!NOT_SCHEMAS.has(key)) acceptVariables(value);
  const checksText = object.pattern !== undefined || object.enum !== undefined;
  if (object.type !== 'string' || !checksText || object.pattern === VARIABLE_PATTERN) return;
  const check: Json = {};
  for (const [key, value] of Object.entries(object)) {
    if (ANNOTATIONS.includes(key)) continue;
    check[key] = value;
    delete object[key];
  }
  object.anyOf = [check, VARIABLE];
}
