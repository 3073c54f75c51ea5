import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultline, tempDir, writeExperiment } from '../../support/cli.js';
import { removeTestContainers, uniquePrefix } from '../../support/containers.js';
import { docker } from '../../support/docker-cli.js';
import { processStates, startSleeper } from '../../support/limits.js';
import { freshStateDir } from '../../support/safety.js';
import { containersIn, proxyHelperImage, removeImage } from '../proxy/http-client.js';

/** `faultline plan` and `faultline run` with a signal step and --via helper, as a user runs them. */
const prefix = uniquePrefix('signal-helper-cli');
let image = '';
let name = '';
let dir = '';

beforeAll(async () => {
  image = await proxyHelperImage(prefix);
  name = await startSleeper(prefix, 'a');
  dir = await tempDir();
});
afterAll(async () => {
  await removeTestContainers(prefix);
  if (image) await removeImage(image);
});

async function cli(command: 'plan' | 'run', via: string, step: string) {
  const text = [
    'title: signals',
    'hypothesis:',
    '  - name: always',
    '    command: ["true"]',
    'method:',
    step,
  ];
  const file = await writeExperiment(dir, `${command}-${Date.now()}.yaml`, text.join('\n'));
  const result = await faultline([command, file, '--via', via, '--helper-image', image], {
    env: { FAULTLINE_STATE_DIR: await freshStateDir() },
  });
  return { exitCode: result.exitCode, all: String(result.all) };
}

describe('signal steps with --via helper from the command line', () => {
  it('plan names the helper that will send the signal, and changes nothing', async () => {
    const planned = await cli(
      'plan',
      'helper',
      `  - signal: { target: { name: ${name} }, signal: SIGSTOP, process: sleep, all: true, duration: 1s }`,
    );
    expect(planned.exitCode, planned.all).toBe(0);
    expect(planned.all).toContain(
      `kill -STOP <PIDs of every process named "sleep" in ${name}, inside its PID namespace> (listed from /proc and sent from a helper: docker run --rm --pid container:${name} --network none --cgroupns host ${image})`,
    );
    expect(planned.all).toMatch(/network +via helper: .*helper image/);
    expect(await processStates(name)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
  });

  it('run stops for the duration through a helper and continues after: exit 0, no helper left', async () => {
    const result = await cli(
      'run',
      'helper',
      `  - signal: { target: { name: ${name} }, signal: SIGSTOP, process: sleep, count: 1, duration: 500ms }`,
    );
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(
      /inject .*SIGSTOP sent to sleep\[\d+\] \(PIDs in the container, from a helper\)/,
    );
    expect(result.all).toMatch(/revert .*continued sleep\[\d+\]/);
    expect(await processStates(name)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
    expect(await containersIn(await docker('inspect', '--format', '{{.Id}}', name))).toEqual([]);
  });

  it('--via exec is refused before anything is signalled (exit 3), naming the ways that work', async () => {
    const result = await cli(
      'run',
      'exec',
      `  - signal: { target: { name: ${name} }, signal: SIGSTOP, process: sleep, count: 1, duration: 500ms }`,
    );
    expect(result.exitCode, result.all).toBe(3);
    expect(result.all).toContain(
      `signal on ${name} works only through the nsenter or helper way into its target, and this run goes in via exec (nothing was injected)`,
    );
    expect(await processStates(name)).toEqual(['sh:S', 'sleep:S', 'sleep:S']);
  });
});
