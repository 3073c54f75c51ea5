import { InvalidInputError } from '../../errors.js';
import { experimentJsonSchema } from '../../experiment/json-schema.js';
import { didYouMean } from '../../util/did-you-mean.js';
import type { CommandContext } from '../program.js';
import { defaultOf, fieldsOf, type SchemaNode, typeOf, variants } from '../schema-node.js';

type Root = SchemaNode & { definitions?: Record<string, SchemaNode> };

/** The step kinds (`pause`, `delay`, `wait`, ...), each with the schema of its value. */
export function stepKinds(root: Root): Record<string, SchemaNode> {
  const step = root.definitions?.step;
  // A step is one mapping whose single key is its kind.
  const kinds: Record<string, SchemaNode> = { ...(step?.properties ?? {}) };
  for (const variant of step?.anyOf ?? []) {
    for (const [name, node] of Object.entries(variant.properties ?? {})) kinds[name] = node;
  }
  return kinds;
}

/** Every name `explain` takes without a dot: the experiment's keys and the step kinds. */
export function explainNames(root: Root = experimentJsonSchema() as Root): string[] {
  return [...Object.keys(root.properties ?? {}), ...Object.keys(stepKinds(root))];
}

/** Finds `pause`, `hypothesis.http.expect`, `safety.max-targets`: a key or step kind, then fields. */
function resolve(name: string, root: Root): { node: SchemaNode; what: string } {
  const [first = '', ...rest] = name.split('.');
  const keys = root.properties ?? {};
  const kinds = stepKinds(root);
  let node = kinds[first] ?? keys[first];
  if (!node) {
    throw new InvalidInputError(
      'UNKNOWN_NAME',
      `${name}: no step, key or field of that name${didYouMean(first, explainNames(root))}`,
      {
        hint: 'Try a step kind (pause, delay, wait, ...), a key (hypothesis, safety, ...) or KEY.FIELD, e.g. `faultline explain pause.target`.',
      },
    );
  }
  let what = kinds[first] ? `step ${first}` : `key ${first}`;
  for (const [index, segment] of rest.entries()) {
    const { properties } = fieldsOf(node, root);
    const child = properties[segment];
    if (!child) {
      const at = [first, ...rest.slice(0, index)].join('.');
      const known = Object.keys(properties);
      throw new InvalidInputError(
        'UNKNOWN_NAME',
        `${name}: ${at} has no field ${JSON.stringify(segment)}${didYouMean(segment, known)}`,
        { hint: known.length > 0 ? `Its fields: ${known.join(', ')}.` : `${at} has no fields.` },
      );
    }
    node = child;
    what = `field ${[first, ...rest.slice(0, index + 1)].join('.')}`;
  }
  return { node, what };
}

/** Prints what a step kind, key or field is, from the schema's own descriptions. Exit 2 for an unknown name. */
export async function explainCommand(name: string, ctx: CommandContext): Promise<number> {
  const root = experimentJsonSchema() as Root;
  const { node, what } = resolve(name, root);
  const c = ctx.output.colors;
  const out = (line: string) => ctx.output.stdout.write(`${line}\n`);
  const description = variants(node, root).find((item) => item.description)?.description ?? node.description;
  out(`${c.bold(name)}  ${c.dim(what)}`);
  out(description ? `  ${description}` : c.dim('  (no description yet)'));
  out(`  ${c.dim('type')}     ${typeOf(node, root)}`);
  const fallback = defaultOf(node, root);
  if (fallback) out(`  ${c.dim('default')}  ${fallback}`);
  const { properties, required } = fieldsOf(node, root);
  const names = Object.keys(properties);
  if (names.length === 0) return 0;
  out(c.bold('fields'));
  const width = Math.max(...names.map((field) => field.length));
  for (const [field, child] of Object.entries(properties)) {
    const facts = [typeOf(child, root), required.has(field) ? 'required' : undefined];
    const fieldDefault = defaultOf(child, root);
    if (fieldDefault) facts.push(`default ${fieldDefault}`);
    const text = child.description ?? variants(child, root).find((item) => item.description)?.description;
    out(`  ${field.padEnd(width)}  ${c.dim(facts.filter(Boolean).join('; '))}${text ? `  ${text}` : ''}`);
  }
  return 0;
}
