import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultline, tempDir, writeExperiment } from '../support/cli.js';
import { removeTestContainers, uniquePrefix } from '../support/containers.js';
import { inspectLimits, processStates, startSleeper } from '../support/limits.js';
import { freshStateDir } from '../support/safety.js';

/** `faultline plan` and `faultline run` with limit and signal steps, as a user runs them. */
const prefix = uniquePrefix('e2e-res');
let a = '';
let dir = '';

beforeAll(async () => {
  a = await startSleeper(prefix, 'a', ['--memory', '128m']);
  await startSleeper(prefix, 'b', ['--memory', '128m']);
  dir = await tempDir();
});
afterAll(async () => {
  await removeTestContainers(prefix);
});

const experiment = (method: string[]) =>
  ['title: resources', 'hypothesis:', '  - name: always', '    command: ["true"]', 'method:', ...method].join(
    '\n',
  );

async function run(command: 'plan' | 'run', method: string[]) {
  const file = await writeExperiment(dir, `${command}-${Date.now()}.yaml`, experiment(method));
  const result = await faultline([command, file], { env: { FAULTLINE_STATE_DIR: await freshStateDir() } });
  return { ...result, file, all: String(result.all) };
}

describe('limit and signal steps from the command line', () => {
  it('plan prints the docker update and the kill that a run would make, and changes nothing', async () => {
    const before = await inspectLimits(a);
    const planned = await run('plan', [
      `  - limit: { target: { name: ${a} }, cpus: 0.5, memory: 64m, pids: 20, duration: 1s }`,
      `  - signal: { target: { name: ${a} }, signal: SIGSTOP, process: sleep, all: true, duration: 1s }`,
    ]);
    expect(planned.exitCode, planned.all).toBe(0);
    expect(planned.all).toContain(`docker update --cpus 0.5 --memory 64m --pids-limit 20 ${a}`);
    expect(planned.all).toContain(`kill -STOP <host PIDs of every process named "sleep" in ${a}>`);
    expect(planned.all).toContain('revert: kill -CONT <those PIDs>');
    expect(await inspectLimits(a)).toBe(before);
  });

  it('run limits and stops for the duration, then everything is as before: exit 0', async () => {
    const before = await inspectLimits(a);
    const result = await run('run', [
      `  - limit: { target: { name: ${a} }, cpus: 0.5, memory: 64m, pids: 20, duration: 500ms }`,
      `  - signal: { target: { name: ${a} }, signal: SIGSTOP, process: sleep, count: 1, duration: 500ms }`,
    ]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(
      /inject .*limited: CpuQuota=50000 Memory=67108864 MemorySwap=67108864 PidsLimit=20/,
    );
    expect(result.all).toMatch(
      /revert .*limits restored \(CpuQuota=-1 Memory=134217728 MemorySwap=268435456/,
    );
    expect(result.all).toMatch(/inject .*SIGSTOP sent to sleep\[\d+\]/);
    expect(result.all).toMatch(/revert .*continued sleep\[\d+\]/);
    expect(await processStates(a)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    // Memory exactly as before; no CPU or pids limit before, none after (in the Engine's words for it).
    expect(await inspectLimits(a)).toBe(
      before.replace('CpuQuota=0', 'CpuQuota=-1').replace('PidsLimit=null', 'PidsLimit=0'),
    );
  });

  it('a signal that matches no process errors (exit 3) and names the processes there are', async () => {
    const result = await run('run', [
      `  - signal: { target: { name: ${a} }, signal: SIGTERM, process: nginx }`,
    ]);
    expect(result.exitCode, result.all).toBe(3);
    expect(result.all).toMatch(
      new RegExp(
        `no process of ${a} named "nginx" \\(its processes: sh\\[\\d+\\], sleep\\[\\d+\\], sleep\\[\\d+\\]\\)`,
      ),
    );
    expect(result.all).not.toMatch(/\n\s+at /);
    expect(await processStates(a)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
  });

  it('an impossible value is invalid input (exit 2) with file:line:column', async () => {
    const result = await run('run', [`  - limit: { target: { name: ${a} }, memory: 4m }`]);
    expect(result.exitCode).toBe(2);
    expect(result.all).toContain(
      `${result.file}:6:${`  - limit: { target: { name: ${a} }, memory: `.length + 1} method[0].limit.memory: expected at least 6m`,
    );
  });

  it('max-targets applies: a limit that would touch two containers is refused before anything changes', async () => {
    const before = await inspectLimits(a);
    const result = await run('run', [
      `  - limit: { target: { pattern: "^${prefix}-" }, pids: 10, max-targets: 1 }`,
    ]);
    expect(result.exitCode, result.all).toBe(3);
    expect(result.all).toMatch(/max-targets/);
    expect(await inspectLimits(a)).toBe(before);
  });
});
