/**
 * A small JSON Schema (draft-07) checker for the keywords faultline's generated schema uses. It throws on
 * any keyword it does not know, so a schema that grows a new keyword cannot pass unchecked.
 */
type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'default', 'definitions', 'examples']);
const KNOWN = new Set([
  ...ANNOTATIONS,
  '$ref',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'minItems',
  'minProperties',
  'maxProperties',
  'maxItems',
  'anyOf',
  'oneOf',
  'allOf',
  'enum',
  'const',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
]);

export function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) throw new Error(`not a local $ref: ${ref}`);
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

/** Returns the errors of `value` against `schema`, each as "path: message"; empty when it validates. */
export function validate(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  check(root, value, '$', errors, root);
  return errors;
}

function check(schema: Schema, value: unknown, at: string, errors: string[], root: Schema): void {
  if (schema === true) return;
  if (schema === false) {
    errors.push(`${at}: not allowed`);
    return;
  }
  for (const keyword of Object.keys(schema)) {
    if (!KNOWN.has(keyword)) throw new Error(`unsupported keyword "${keyword}" at ${at}`);
  }
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === 'string') {
    const target = resolvePointer(root, s.$ref);
    if (target === undefined) throw new Error(`unresolved $ref ${s.$ref}`);
    check(target as Schema, value, at, errors, root);
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((type) => hasType(value, type))) {
      errors.push(`${at}: expected ${types.join(' or ')}, found ${typeOf(value)}`);
      return;
    }
  }
  if (
    s.enum !== undefined &&
    !(s.enum as unknown[]).some((option) => JSON.stringify(option) === JSON.stringify(value))
  ) {
    errors.push(`${at}: not one of ${JSON.stringify(s.enum)}`);
  }
  if (s.const !== undefined && JSON.stringify(s.const) !== JSON.stringify(value))
    errors.push(`${at}: not the constant`);
  if (typeof value === 'string') {
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) {
      errors.push(`${at}: does not match ${s.pattern}`);
    }
    if (typeof s.minLength === 'number' && [...value].length < s.minLength) errors.push(`${at}: too short`);
    if (typeof s.maxLength === 'number' && [...value].length > s.maxLength) errors.push(`${at}: too long`);
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) errors.push(`${at}: below ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) errors.push(`${at}: above ${s.maximum}`);
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum)
      errors.push(`${at}: not above ${s.exclusiveMinimum}`);
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum)
      errors.push(`${at}: not below ${s.exclusiveMaximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems)
      errors.push(`${at}: fewer than ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && value.length > s.maxItems)
      errors.push(`${at}: more than ${s.maxItems} items`);
    if (s.items !== undefined) {
      if (Array.isArray(s.items)) throw new Error(`tuple items are not supported (at ${at})`);
      for (const [index, item] of value.entries())
        check(s.items as Schema, item, `${at}[${index}]`, errors, root);
    }
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    const count = Object.keys(object).length;
    if (typeof s.minProperties === 'number' && count < s.minProperties)
      errors.push(`${at}: fewer than ${s.minProperties} keys`);
    if (typeof s.maxProperties === 'number' && count > s.maxProperties)
      errors.push(`${at}: more than ${s.maxProperties} keys`);
    for (const key of (s.required ?? []) as string[]) {
      if (!(key in object)) errors.push(`${at}: missing "${key}"`);
    }
    for (const [key, item] of Object.entries(object)) {
      const where = `${at}.${key}`;
      if (s.propertyNames !== undefined)
        check(s.propertyNames as Schema, key, `${where} (name)`, errors, root);
      if (key in properties) check(properties[key]!, item, where, errors, root);
      else if (s.additionalProperties !== undefined)
        check(s.additionalProperties as Schema, item, where, errors, root);
    }
  }
  for (const [keyword, needed] of [
    ['anyOf', 1],
    ['oneOf', -1],
  ] as const) {
    const options = s[keyword] as Schema[] | undefined;
    if (!options) continue;
    const passing = options.filter((option) => {
      const inner: string[] = [];
      check(option, value, at, inner, root);
      return inner.length === 0;
    }).length;
    if (needed === 1 ? passing === 0 : passing !== 1)
      errors.push(`${at}: matches ${passing} of the ${keyword} options`);
  }
  for (const option of (s.allOf ?? []) as Schema[]) check(option, value, at, errors, root);
}
