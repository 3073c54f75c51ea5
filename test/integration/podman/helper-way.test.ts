import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/dockerode-client.js';
import { resolveEndpoint } from '../../../src/docker/endpoint.js';
import { HelperRunner, TargetGoneError } from '../../../src/network/netns-runner.js';
import type { Target } from '../../../src/targets/target.js';
import { tempDir } from '../../support/cli.js';
import { uniquePrefix, waitFor } from '../../support/containers.js';
import {
  HELPER_IMAGE,
  loadImages,
  type PodmanService,
  podman,
  removePodmanTestContainers,
  startPodmanContainer,
  startPodmanService,
} from '../../support/podman.js';
import { freshStateDir, startFaultline } from '../../support/safety.js';

/**
 * Helpers in Podman take their commands on an attached stdin as in the Docker Engine, and every
 * helper is removed, also one whose program ended before the run did (its target stopped).
 */
const prefix = uniquePrefix('podman-helper');
let service: PodmanService;

beforeAll(async () => {
  service = await startPodmanService();
  await loadImages();
}, 120_000);

afterAll(async () => {
  await removePodmanTestContainers(prefix);
  await service?.stop();
});

/** Helpers of this run in Podman, each with its command line. */
async function helpersOf(runId: string): Promise<string[]> {
  const out = await podman(
    ...['ps', '-a', '--filter', `label=org.faultline.run-id=${runId}`],
    ...['--no-trunc', '--format', '{{.Status}}|{{printf "%.17s" .Command}}'],
  );
  return out.split('\n').filter(Boolean);
}

async function target(name: string): Promise<Target> {
  const id = await startPodmanContainer(prefix, { name });
  return { id, name: `${prefix}-${name}` };
}

describe('the helper way on Podman', () => {
  it('answers commands through one attached helper, which is gone after dispose', async () => {
    const client = createDockerClient(resolveEndpoint({ host: service.dockerHost }));
    const runner = new HelperRunner(client, HELPER_IMAGE, `${prefix}-a`);
    const a = await target('a');
    try {
      for (let i = 0; i < 10; i++) {
        const input = `line ${i}\n`;
        expect(await runner.run(a, ['cat'], { input })).toEqual({ exitCode: 0, stdout: input, stderr: '' });
      }
      expect((await runner.run(a, ['iptables', '-S', 'INPUT'])).stdout).toContain('-P INPUT ACCEPT');
      // One helper, running the session program (not a sleeping helper reached by exec).
      const helpers = await helpersOf(`${prefix}-a`);
      expect(helpers).toHaveLength(1);
      expect(helpers[0]).toMatch(/^Up .*\|sh -c mkdir -p/);
    } finally {
      await runner.dispose();
    }
    expect(await helpersOf(`${prefix}-a`)).toEqual([]);
  });

  it('removes a helper whose target stopped, and reports the target gone', async () => {
    const client = createDockerClient(resolveEndpoint({ host: service.dockerHost }));
    const runner = new HelperRunner(client, HELPER_IMAGE, `${prefix}-b`);
    const b = await target('b');
    try {
      expect((await runner.run(b, ['true'])).exitCode).toBe(0);
      await podman('stop', '-t', '1', b.name);
      // The helper shares the target's PID namespace: it ended with the target.
      await waitFor('the helper to end', async () =>
        /^Exited/.test((await helpersOf(`${prefix}-b`))[0] ?? ''),
      );
      await expect(runner.run(b, ['iptables', '-S'])).rejects.toBeInstanceOf(TargetGoneError);
      // Removed at once, not at dispose.
      expect(await helpersOf(`${prefix}-b`)).toEqual([]);
    } finally {
      await runner.dispose();
    }
  });

  it('a run whose target stops during a blackhole through a helper leaves no helper behind', async () => {
    const name = `${prefix}-c`;
    await startPodmanContainer(prefix, { name: 'c' });
    const file = path.join(await tempDir(), 'blackhole.yaml');
    await writeFile(
      file,
      [
        'title: blackhole a Podman container through a helper',
        'hypothesis:',
        '  - name: the host answers',
        '    command: ["true"]',
        'method:',
        `  - blackhole: { target: { name: ${name} }, duration: 6s }`,
      ].join('\n'),
    );
    const cli = startFaultline(['run', file, '--via', 'helper'], await freshStateDir(), {
      DOCKER_HOST: service.dockerHost,
    });
    const runId = await cli.runId();
    await cli.waitForInjected(1);
    const during = await helpersOf(runId);
    await podman('stop', '-t', '1', name);
    const finished = await cli.finished;
    expect(cli.text).toContain('network faults via helper');
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(/^Up .*\|sh -c mkdir -p/);
    expect(cli.text).toContain(
      `revert   ${name}: its rules were already gone (the container stopped or restarted)`,
    );
    expect(finished.exitCode).toBe(0);
    expect(await helpersOf(runId)).toEqual([]);
  });
});
