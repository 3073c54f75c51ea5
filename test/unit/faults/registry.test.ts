import { describe, expect, it } from 'vitest';
import { experimentJsonSchema } from '../../../src/experiment/json-schema.js';
import { parseExperiment } from '../../../src/experiment/load.js';
import { FAULT_STEP_KINDS, stepKindOf } from '../../../src/faults/kinds.js';
import {
  DRIVERS,
  driverFor,
  FAMILIES,
  FAULT_KINDS,
  familyFeatures,
  familyOf,
} from '../../../src/faults/registry.js';
import { ALL_FEATURES } from '../../../src/network/capabilities.js';

const HEAD = 'title: t\nhypothesis:\n  - name: p\n    command: [node, -v]\nmethod:\n';

function problemsOf(text: string): string[] {
  try {
    parseExperiment(text, 'exp.yaml', {});
  } catch (error) {
    return ((error as { problems?: { message: string; path?: string }[] }).problems ?? []).map(
      (problem) => `${problem.path ?? ''}: ${problem.message}`,
    );
  }
  return [];
}

describe('the fault-driver registry', () => {
  it('lists every kind once, in the order the file format names them', () => {
    expect(FAULT_KINDS).toEqual([
      'kill',
      'stop',
      'pause',
      'restart',
      'delay',
      'loss',
      'duplicate',
      'corrupt',
      'reorder',
      'bandwidth',
      'blackhole',
      'reset',
      'dns',
      'partition',
      'http-abort',
      'http-delay',
      'http-reset',
      'http-slow-body',
      'tcp-latency',
      'tcp-bandwidth',
      'tcp-slow-close',
      'tcp-timeout',
      'tcp-reset-peer',
      'tcp-limit-data',
      'tcp-slicer',
      'disk-fill',
      'cpu-stress',
      'memory-stress',
      'io-stress',
      'limit',
      'signal',
    ]);
    expect(new Set(FAULT_KINDS).size).toBe(FAULT_KINDS.length);
  });

  it('knows the family of every driver, and finds it again from a plan or a recipe type', () => {
    for (const driver of DRIVERS) {
      expect(FAMILIES).toContain(driver.family);
      expect(familyOf({ type: driver.family.type })).toBe(driver.family);
      expect(driverFor(driver.kind)).toBe(driver);
    }
    expect(() => familyOf({ type: 'nonsense' })).toThrow('no fault family of type "nonsense"');
  });

  it('has a driver for every step kind of the schema side, with the same shape and family', () => {
    expect(DRIVERS.map((driver) => driver.kind)).toEqual(FAULT_STEP_KINDS.map((entry) => entry.kind));
    for (const driver of DRIVERS) {
      expect(stepKindOf(driver.kind)?.schema).toBe(driver.schema);
      expect(stepKindOf(driver.kind)?.family).toBe(driver.family.type);
    }
    expect(stepKindOf('nonsense')).toBeUndefined();
  });

  it("reads each kind's step with its driver's shape: an unknown key is refused at that kind", () => {
    for (const kind of FAULT_KINDS) {
      const problems = problemsOf(`${HEAD}  - ${kind}: { target: { service: api }, bogus: 1 }\n`);
      expect(problems.join('\n')).toContain('method[0]');
      expect(problems.join('\n')).toContain('bogus');
    }
  });

  it('names every kind when a step is unknown, and puts every kind in the JSON Schema', () => {
    const problems = problemsOf(`${HEAD}  - latency: { target: { service: api } }\n`).join('\n');
    for (const kind of FAULT_KINDS) expect(problems).toContain(kind);
    const schema = JSON.stringify(experimentJsonSchema());
    for (const kind of FAULT_KINDS) expect(schema).toContain(`"${kind}"`);
  });

  it('doctor checks what some family may need, in the order of the checks', () => {
    const features = familyFeatures();
    expect(features).toEqual(ALL_FEATURES.filter((feature) => features.includes(feature)));
    for (const family of FAMILIES) for (const feature of family.mayNeed) expect(features).toContain(feature);
  });
});
