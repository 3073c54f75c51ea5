import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { experimentJsonSchema, VARIABLE_PATTERN } from '../../../src/experiment/json-schema.js';
import { parseExperiment } from '../../../src/experiment/load.js';
import { PROBE_DEFAULTS, RUN_DEFAULTS } from '../../../src/experiment/schema.js';
import { STEP_DOCS } from '../../../src/experiment/step-descriptions.js';
import { parseDuration } from '../../../src/util/duration.js';
import { validate } from '../support/json-schema-check.js';

/** What editors show from the schema: descriptions, defaults and examples, and that they are true. */

type Json = Record<string, unknown>;
const schema = experimentJsonSchema();
const top = schema.properties as Record<string, Json>;
const steps = ((schema.definitions as Record<string, Json>).step!.properties ?? {}) as Record<string, Json>;
const probe = (top.hypothesis!.items as Json).properties as Record<string, Json>;
const HEAD = { title: 't', hypothesis: [{ name: 'p', command: ['node', '--version'] }] };

/** The string schemas (pattern or enum) in the document, with where they are. */
function checkedStrings(node: unknown, at = '$', found: { at: string; schema: Json }[] = []) {
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) checkedStrings(item, `${at}[${index}]`, found);
  } else if (node && typeof node === 'object') {
    const object = node as Json;
    if (object.type === 'string' && (object.pattern !== undefined || object.enum !== undefined))
      found.push({ at, schema: object });
    for (const [key, value] of Object.entries(object))
      if (key !== 'propertyNames') checkedStrings(value, `${at}.${key}`, found);
  }
  return found;
}

describe('the schema editors read', () => {
  it('describes every top-level key', () => {
    const bare = Object.entries(top).filter(([, value]) => !value.description);
    expect(bare.map(([key]) => key)).toEqual([]);
  });

  it('describes every step kind, with an example, and documents no kind that does not exist', () => {
    expect(Object.keys(STEP_DOCS).sort()).toEqual(Object.keys(steps).sort());
    for (const [kind, value] of Object.entries(steps)) {
      expect(value.title, kind).toBe(kind);
      expect(value.description, kind).toBe(STEP_DOCS[kind]!.description);
      expect(value.examples, kind).toEqual([STEP_DOCS[kind]!.example]);
    }
  });

  it('describes every field of every fault step and of a probe', () => {
    const bare: string[] = [];
    for (const [kind, value] of Object.entries(steps)) {
      for (const [field, inner] of Object.entries((value.properties ?? {}) as Record<string, Json>))
        if (!inner.description) bare.push(`${kind}.${field}`);
    }
    for (const [field, inner] of Object.entries(probe)) if (!inner.description) bare.push(`probe.${field}`);
    expect(bare).toEqual([]);
  });

  it.each(Object.entries(STEP_DOCS))(
    'the example of %s is a valid step for faultline and for the schema',
    (kind, doc) => {
      const document = { ...HEAD, method: [{ [kind]: doc.example }] };
      expect(validate(schema, document)).toEqual([]);
      expect(() => parseExperiment(stringify(document), `${kind}.yaml`, {})).not.toThrow();
    },
  );

  it('emits the defaults the engine applies', () => {
    const ms = (text: unknown) => parseDuration(String(text));
    expect(ms(probe.every!.default)).toBe(PROBE_DEFAULTS.every);
    expect(ms(probe.timeout!.default)).toBe(PROBE_DEFAULTS.timeout);
    expect(ms(probe.interval!.default)).toBe(PROBE_DEFAULTS.interval);
    expect(probe.retries!.default).toBe(PROBE_DEFAULTS.retries);
    expect(ms(top.recovery!.default)).toBe(RUN_DEFAULTS.recovery);
    expect(ms(top.timeout!.default)).toBe(RUN_DEFAULTS.timeout);
  });

  it('gives every checked string the ${...} alternative, keeping its description outside', () => {
    const bare = checkedStrings(schema).filter(({ schema: s }) => s.pattern !== VARIABLE_PATTERN);
    for (const { at } of bare) {
      const parent = at.replace(/\.anyOf\[0\]$/, '');
      expect(parent, `${at} is checked text without a \${...} alternative`).not.toBe(at);
    }
    expect(bare.length).toBeGreaterThan(10);
    expect(top.recovery!.description).toMatch(/hypothesis must hold again/);
  });

  it('takes ${...} in numbers, enums and patterns as the CLI does, and only there', () => {
    const method = (spec: Json) => validate(schema, { ...HEAD, method: [{ delay: spec }] });
    const target = { service: 'api' };
    expect(
      method({ target, latency: '${latency}', protocol: '${env:P:-tcp}', 'max-targets': '${n}' }),
    ).toEqual([]);
    expect(method({ target, latency: '200ms', protocol: 'sctp' })).not.toEqual([]);
    // A boolean is not read from text: the CLI refuses "${x}" there, and so does the schema.
    expect(method({ target, latency: '200ms', background: '${x}' })).not.toEqual([]);
    // Names of vars are keys, never substituted.
    expect(validate(schema, { ...HEAD, vars: { '${x}': 1 }, method: [{ wait: '1s' }] })).not.toEqual([]);
  });

  it('allows exactly one kind per step', () => {
    expect(validate(schema, { ...HEAD, method: [{}] })).not.toEqual([]);
    expect(
      validate(schema, { ...HEAD, method: [{ wait: '1s', pause: { target: { service: 'a' } } }] }),
    ).not.toEqual([]);
  });
});
