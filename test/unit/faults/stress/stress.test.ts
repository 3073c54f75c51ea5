import { describe, expect, it } from 'vitest';
import { type ExperimentProblem, parseExperiment } from '../../../../src/experiment/load.js';
import { checkCgroupSetup, joinCommand } from '../../../../src/faults/stress/cgroup.js';
import { stressFamily } from '../../../../src/faults/stress/family.js';
import {
  describeHelper,
  helperId,
  parseSize,
  planCpu,
  planIo,
  planMemory,
} from '../../../../src/faults/stress/plan.js';

const HEAD = 'title: t\nhypothesis:\n  - name: p\n    command: [node, -v]\nmethod:\n';
const target = { id: 'abc123', name: 'api-1' };
const id = helperId('r1', 'cpu-stress-1');

function problemsOf(step: string): string[] {
  try {
    parseExperiment(`${HEAD}${step}`, 'exp.yaml', {});
  } catch (error) {
    return (error as { problems: ExperimentProblem[] }).problems.map(
      (problem) => `${problem.file}:${problem.line}:${problem.column} ${problem.path}: ${problem.message}`,
    );
  }
  return [];
}

function specOf(step: string) {
  return (parseExperiment(`${HEAD}${step}`, 'exp.yaml', {}).experiment.method[0] as { spec: unknown }).spec;
}

describe('stress steps in the experiment file', () => {
  it('reads each kind with its defaults', () => {
    expect(specOf('  - cpu-stress: { target: { name: api }, duration: 10s }\n')).toMatchObject({
      workers: 1,
      load: 100,
      duration: 10_000,
    });
    expect(specOf('  - memory-stress: { target: { name: api }, size: 80% }\n')).toMatchObject({
      size: '80%',
      workers: 1,
      'oom-first': 'helper',
    });
    expect(specOf('  - io-stress: { target: { name: api }, volume: data }\n')).toMatchObject({
      size: '64MiB',
      volume: 'data',
    });
  });

  it('points at the line of each impossible value', () => {
    expect(problemsOf('  - cpu-stress: { target: { name: api }, load: 150 }\n')).toEqual([
      expect.stringMatching(/^exp\.yaml:6:\d+ method\[0\]\.cpu-stress\.load: .*100/),
    ]);
    expect(problemsOf('  - cpu-stress: { target: { name: api }, workers: 0 }\n')).toEqual([
      expect.stringMatching(/^exp\.yaml:6:\d+ method\[0\]\.cpu-stress\.workers: /),
    ]);
    expect(problemsOf('  - memory-stress: { target: { name: api }, size: lots }\n')).toEqual([
      expect.stringMatching(/method\[0\]\.memory-stress\.size: expected a size such as 256MiB, or a share/),
    ]);
    expect(problemsOf('  - io-stress: { target: { name: api }, path: tmp }\n')).toEqual([
      expect.stringMatching(/io-stress\.path: expected an absolute path/),
    ]);
    expect(problemsOf('  - io-stress: { target: { name: api }, path: /tmp, volume: v }\n')).toEqual([
      expect.stringMatching(/io-stress\.volume: use either path or volume, not both/),
    ]);
  });
});

describe('stress plans', () => {
  it('cpu-stress: workers and load, and a timeout past the duration so stress-ng ends on its own', () => {
    const plan = planCpu({ target: { name: 'api' }, workers: 2, load: 60, duration: 10_000 }, id);
    expect(plan).toMatchObject({
      type: 'stress',
      kind: 'cpu-stress',
      helper: 'faultline-stress-r1-cpu-stress-1',
    });
    expect(plan.args).toEqual(['--cpu', '2', '--cpu-load', '60', '--timeout', '70s']);
  });

  it('memory-stress: the size split over the workers, each kept and touched once', () => {
    const plan = planMemory(
      { target: { name: 'api' }, size: '256MiB', workers: 2, 'oom-first': 'largest' },
      id,
    );
    expect(plan.args).toEqual([
      ...['--vm', '2', '--vm-bytes', String(128 * 1024 * 1024), '--vm-keep', '--vm-hang', '0'],
      ...['--vm-method', 'write64', '--no-oom-adjust'],
    ]);
    expect(
      planMemory({ target: { name: 'api' }, size: '50%', workers: 1, 'oom-first': 'helper' }, id).memoryShare,
    ).toEqual({
      percent: 50,
      workers: 1,
    });
  });

  it("io-stress: writes in the target's own root through its first process, or in a mounted volume", () => {
    const onTarget = planIo({ target: { name: 'api' }, workers: 1, size: '8MiB', path: '/data' }, id);
    expect(onTarget.args).toContain('/proc/1/root/data');
    const onVolume = planIo({ target: { name: 'api' }, workers: 1, size: '8MiB', volume: 'db' }, id);
    expect(onVolume.args).toContain('/faultline-io');
    expect(describeHelper(onVolume, target)).toContain('-v db:/faultline-io');
  });

  it('plan prints the exact helper: its name, namespaces, how it joins the cgroup, and stress-ng command', () => {
    const plan = planCpu({ target: { name: 'api' }, workers: 1, load: 100 }, id);
    expect(stressFamily.describe(plan, target, () => '')).toEqual({
      actions: [
        "docker run -d --name faultline-stress-r1-cpu-stress-1 --pid container:api-1 --cgroupns host -v /sys/fs/cgroup:/faultline-cgroup --network none faultline/stress:1 [join the cgroups of api-1's first process: echo $$ > /faultline-cgroup/<path in /proc/1/cgroup>/cgroup.procs] stress-ng --cpu 1 --cpu-load 100",
      ],
      reverts: [
        'docker stop -t 5 faultline-stress-r1-cpu-stress-1 && docker rm -f faultline-stress-r1-cpu-stress-1',
      ],
    });
  });

  it('sizes', () => {
    expect(parseSize('1GiB')).toBe(1024 ** 3);
    expect(parseSize('1.5MiB')).toBe(1.5 * 1024 ** 2);
    expect(parseSize('4096')).toBe(4096);
  });
});

describe('how a stress helper gets into the target cgroup', () => {
  it('joins it with a constant shell entry, needing the hierarchy of the pressure it makes', () => {
    const cpu = joinCommand('cpu-stress', ['--cpu', '1']);
    expect(cpu.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(cpu.slice(3)).toEqual(['faultline-join', 'cpu', '--cpu', '1']);
    expect(cpu[2]).toContain('< /proc/1/cgroup');
    expect(cpu[2]).toContain('exec stress-ng "$@"');
    expect(joinCommand('memory-stress', [])[4]).toBe('memory');
    expect(joinCommand('io-stress', [])[4]).toBe('blkio');
  });

  it('works on either cgroup version and driver; refuses rootless Engines and userns-remap with what to do', () => {
    for (const setup of [
      { driver: 'cgroupfs', version: '1' },
      { driver: 'systemd', version: '2', securityOptions: ['name=seccomp,profile=builtin', 'name=cgroupns'] },
    ]) {
      expect(() => checkCgroupSetup(setup)).not.toThrow();
    }
    expect(() =>
      checkCgroupSetup({ driver: 'systemd', version: '2', securityOptions: ['name=rootless'] }),
    ).toThrow(
      expect.objectContaining({
        code: 'STRESS_CGROUP_UNSUPPORTED',
        message: expect.stringMatching(/runs rootless/),
      }),
    );
    expect(() =>
      checkCgroupSetup({ driver: 'cgroupfs', version: '1', securityOptions: ['name=userns'] }),
    ).toThrow(/remaps user namespaces/);
  });
});
