import { VARIABLE_PATTERN } from '../experiment/json-schema.js';

/** A node of the experiment JSON Schema, as `faultline schema` prints it. */
export interface SchemaNode {
  description?: string | undefined;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  additionalProperties?: SchemaNode | boolean;
  $ref?: string;
}

/** A `${name}` accepted in place of a value: not a type of its own. */
const VARIABLE_PATTERNS = new Set(['^\\$\\{[^}]+\\}$', VARIABLE_PATTERN]);

/** The alternatives of a node, `${name}` placeholders and references resolved away. */
export function variants(
  node: SchemaNode,
  root: SchemaNode & { definitions?: Record<string, SchemaNode> },
): SchemaNode[] {
  const resolved = resolveRef(node, root);
  const list = resolved.anyOf ?? resolved.oneOf;
  if (!list) return [resolved];
  const own = list
    .filter((item) => item.pattern === undefined || !VARIABLE_PATTERNS.has(item.pattern))
    .flatMap((item) => variants(item, root));
  // The node's own description and default belong to every alternative.
  return own.map((item) => ({ ...item, description: item.description ?? resolved.description }));
}

function resolveRef(node: SchemaNode, root: { definitions?: Record<string, SchemaNode> }): SchemaNode {
  const name = node.$ref?.replace('#/definitions/', '');
  const target = name ? root.definitions?.[name] : undefined;
  return target ? { ...target, description: node.description ?? target.description } : node;
}

/** A short type: `text`, `number > 0`, `one of GET, HEAD`, `list of mapping`, `duration (e.g. 30s)`. */
export function typeOf(node: SchemaNode, root: SchemaNode): string {
  const kinds = variants(node, root).map(typeOfOne);
  return [...new Set(kinds)].join(' or ');
}

function typeOfOne(node: SchemaNode): string {
  if (node.enum) return `one of ${node.enum.map((value) => String(value)).join(', ')}`;
  if (node.const !== undefined) return JSON.stringify(node.const);
  const type = Array.isArray(node.type) ? node.type.join(' or ') : node.type;
  if (type === 'string')
    return node.pattern?.includes('ms|s|m|h') ? 'duration (e.g. 500ms, 30s, 1m)' : 'text';
  if (type === 'number' || type === 'integer')
    return `${type === 'integer' ? 'whole number' : 'number'}${bounds(node)}`;
  if (type === 'boolean') return 'true or false';
  if (type === 'array')
    return `list${node.items ? ` of ${node.items.properties ? 'mappings' : typeOfOne(node.items)}` : ''}`;
  if (type === 'object') return node.properties ? 'mapping' : 'mapping of names to values';
  return type ?? 'any value';
}

function bounds(node: SchemaNode): string {
  const parts: string[] = [];
  if (node.exclusiveMinimum !== undefined) parts.push(`> ${node.exclusiveMinimum}`);
  if (node.minimum !== undefined) parts.push(`>= ${node.minimum}`);
  if (node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER) parts.push(`<= ${node.maximum}`);
  return parts.length > 0 ? ` ${parts.join(', ')}` : '';
}

/** The fields a node holds: its own, those of a list's items, and of every alternative, first wins. */
export function fieldsOf(
  node: SchemaNode,
  root: SchemaNode,
): { properties: Record<string, SchemaNode>; required: Set<string> } {
  const properties: Record<string, SchemaNode> = {};
  const required = new Set<string>();
  for (const variant of variants(node, root)) {
    const inner = variant.type === 'array' && variant.items ? variants(variant.items, root) : [variant];
    for (const item of inner) {
      for (const [name, child] of Object.entries(item.properties ?? {})) properties[name] ??= child;
      for (const name of item.required ?? []) required.add(name);
    }
  }
  return { properties, required };
}

/** The default: the schema's own, or the `(default X)` its description gives. */
export function defaultOf(node: SchemaNode, root: SchemaNode): string | undefined {
  for (const variant of [node, ...variants(node, root)]) {
    if (variant.default !== undefined)
      return typeof variant.default === 'string' ? variant.default : JSON.stringify(variant.default);
    const said = /\(default ([^)]+)\)/.exec(variant.description ?? '')?.[1];
    if (said) return said;
  }
  return undefined;
}
