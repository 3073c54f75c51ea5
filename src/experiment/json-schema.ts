import { z } from 'zod';
import { experiment, numericSchemas, stepForJsonSchema } from './schema.js';

/**
 * The JSON Schema of experiment files, generated from the same zod schema that validates them, so
 * editors complete and check exactly what `faultline validate` accepts. Steps are validated by key
 * dispatch (for precise errors); editors get the same shapes as a union.
 */
export function experimentJsonSchema(): Record<string, unknown> {
  const forEditors = z.strictObject({
    ...experiment.shape,
    method: z.array(stepForJsonSchema).min(1),
  });
  const schema = z.toJSONSchema(forEditors, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-7',
    // A number field also takes a ${variable} (substituted as text, then read as a number).
    override: (ctx) => {
      const inner = numericSchemas.get(ctx.zodSchema as unknown as z.ZodType);
      if (!inner) return;
      const number = z.toJSONSchema(inner, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
      delete number.$schema;
      for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Record<string, unknown>)[key];
      Object.assign(ctx.jsonSchema, { anyOf: [number, { type: 'string', pattern: '^\\$\\{[^}]+\\}$' }] });
    },
  });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://faultline.dev/schema/experiment.json',
    title: 'faultline experiment',
    ...schema,
  };
}
