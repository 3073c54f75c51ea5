import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/cli.js';
import { httpOk, uniquePrefix, waitFor } from '../../support/containers.js';
import {
  freePort,
  loadImages,
  type PodmanService,
  podmanHelpers,
  podmanState,
  removePodmanTestContainers,
  startPodmanContainer,
  startPodmanService,
} from '../../support/podman.js';
import { freshStateDir, startFaultline } from '../../support/safety.js';

/**
 * The container faults run by the CLI against Podman's Docker-compatible API (DOCKER_HOST names a
 * `podman system service` socket): the container's state is read with the podman CLI while the fault
 * is in place and after the run, and the verdict comes from an http probe on a port Podman publishes
 * on 127.0.0.1.
 */
const prefix = uniquePrefix('podman-faults');
let service: PodmanService;
let port: number;
const name = `${prefix}-backend`;

beforeAll(async () => {
  service = await startPodmanService();
  await loadImages();
  port = await freePort();
  await startPodmanContainer(prefix, { name: 'backend', publish: `127.0.0.1:${port}:8080` });
  await waitFor('the backend to answer through the published port', () =>
    httpOk(`http://127.0.0.1:${port}/health`),
  );
});

afterAll(async () => {
  await removePodmanTestContainers(prefix);
  await service?.stop();
});

async function experiment(step: string, when: string): Promise<string> {
  const file = path.join(await tempDir(), 'podman.yaml');
  await writeFile(
    file,
    [
      'title: a container fault on Podman',
      'hypothesis:',
      '  - name: backend answers',
      `    http: { url: "http://127.0.0.1:${port}/health" }`,
      '    timeout: 500ms',
      '    every: 250ms',
      `    when: ${when}`,
      'method:',
      `  - ${step}`,
      'recovery: 15s',
    ].join('\n'),
  );
  return file;
}

/** Runs the fault, reads the container's state once it is injected, and waits for the run's end. */
async function runFault(step: string, when = '[before, during, after]') {
  const cli = startFaultline(['run', await experiment(step, when)], await freshStateDir(), {
    DOCKER_HOST: service.dockerHost,
  });
  await cli.waitForInjected(1);
  const during = await podmanState(name);
  const finished = await cli.finished;
  return { exitCode: finished.exitCode, text: cli.text, during, after: await podmanState(name) };
}

describe('container faults through Podman’s Docker-compatible API', () => {
  it('pause freezes the container (the probe misses: exit 1) and the revert unpauses it', async () => {
    const run = await runFault(`pause: { target: { name: ${name} }, duration: 2s }`);
    expect(run.during).toMatchObject({ status: 'paused', paused: true });
    expect(run.text).toMatch(/during\s+MISS backend answers/);
    expect(run.text).toMatch(/revert\s+\S+-backend: unpaused after/);
    expect(run.text).toMatch(/DEVIATED/);
    expect(run.exitCode).toBe(1);
    expect(run.after).toMatchObject({ status: 'running', paused: false });
    expect(await httpOk(`http://127.0.0.1:${port}/health`)).toBe(true);
  });

  it('kill exits the container and the revert starts it again (checked before and after: exit 0)', async () => {
    const before = await podmanState(name);
    const run = await runFault(
      `kill: { target: { name: ${name} }, signal: SIGKILL, duration: 1s }`,
      '[before, after]',
    );
    expect(run.during).toMatchObject({ status: 'exited', running: false });
    expect(run.text).toMatch(/inject\s+\S+-backend: killed with SIGKILL/);
    expect(run.text).toMatch(/revert\s+\S+-backend: started after/);
    expect(run.exitCode).toBe(0);
    expect(run.after.running).toBe(true);
    expect(run.after.startedAt).not.toBe(before.startedAt);
  });

  it('stop exits the container within its grace (the probe misses: exit 1); the revert starts it', async () => {
    const run = await runFault(`stop: { target: { name: ${name} }, grace: 1s, duration: 2s }`);
    expect(run.during).toMatchObject({ status: 'exited', running: false });
    expect(run.text).toMatch(/inject\s+\S+-backend: stopped \(grace 1s\)/);
    expect(run.exitCode).toBe(1);
    expect(run.after).toMatchObject({ status: 'running', running: true });
  });

  it('restart gives the container a new process and start time; it runs after (exit 0)', async () => {
    const before = await podmanState(name);
    const run = await runFault(`restart: { target: { name: ${name} }, grace: 1s }`, '[before, after]');
    expect(run.text).toMatch(/inject\s+\S+-backend: restarted/);
    expect(run.during.running).toBe(true);
    expect(run.during.pid).not.toBe(before.pid);
    expect(run.during.startedAt).not.toBe(before.startedAt);
    expect(run.exitCode).toBe(0);
    expect(run.after).toMatchObject({ status: 'running', paused: false });
    expect(await podmanHelpers()).toEqual([]);
  });
});
