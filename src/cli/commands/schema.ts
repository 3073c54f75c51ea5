import { experimentJsonSchema } from '../../experiment/json-schema.js';
import type { CommandContext } from '../program.js';

export async function schemaCommand(ctx: CommandContext): Promise<number> {
  ctx.output.stdout.write(`${JSON.stringify(experimentJsonSchema(), null, 2)}\n`);
  return 0;
}
