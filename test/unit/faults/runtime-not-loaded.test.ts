import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FAULT_KINDS } from '../../../src/faults/kinds.js';
import { validateInProcess as validate } from '../../support/validate-in-process.js';

/**
 * `faultline validate` reads the schema side of the fault registry (faults/kinds.ts and each family's
 * schema.ts) and none of the runtime side: no family's inject, revert or scan code, nor the drivers.
 * Each runtime module of each family is observed by its source path: importing it records its name.
 */
const FAMILIES = ['container', 'tc', 'iptables', 'proxy', 'disk', 'stress', 'limits', 'process'] as const;
const loaded = vi.hoisted(() => new Set<string>());

vi.mock(import('../../../src/faults/registry.js'), async (original) => {
  loaded.add('registry');
  return original();
});
vi.mock(import('../../../src/faults/container/family.js'), async (original) => {
  loaded.add('container/family');
  return original();
});
vi.mock(import('../../../src/faults/tc/family.js'), async (original) => {
  loaded.add('tc/family');
  return original();
});
vi.mock(import('../../../src/faults/iptables/family.js'), async (original) => {
  loaded.add('iptables/family');
  return original();
});
vi.mock(import('../../../src/faults/proxy/family.js'), async (original) => {
  loaded.add('proxy/family');
  return original();
});
vi.mock(import('../../../src/faults/disk/family.js'), async (original) => {
  loaded.add('disk/family');
  return original();
});
vi.mock(import('../../../src/faults/stress/family.js'), async (original) => {
  loaded.add('stress/family');
  return original();
});
vi.mock(import('../../../src/faults/limits/family.js'), async (original) => {
  loaded.add('limits/family');
  return original();
});
vi.mock(import('../../../src/faults/process/family.js'), async (original) => {
  loaded.add('process/family');
  return original();
});
vi.mock(import('../../../src/faults/container/drivers.js'), async (original) => {
  loaded.add('container/drivers');
  return original();
});
vi.mock(import('../../../src/faults/tc/drivers.js'), async (original) => {
  loaded.add('tc/drivers');
  return original();
});
vi.mock(import('../../../src/faults/iptables/drivers.js'), async (original) => {
  loaded.add('iptables/drivers');
  return original();
});
vi.mock(import('../../../src/faults/proxy/drivers.js'), async (original) => {
  loaded.add('proxy/drivers');
  return original();
});
vi.mock(import('../../../src/faults/disk/drivers.js'), async (original) => {
  loaded.add('disk/drivers');
  return original();
});
vi.mock(import('../../../src/faults/stress/drivers.js'), async (original) => {
  loaded.add('stress/drivers');
  return original();
});
vi.mock(import('../../../src/faults/limits/drivers.js'), async (original) => {
  loaded.add('limits/drivers');
  return original();
});
vi.mock(import('../../../src/faults/process/drivers.js'), async (original) => {
  loaded.add('process/drivers');
  return original();
});

/** One step of every family, and a parallel group, so the shape of each is built and used. */
const EXPERIMENT = `title: every family
hypothesis:
  - name: up
    command: [node, -v]
method:
  - kill: { target: { service: api } }
  - delay: { target: { service: api }, latency: 100ms, to: { service: db } }
  - blackhole: { target: { service: api } }
  - partition: { groups: [[{ service: api }], [{ service: db }]] }
  - http-abort: { target: { service: api }, port: 8080, status: 503 }
  - tcp-latency: { target: { service: api }, port: 5432, latency: 50ms }
  - disk-fill: { target: { service: db }, path: /tmp, size: 1MiB }
  - cpu-stress: { target: { service: api } }
  - limit: { target: { service: api }, cpus: 0.5 }
  - signal: { target: { service: api }, signal: SIGSTOP, process: node }
  - parallel:
      - pause: { target: { service: api }, duration: 1s }
      - loss: { target: { service: db }, percent: 10% }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-runtime-'));
  await writeFile(path.join(dir, 'every-family.yaml'), EXPERIMENT);
  await writeFile(path.join(dir, 'bad.yaml'), EXPERIMENT.replace('latency: 100ms', 'latency: soon'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('what validate loads of the fault families', () => {
  it('validates a step of every family without loading any family runtime or driver', async () => {
    const { exitCode, text } = await validate(dir, 'every-family.yaml');
    expect(text).toContain('every-family.yaml');
    expect(exitCode).toBe(0);
    expect([...loaded]).toEqual([]);
  });

  it('reports an invalid step with its line, still without loading a runtime', async () => {
    const { exitCode, text } = await validate(dir, 'bad.yaml');
    expect(exitCode).toBe(2);
    expect(text).toMatch(/bad\.yaml:7:\d+ method\[1\]\.delay\.latency/);
    expect([...loaded]).toEqual([]);
  });

  it('observes a runtime module once it is loaded (the check above can fail)', async () => {
    const { driverFor } = await import('../../../src/faults/registry.js');
    expect(driverFor('pause').kind).toBe('pause');
    for (const family of FAMILIES) {
      expect(loaded).toContain(`${family}/family`);
      expect(loaded).toContain(`${family}/drivers`);
    }
    expect(FAULT_KINDS.length).toBeGreaterThan(FAMILIES.length);
  });
});
