import { describe, expect, it } from 'vitest';
import type { ContainerResources } from '../../../src/docker/client.js';
import { type ExperimentProblem, parseExperiment } from '../../../src/experiment/load.js';
import { limitCalls } from '../../../src/faults/limits/resources.js';
import { pickProcesses } from '../../../src/faults/process/select.js';

const HEAD = 'title: t\nhypothesis:\n  - name: p\n    command: [node, -v]\nmethod:\n';
const MiB = 1024 * 1024;

function shown(step: string): string[] {
  try {
    parseExperiment(`${HEAD}${step}`, 'exp.yaml', {});
  } catch (error) {
    return (error as { problems: ExperimentProblem[] }).problems.map(
      (problem) => `${problem.file}:${problem.line}:${problem.column} ${problem.path}: ${problem.message}`,
    );
  }
  return [];
}

function specOf(step: string): unknown {
  return (parseExperiment(`${HEAD}${step}`, 'exp.yaml', {}).experiment.method[0] as { spec: unknown }).spec;
}

describe('limit and signal steps in the experiment file', () => {
  it('reads a limit with CPUs, a memory size and a pids limit', () => {
    expect(
      specOf('  - limit: { target: { service: api }, cpus: 0.5, memory: 64MiB, pids: 50, duration: 10s }\n'),
    ).toMatchObject({ cpus: 0.5, memory: 64 * MiB, pids: 50, duration: 10_000 });
    expect(specOf('  - limit: { target: { service: api }, memory: 1.5g }\n')).toMatchObject({
      memory: 1.5 * 1024 * MiB,
    });
  });

  it('refuses impossible limits with file:line:column', () => {
    expect(shown('  - limit: { target: { service: api }, memory: 5m }\n')).toEqual([
      'exp.yaml:6:48 method[0].limit.memory: expected at least 6m: the Docker Engine refuses a memory limit below 6 MiB (got 5242880 bytes)',
    ]);
    expect(shown('  - limit: { target: { service: api }, memory: lots }\n')).toEqual([
      'exp.yaml:6:48 method[0].limit.memory: expected a size such as 64m, 256MiB or 1g',
    ]);
    expect(shown('  - limit: { target: { service: api }, cpus: 0 }\n')).toEqual([
      'exp.yaml:6:46 method[0].limit.cpus: expected at least 0.01 CPUs',
    ]);
    expect(shown('  - limit: { target: { service: api } }\n')[0]).toMatch(
      /limit: a limit needs at least one of: cpus, memory, pids/,
    );
  });

  it('reads a signal step and refuses a bad signal or an ambiguous match', () => {
    expect(
      specOf('  - signal: { target: { service: api }, signal: stop, process: sleep, all: true }\n'),
    ).toMatchObject({
      signal: 'SIGSTOP',
      process: 'sleep',
      all: true,
    });
    expect(shown('  - signal: { target: { service: api }, signal: SIGFOO, process: x }\n')).toEqual([
      'exp.yaml:6:49 method[0].signal.signal: expected a signal name such as SIGSTOP, SIGTERM, SIGKILL or SIGHUP',
    ]);
    expect(
      shown('  - signal: { target: { service: api }, signal: TERM, process: a, pattern: b }\n')[0],
    ).toMatch(/signal: a signal step needs one of: process \(a name\), pattern \(a regular expression\)/);
    expect(
      shown('  - signal: { target: { service: api }, signal: TERM, process: a, count: 2, all: true }\n')[0],
    ).toMatch(/signal.all: use either count or all, not both/);
    expect(shown('  - signal: { target: { service: api }, signal: TERM, pattern: "(" }\n')[0]).toMatch(
      /signal.pattern: not a valid regular expression/,
    );
  });
});

describe('which processes a signal step picks', () => {
  const listed = [
    { pid: 300, comm: 'sleep', args: 'sleep 1000' },
    { pid: 100, comm: 'sh', args: "sh -c 'sleep 1000 & wait'" },
    { pid: 200, comm: 'sleep', args: 'sleep 1000' },
  ];
  it('lowest PIDs first, count or all, PID 1 left out unless asked', () => {
    expect(pickProcesses(listed, 100, { process: 'sleep', count: 1 }, 'api').map((p) => p.pid)).toEqual([
      200,
    ]);
    expect(pickProcesses(listed, 100, { pattern: 'sleep', all: true }, 'api').map((p) => p.pid)).toEqual([
      200, 300,
    ]);
    expect(
      pickProcesses(listed, 100, { pattern: 'sleep', all: true, pid1: true }, 'api').map((p) => p.pid),
    ).toEqual([100, 200, 300]);
  });
  it('says when nothing matches, or only PID 1', () => {
    expect(() => pickProcesses(listed, 100, { process: 'nginx' }, 'api')).toThrow(
      'no process of api named "nginx" (its processes: sleep[300], sh[100], sleep[200])',
    );
    expect(() => pickProcesses(listed, 100, { process: 'sh' }, 'api')).toThrow(
      /is its main process.*pid-1: true/,
    );
  });
});

describe('the Engine calls of a limit', () => {
  const none: ContainerResources = {
    nanoCpus: 0,
    cpuQuota: 0,
    cpuPeriod: 0,
    memory: 0,
    memorySwap: 0,
    pidsLimit: null,
  };
  it('CPU through NanoCpus when the container has them, else CpuQuota back to -1', () => {
    expect(limitCalls({ cpus: 0.5 }, { ...none, nanoCpus: 2e9 }, 'api')).toEqual({
      set: { NanoCpus: 5e8 },
      restore: { NanoCpus: 2e9 },
    });
    expect(limitCalls({ cpus: 0.5 }, { ...none, cpuQuota: 20_000, cpuPeriod: 50_000 }, 'api')).toEqual({
      set: { CpuQuota: 25_000 },
      restore: { CpuQuota: 20_000 },
    });
    expect(limitCalls({ cpus: 0.5, pids: 9 }, none, 'api')).toEqual({
      set: { CpuQuota: 50_000, PidsLimit: 9 },
      restore: { CpuQuota: -1, PidsLimit: -1 },
    });
  });
  it('memory with its swap, and a refusal when there was no memory limit to go back to', () => {
    expect(
      limitCalls({ memory: 64 * MiB }, { ...none, memory: 256 * MiB, memorySwap: 512 * MiB }, 'api'),
    ).toEqual({
      set: { Memory: 64 * MiB, MemorySwap: 64 * MiB },
      restore: { Memory: 256 * MiB, MemorySwap: 512 * MiB },
    });
    expect(() => limitCalls({ memory: 64 * MiB }, none, 'api')).toThrow(/api has no memory limit/);
  });
});
