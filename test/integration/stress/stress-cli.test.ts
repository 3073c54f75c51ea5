import { afterAll, describe, expect, it } from 'vitest';
import { faultline, tempDir, writeExperiment } from '../../support/cli.js';
import { removeTestContainers, uniquePrefix } from '../../support/containers.js';
import { docker, FIXTURE_IMAGE, TEST_LABEL } from '../../support/docker-cli.js';

/** The built CLI on a memory stress past the target's limit: the run's output names the OOM kill. */

const prefix = uniquePrefix('stress-cli');

afterAll(async () => {
  await removeTestContainers(prefix);
});

describe('faultline run with a memory stress past the limit', () => {
  it('prints the exact helper in plan, and says the target was OOM-killed when it was', async () => {
    const name = `${prefix}-oom`;
    // The target holds 80MB itself, so with oom-first: largest it is the kernel's pick.
    const hold = 'const b = Buffer.alloc(80e6, 1); setInterval(() => b[0]++, 1000);';
    await docker(
      'run',
      '-d',
      '--name',
      name,
      '--label',
      `${TEST_LABEL}=${prefix}`,
      '--memory',
      '160m',
      '--memory-swap',
      '160m',
      FIXTURE_IMAGE,
      '-e',
      hold,
    );
    const file = await writeExperiment(
      await tempDir(),
      'oom.yaml',
      [
        'title: memory past the limit',
        'hypothesis:',
        '  - name: always',
        '    command: ["true"]',
        'method:',
        `  - memory-stress: { target: { name: ${name} }, size: 120MiB, oom-first: largest, duration: 4s }`,
      ].join('\n'),
    );
    const plan = await faultline(['plan', file]);
    expect(plan.exitCode).toBe(0);
    expect(plan.all).toMatch(
      new RegExp(
        `docker run -d --name faultline-stress-plan0000-memory-stress-1 --pid container:${name} --cgroupns host -v /sys/fs/cgroup:/faultline-cgroup --network none faultline/stress:1 \\[join the cgroups of ${name}'s first process: echo \\$\\$ > /faultline-cgroup/<path in /proc/1/cgroup>/cgroup.procs\\] stress-ng --vm 1 --vm-bytes 125829120`,
      ),
    );
    const run = await faultline(['run', file]);
    expect(run.all).toMatch(
      new RegExp(
        `revert +${name}: removed helper faultline-stress-\\w+-memory-stress-1; the target ${name} was OOM-killed \\(State.OOMKilled, exit code 137\\)`,
      ),
    );
    expect(run.exitCode).toBe(0);
    expect(
      await docker(
        'ps',
        '-a',
        '--filter',
        'name=faultline-stress-',
        '--filter',
        `label=org.faultline.target-id`,
        '--format',
        '{{.Names}}',
      ),
    ).not.toContain('memory-stress');
  });
});
