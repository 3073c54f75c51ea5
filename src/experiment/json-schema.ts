import { z } from 'zod';
import { experiment, stepForJsonSchema } from './schema.js';

/**
 * The JSON Schema of experiment files, generated from the same zod schema that validates them, so
 * editors complete and check exactly what `faultline validate` accepts. Steps are validated by key
 * dispatch (for precise errors); editors get the same shapes as a union.
 */
export function experimentJsonSchema(): Record<string, unknown> {
  const forEditors = experiment.extend({
    method: z.array(stepForJsonSchema).min(1),
    rollbacks: experiment.shape.rollbacks,
  });
  const schema = z.toJSONSchema(forEditors, { io: 'input', unrepresentable: 'any', target: 'draft-7' });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://faultline.dev/schema/experiment.json',
    title: 'faultline experiment',
    ...schema,
  };
}
