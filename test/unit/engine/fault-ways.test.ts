import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMPOSE_PROJECT, COMPOSE_SERVICE } from '../../../src/docker/labels.js';
import { runExperiment } from '../../../src/engine/run-experiment.js';
import { parseExperiment } from '../../../src/experiment/load.js';
import type { JournalEntry } from '../../../src/model/journal.js';
import type { Via } from '../../../src/network/netns-runner.js';
import { NetworkContext } from '../../../src/network/network-fault.js';
import { DockerPlatform } from '../../../src/platform/docker/docker-platform.js';
import type { Platform } from '../../../src/platform/platform.js';
import { FakeDocker } from '../support/fake-docker.js';
import { FakeNetnsRunner, ok } from '../support/fakes.js';

/**
 * A fault family that can work through some ways into a namespace only (the proxy: nsenter, helper) is
 * refused before anything at all is injected when the run goes in another way.
 */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'faultline-ways-'));
  writeFileSync(path.join(dir, 'health.txt'), 'ok');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The Docker platform, except that the way into namespaces is a fake runner that says it is `via`. */
function platformVia(docker: FakeDocker, via: Via): { platform: Platform; runner: FakeNetnsRunner } {
  const runner = new FakeNetnsRunner(() => ok(''));
  Object.defineProperty(runner, 'via', { value: via });
  const platform = new DockerPlatform(docker);
  platform.enterNetwork = async () => ({
    network: new NetworkContext(runner),
    why: `${via}: as the test says`,
  });
  platform.checkFeatures = async () => {};
  return { platform, runner };
}

const EXPERIMENT = `title: t
hypothesis:
  - name: shop answers
    command: [cat, health.txt]
    expect: { stdout: { equals: ok } }
method:
  - parallel:
      - pause: { target: { service: db }, duration: 1s }
      - http-abort: { target: { service: api }, port: 8080, status: 503, duration: 1s }
`;

describe('fault families and the ways into a namespace', () => {
  it('an http fault through the exec way is refused before the pause beside it is injected', async () => {
    const docker = new FakeDocker([
      { name: 'shop-api-1', labels: { [COMPOSE_PROJECT]: 'shop', [COMPOSE_SERVICE]: 'api' } },
      { name: 'shop-db-1', labels: { [COMPOSE_PROJECT]: 'shop', [COMPOSE_SERVICE]: 'db' } },
    ]);
    const { platform, runner } = platformVia(docker, 'exec');
    const events: JournalEntry[] = [];
    const result = await runExperiment(parseExperiment(EXPERIMENT, path.join(dir, 'e.yaml'), {}), {
      docker,
      platform,
      reporter: {
        name: 'test',
        onEvent: (entry) => {
          events.push(entry);
        },
      },
      seed: 1,
      signal: new AbortController().signal,
    });
    expect(result.exitCode).toBe(3);
    expect(result.outcome).toBe('errored');
    expect(result.summary).toContain(
      'http-abort on shop-api-1 works only through the nsenter or helper way into its target, and this run goes in via exec (nothing was injected)',
    );
    expect(docker.callsTo('pause')).toEqual([]);
    expect(runner.calls).toEqual([]);
    expect(events.filter((entry) => entry.type === 'fault-injected')).toEqual([]);
  });

  it('a fault whose own preflight fails (stress on a rootless Engine) is refused before the pause beside it is injected', async () => {
    const docker = new FakeDocker([
      { name: 'shop-api-1', labels: { [COMPOSE_PROJECT]: 'shop', [COMPOSE_SERVICE]: 'api' } },
      { name: 'shop-db-1', labels: { [COMPOSE_PROJECT]: 'shop', [COMPOSE_SERVICE]: 'db' } },
    ]);
    Object.assign(docker, {
      cgroupSetup: async () => ({ driver: 'systemd', version: '2', securityOptions: ['name=rootless'] }),
    });
    const { platform } = platformVia(docker, 'nsenter');
    const experiment = EXPERIMENT.replace(
      '- http-abort: { target: { service: api }, port: 8080, status: 503, duration: 1s }',
      '- cpu-stress: { target: { service: api }, workers: 1, duration: 1s }',
    );
    const result = await runExperiment(parseExperiment(experiment, path.join(dir, 'e.yaml'), {}), {
      docker,
      platform,
      reporter: { name: 'test', onEvent: () => {} },
      seed: 1,
      signal: new AbortController().signal,
    });
    expect(result.exitCode).toBe(3);
    expect(result.summary).toContain('cpu-stress on shop-api-1 cannot be made from here: stress faults need');
    expect(result.summary).toContain('this Engine runs rootless (cgroup v2, systemd driver)');
    expect(result.summary).toContain('(nothing was injected)');
    expect(docker.callsTo('pause')).toEqual([]);
    expect(docker.callsTo('runHelper')).toEqual([]);
  });

  it("a signal step is refused before the pause beside it when the target's processes are not visible from here", async () => {
    const docker = new FakeDocker([
      { name: 'shop-api-1', labels: { [COMPOSE_PROJECT]: 'shop', [COMPOSE_SERVICE]: 'api' } },
      { name: 'shop-db-1', labels: { [COMPOSE_PROJECT]: 'shop', [COMPOSE_SERVICE]: 'db' } },
    ]);
    const { platform } = platformVia(docker, 'nsenter');
    const experiment = EXPERIMENT.replace(
      '- http-abort: { target: { service: api }, port: 8080, status: 503, duration: 1s }',
      '- signal: { target: { service: api }, signal: SIGSTOP, process: node, duration: 1s }',
    );
    const result = await runExperiment(parseExperiment(experiment, path.join(dir, 'e.yaml'), {}), {
      docker,
      platform,
      reporter: { name: 'test', onEvent: () => {} },
      seed: 1,
      signal: new AbortController().signal,
    });
    expect(result.exitCode).toBe(3);
    expect(result.summary).toContain(
      'signal on shop-api-1 cannot be made from here: the processes of shop-api-1 are not visible from here',
    );
    expect(result.summary).toContain('(nothing was injected)');
    expect(docker.callsTo('pause')).toEqual([]);
  });
});
