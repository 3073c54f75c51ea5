import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultline, tempDir } from '../../support/cli.js';
import { uniquePrefix, waitFor } from '../../support/containers.js';
import {
  freePort,
  loadImages,
  type PodmanService,
  podman,
  podmanState,
  removePodmanTestContainers,
  startPodmanService,
} from '../../support/podman.js';
import { freshStateDir } from '../../support/safety.js';

/**
 * Where Podman's Docker-compatible API answers differently from Docker's, faultline must still see
 * what it needs, or refuse before injecting anything.
 */
const prefix = uniquePrefix('podman-engine');
let service: PodmanService;

beforeAll(async () => {
  service = await startPodmanService();
  await loadImages();
});

afterAll(async () => {
  await removePodmanTestContainers(prefix);
  await service?.stop();
});

/** Rules in the host's own network namespace that faultline tags with its comment. */
async function hostFaultlineRules(): Promise<string[]> {
  const saved = await execa('iptables-save', [], { reject: false });
  return saved.stdout.split('\n').filter((line) => line.includes('faultline run='));
}

describe('Podman’s Docker-compatible API', () => {
  it('a container on the host’s network is refused before anything is injected (exit 3), as with Docker', async () => {
    // Podman's container list carries no HostConfig: without a closer look this target looks isolated.
    const port = await freePort();
    const name = `${prefix}-hostnet`;
    await podman(
      ...['run', '-d', '--name', name, '--label', `org.faultline.test=${prefix}`, '--network', 'host'],
      ...['--env', `PORT=${port}`, 'faultline-fixture-node:latest', '/app/backend.mjs'],
    );
    await waitFor(`${name} to listen`, async () => (await podman('logs', name)).includes('listening'));
    const file = path.join(await tempDir(), 'hostnet.yaml');
    await writeFile(
      file,
      [
        'title: blackhole a container on the host network',
        'hypothesis:',
        '  - name: backend answers',
        `    http: { url: "http://127.0.0.1:${port}/health" }`,
        'method:',
        `  - blackhole: { target: { name: ${name} }, duration: 2s }`,
      ].join('\n'),
    );
    const rulesBefore = await hostFaultlineRules();
    const result = await faultline(['run', file], {
      env: { DOCKER_HOST: service.dockerHost, FAULTLINE_STATE_DIR: await freshStateDir() },
    });
    expect(result.all).toContain(
      `${name} shares the host's network: a blackhole fault there would hit the host itself`,
    );
    expect(result.all).toContain('nothing was injected');
    expect(result.all).not.toMatch(/ {3}inject {3}/);
    expect(result.exitCode).toBe(3);
    expect(await hostFaultlineRules()).toEqual(rulesBefore);
    expect((await podmanState(name)).running).toBe(true);
  });

  it('doctor names Podman and finds the helper image in it', async () => {
    const result = await faultline(['doctor'], { env: { DOCKER_HOST: service.dockerHost } });
    expect(result.stdout).toMatch(
      /^ok {3}Podman \d+\.\d+\.\d+, Docker-compatible API 1\.\d+, at unix:\/\/\/\S+\.sock \(from DOCKER_HOST\)$/m,
    );
    expect(result.stdout).not.toContain('Docker Engine');
    expect(result.stdout).toMatch(/^ok {3}helper image faultline\/nettools:1: present$/m);
    // Every kernel feature is checked (in a scratch namespace) and the run ends with a verdict line.
    expect(result.stdout).toMatch(/kernel: iptables/);
    expect([0, 3]).toContain(result.exitCode);
  });
});
