import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PROBE_KINDS } from '../../../src/experiment/schema.js';
import { validateInProcess as validate } from '../../support/validate-in-process.js';

/**
 * `faultline validate` reads the schema side of the probe registry (probes/kinds.ts and each kind's
 * schema.ts) and none of the runtime side: no kind's runtime (how it observes and is judged). Each
 * runtime module is observed by its source path: importing it records its name.
 */
const loaded = vi.hoisted(() => new Set<string>());

vi.mock(import('../../../src/probes/registry.js'), async (original) => {
  loaded.add('registry');
  return original();
});
vi.mock(import('../../../src/probes/http/runtime.js'), async (original) => {
  loaded.add('http/runtime');
  return original();
});
vi.mock(import('../../../src/probes/tcp/runtime.js'), async (original) => {
  loaded.add('tcp/runtime');
  return original();
});
vi.mock(import('../../../src/probes/exec/runtime.js'), async (original) => {
  loaded.add('exec/runtime');
  return original();
});
vi.mock(import('../../../src/probes/command/runtime.js'), async (original) => {
  loaded.add('command/runtime');
  return original();
});
vi.mock(import('../../../src/probes/container/runtime.js'), async (original) => {
  loaded.add('container/runtime');
  return original();
});
vi.mock(import('../../../src/probes/load/runtime.js'), async (original) => {
  loaded.add('load/runtime');
  return original();
});
vi.mock(import('../../../src/probes/prometheus/runtime.js'), async (original) => {
  loaded.add('prometheus/runtime');
  return original();
});
vi.mock(import('../../../src/probes/workload/runtime.js'), async (original) => {
  loaded.add('workload/runtime');
  return original();
});

/** A probe of every kind, and a detection, so the shape of each is built and used. */
const EXPERIMENT = `title: every probe kind
hypothesis:
  - name: http
    http: { url: "http://127.0.0.1:8080/" }
  - name: tcp
    tcp: { host: 127.0.0.1, port: 5432 }
  - name: exec
    exec: { target: { service: db }, command: [pg_isready] }
  - name: command
    command: [node, -v]
  - name: container
    container: { target: { service: api } }
  - name: load
    load: { url: "http://127.0.0.1:8080/", rate: 10/s }
    expect: { thresholds: ["p95 < 300ms"] }
  - name: prometheus
    prometheus: { url: "http://127.0.0.1:9090", query: up }
    expect: { value: "> 0" }
  - name: workload
    workload:
      write: { http: { url: "http://127.0.0.1:8080/kv/\${id}", method: PUT } }
      read: { http: { url: "http://127.0.0.1:8080/kv", values: $.values } }
      rate: 10/s
detect:
  - name: noticed
    prometheus: { url: "http://127.0.0.1:9090", query: up }
    expect: { value: "< 1" }
    within: 30s
method:
  - pause: { target: { service: api }, duration: 1s }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'faultline-probe-runtime-'));
  await writeFile(path.join(dir, 'every-kind.yaml'), EXPERIMENT);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('what validate loads of the probe kinds', () => {
  it('validates a probe of every kind and a detection without loading any probe runtime', async () => {
    const { exitCode, text } = await validate(dir, 'every-kind.yaml');
    expect(text).toContain('every-kind.yaml');
    expect(exitCode).toBe(0);
    expect([...loaded]).toEqual([]);
  });

  it('observes a runtime module once it is loaded (the check above can fail)', async () => {
    const { probeRuntime } = await import('../../../src/probes/registry.js');
    for (const kind of PROBE_KINDS) {
      expect(probeRuntime(kind).describe).toBeTypeOf('function');
      expect(loaded).toContain(`${kind}/runtime`);
    }
  });
});
