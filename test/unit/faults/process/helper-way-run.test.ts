import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HelperSpec } from '../../../../src/docker/client.js';
import { FAULTLINE_HELPER, FAULTLINE_RUN_ID } from '../../../../src/docker/labels.js';
import { runExperiment } from '../../../../src/engine/run-experiment.js';
import { parseExperiment } from '../../../../src/experiment/load.js';
import { processFamily } from '../../../../src/faults/process/family.js';
import { HelperRunner } from '../../../../src/network/netns-runner.js';
import { NetworkContext } from '../../../../src/network/network-fault.js';
import { DockerPlatform } from '../../../../src/platform/docker/docker-platform.js';
import { FakeDocker } from '../../support/fake-docker.js';

/**
 * Through the helper way a signal step needs no view of the host's processes: the preflight that
 * refuses the nsenter way when the target's processes are not visible here does not apply, and the
 * processes are listed from a helper container in the target's PID namespace.
 */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'faultline-signal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const EXPERIMENT = `title: t
hypothesis:
  - name: always
    command: ["true"]
method:
  - signal: { target: { name: shop-api-1 }, signal: SIGSTOP, process: node, duration: 1s }
`;

describe('a signal step through the helper way', () => {
  it('is not refused for the host view of processes; it lists them from a helper in the target PID namespace', async () => {
    const docker = new FakeDocker([{ name: 'shop-api-1' }]);
    const platform = new DockerPlatform(docker);
    platform.enterNetwork = async () => ({
      network: new NetworkContext(new HelperRunner(docker, 'faultline/nettools:1', 'run1')),
      why: 'helper: as the test says',
    });
    platform.checkFeatures = async () => {};
    const result = await runExperiment(parseExperiment(EXPERIMENT, path.join(dir, 'e.yaml'), {}), {
      docker,
      platform,
      reporter: { name: 'test', onEvent: () => {} },
      seed: 1,
      signal: new AbortController().signal,
    });
    // The fake helper lists no process: the step errors with the usual message, not the host's.
    expect(result.exitCode).toBe(3);
    expect(result.summary).not.toContain('not visible from here');
    expect(result.summary).toContain('no process of shop-api-1 named "node" (its processes: none)');
    const helpers = docker.calls
      .filter((call) => call.op === 'runHelper')
      .map((call) => call.args[0] as HelperSpec);
    expect(helpers).toHaveLength(1);
    const target = (await docker.inspect('shop-api-1')).id;
    expect(helpers[0]).toMatchObject({
      image: 'faultline/nettools:1',
      pidMode: `container:${target}`,
      networkMode: 'none',
      cgroupnsMode: 'host',
      capAdd: [],
      labels: { [FAULTLINE_HELPER]: '1', [FAULTLINE_RUN_ID]: expect.any(String) },
    });
    // The helper is removed once it has done its part.
    expect(docker.callsTo('remove')).toHaveLength(1);
  });

  it("a dead run's helper may still send its signal: the watchdog looks again for a while, unlike for the host way", () => {
    const recipe = { type: 'process' as const, signal: 'SIGSTOP', stopped: [] };
    expect(processFamily.settleMs(recipe)).toBe(0);
    expect(processFamily.settleMs({ ...recipe, helper: { image: 'i', runId: 'r', faultId: 'f' } })).toBe(
      3_000,
    );
  });
});
