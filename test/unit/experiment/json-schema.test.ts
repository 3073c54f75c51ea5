import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { experimentJsonSchema } from '../../../src/experiment/json-schema.js';
import { type ExperimentInvalidError, parseExperiment } from '../../../src/experiment/load.js';
import { resolvePointer, validate } from '../support/json-schema-check.js';

type Json = Record<string, unknown>;
const schema = experimentJsonSchema() as Json;
const definitions = schema.definitions as Record<string, Json>;
const properties = schema.properties as Record<string, Json>;
const probeSchema = (properties.hypothesis!.items as Json) ?? {};

function collectRefs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else collectRefs(value, found);
    }
  }
  return found;
}

/** The `additionalProperties` of every object schema that declares properties. */
function objectSchemas(node: unknown, at = '$', found: { at: string; schema: Json }[] = []) {
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) objectSchemas(item, `${at}[${index}]`, found);
  } else if (node && typeof node === 'object') {
    const object = node as Json;
    if (object.type === 'object' && object.properties) found.push({ at, schema: object });
    for (const [key, value] of Object.entries(object)) objectSchemas(value, `${at}.${key}`, found);
  }
  return found;
}

/** The step kinds listed by the parser's own error for an unknown step. */
function kindsTheParserAccepts(): string[] {
  const text = 'title: t\nhypothesis:\n  - name: p\n    command: [node]\nmethod:\n  - freeze: 1s\n';
  try {
    parseExperiment(text, 'kinds.yaml', {});
  } catch (error) {
    const message = (error as ExperimentInvalidError).problems[0]!.message;
    return message.replace(/^.*expected one of: /, '').split(', ');
  }
  throw new Error('an unknown step was accepted');
}

const EXAMPLES = path.resolve(import.meta.dirname, '../../../experiments');
const exampleFiles = readdirSync(EXAMPLES).filter((name) => /\.(ya?ml|json)$/.test(name));

describe('experimentJsonSchema', () => {
  it('is a draft-07 schema with an id and a title', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.$id).toMatch(/^https:\/\//);
    expect(schema.title).toBe('faultline experiment');
    expect(schema.type).toBe('object');
  });

  it('is plain JSON (serialises and reads back unchanged)', () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it('requires title, hypothesis and method, and rejects unknown top-level keys', () => {
    expect(schema.required).toEqual(expect.arrayContaining(['title', 'hypothesis', 'method']));
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(properties)).toEqual(
      expect.arrayContaining([
        'title',
        'description',
        'tags',
        'vars',
        'scope',
        'hypothesis',
        'method',
        'rollbacks',
        'recovery',
        'timeout',
      ]),
    );
  });

  it('rejects unknown keys on probes and on their kinds', () => {
    expect(probeSchema.additionalProperties).toBe(false);
    const probeProperties = probeSchema.properties as Record<string, Json>;
    for (const kind of ['http', 'tcp', 'exec', 'container']) {
      expect(probeProperties[kind]?.additionalProperties, kind).toBe(false);
    }
    expect(probeProperties.command?.type).toBe('array');
  });

  it('rejects unknown keys on every object that lists its keys (targets, expectations, steps)', () => {
    const objects = objectSchemas(schema);
    expect(objects.length).toBeGreaterThan(20);
    const open = objects
      .filter(({ schema: object }) => object.additionalProperties !== false)
      .map(({ at }) => at);
    expect(open).toEqual([]);
  });

  it('describes method steps in definitions.step: one key per step, named by its kind', () => {
    expect(definitions.step).toBeDefined();
    expect(properties.method).toMatchObject({
      type: 'array',
      minItems: 1,
      items: { $ref: '#/definitions/step' },
    });
    const step = definitions.step!;
    expect(step).toMatchObject({
      type: 'object',
      minProperties: 1,
      maxProperties: 1,
      additionalProperties: false,
    });
    // No branch of the step requires a key: editors would offer a nameless skeleton per branch.
    expect(step.required).toBeUndefined();
    expect(step.anyOf).toBeUndefined();
    const kinds = Object.keys(step.properties as Json);
    expect(kinds).toEqual(
      expect.arrayContaining(['kill', 'stop', 'pause', 'restart', 'wait', 'probe', 'action', 'parallel']),
    );
    // Editors are offered exactly the step kinds that `faultline validate` accepts.
    expect([...kinds].sort()).toEqual([...kindsTheParserAccepts()].sort());
    const parallel = (step.properties as Record<string, Json>).parallel!;
    expect(parallel.items).toEqual({ $ref: '#/definitions/step' });
  });

  it('has every $ref resolve inside the document', () => {
    const refs = collectRefs(schema);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(resolvePointer(schema, ref), ref).toBeDefined();
  });

  it('writes durations as text with the duration pattern, or a ${variable}', () => {
    const base = { title: 't', hypothesis: [{ name: 'p', command: ['node'] }], method: [{ wait: '1s' }] };
    const errors = (recovery: unknown) => validate(schema, { ...base, recovery });
    for (const ok of ['500ms', '1m30s', '1.5s', '${pause}', '${env:RECOVERY:-10s}', '${n}s']) {
      expect(errors(ok), ok).toEqual([]);
    }
    for (const bad of ['5', '5x', '1 s', 5, '$${literal}', '${}'])
      expect(errors(bad), String(bad)).not.toEqual([]);
  });
});

describe('example experiments against the schema', () => {
  it('finds the examples', () => {
    expect(exampleFiles.length).toBeGreaterThan(0);
  });

  it.each(exampleFiles)('%s validates against the schema and parses', (name) => {
    const text = readFileSync(path.join(EXAMPLES, name), 'utf8');
    expect(validate(schema, parse(text))).toEqual([]);
    expect(() => parseExperiment(text, name, {})).not.toThrow();
  });

  it('the checker catches what the schema forbids (so the check above can fail)', () => {
    const good = {
      title: 't',
      hypothesis: [{ name: 'p', command: ['node'] }],
      method: [{ parallel: [{ pause: { target: { service: 'api' }, duration: '2s' } }, { wait: '1s' }] }],
    };
    expect(validate(schema, good)).toEqual([]);
    expect(validate(schema, { ...good, timeuot: '1s' })).not.toEqual([]);
    expect(
      validate(schema, { ...good, hypothesis: [{ name: 'p', command: ['node'], timeuot: '1s' }] }),
    ).not.toEqual([]);
    expect(validate(schema, { ...good, method: [{ freeze: { target: { service: 'api' } } }] })).not.toEqual(
      [],
    );
    expect(
      validate(schema, { ...good, method: [{ parallel: [{ pause: { target: { servce: 'api' } } }] }] }),
    ).not.toEqual([]);
    expect(validate(schema, { ...good, method: [{ wait: '5x' }] })).not.toEqual([]);
    expect(validate(schema, { title: 't', hypothesis: [], method: [{ wait: '1s' }] })).not.toEqual([]);
  });
});
