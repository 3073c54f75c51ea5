import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../../support/cli.js';
import { httpOk, uniquePrefix, waitFor } from '../../support/containers.js';
import { TEST_LABEL } from '../../support/docker-cli.js';
import {
  freePort,
  loadImages,
  type PodmanService,
  podman,
  podmanHelpers,
  podmanState,
  removePodmanTestContainers,
  startPodmanService,
} from '../../support/podman.js';
import { freshStateDir, startFaultline } from '../../support/safety.js';

/**
 * The demo stack (fixtures/demo) brought up in Podman by a real compose tool (Debian's docker-compose
 * v1 with DOCKER_HOST on Podman's socket), and the repository's own experiments run against it: targets
 * are found by their compose project and service labels, and a network fault goes in through a helper
 * container sharing the target's namespace (`--via helper`).
 */
const project = uniquePrefix('podman-compose');
const SERVICES = ['backend-a', 'backend-b', 'gateway', 'gateway-fragile'];
const container = (service: string) => `${project}_${service}_1`;
let service: PodmanService;
let env: Record<string, string>;
let composeFiles: string[];

function compose(...args: string[]) {
  const files = composeFiles.flatMap((file) => ['-f', file]);
  return execa('docker-compose', ['-p', project, ...files, ...args], {
    env,
    reject: false,
    all: true,
    timeout: 180_000,
  });
}

beforeAll(async () => {
  service = await startPodmanService();
  await loadImages();
  // The demo's compose file, with the test label on every service so the suite's teardown finds leftovers.
  const override = path.join(await tempDir(), 'test-labels.yml');
  const labels = SERVICES.map((name) => `  ${name}:\n    labels:\n      ${TEST_LABEL}: ${project}`);
  await writeFile(override, ['version: "2.4"', 'services:', ...labels].join('\n'));
  composeFiles = [path.join(REPO, 'fixtures/demo/docker-compose.yml'), override];
  env = {
    DOCKER_HOST: service.dockerHost,
    FAULTLINE_DEMO_PROJECT: project,
    FAULTLINE_DEMO_PORT: String(await freePort()),
    FAULTLINE_DEMO_FRAGILE_PORT: String(await freePort()),
  };
  const up = await compose('up', '-d');
  if (up.exitCode !== 0) throw new Error(`docker-compose up against Podman failed:\n${up.all}`);
  for (const port of [env.FAULTLINE_DEMO_PORT, env.FAULTLINE_DEMO_FRAGILE_PORT])
    await waitFor(`checkout on ${port}`, () => httpOk(`http://127.0.0.1:${port}/checkout`), 30_000);
}, 240_000);

afterAll(async () => {
  if (composeFiles) await compose('down', '-v', '-t', '1');
  await removePodmanTestContainers(project);
  await service?.stop();
});

/** From inside `from`, whether a TCP connection to `to`:8080 opens within 1.5s. */
async function connects(from: string, to: string): Promise<string> {
  const script = `const s=require('net').connect(8080,'${to}');s.setTimeout(1500,()=>{console.log('timeout');process.exit()});s.on('connect',()=>{console.log('connected');process.exit()});s.on('error',(e)=>{console.log(e.code);process.exit()})`;
  return podman('exec', container(from), 'node', '-e', script);
}

async function run(file: string, args: string[] = []) {
  const cli = startFaultline(
    ['run', path.join(REPO, 'experiments', file), ...args],
    await freshStateDir(),
    env,
  );
  return cli;
}

describe('a compose stack in Podman', () => {
  it('a service target resolves through the compose labels; only that container is paused (exit 0)', async () => {
    const cli = await run('checkout-survives-backend-pause.yaml');
    await cli.waitForInjected(1);
    const during = Object.fromEntries(
      await Promise.all(SERVICES.map(async (name) => [name, (await podmanState(container(name))).status])),
    );
    const finished = await cli.finished;
    expect(cli.text).toContain(
      `targets  method[0] service ${project}/backend-a -> ${container('backend-a')}`,
    );
    expect(during).toEqual({
      'backend-a': 'paused',
      'backend-b': 'running',
      gateway: 'running',
      'gateway-fragile': 'running',
    });
    expect(cli.text).toMatch(/PASSED/);
    expect(finished.exitCode).toBe(0);
    expect((await podmanState(container('backend-a'))).status).toBe('running');
  });

  it('a blackhole through a helper drops backend-a’s traffic with the fragile gateway only, until the revert (exit 1)', async () => {
    expect(await connects('gateway-fragile', 'backend-a')).toBe('connected');
    const cli = await run('fragile-checkout-backend-blackhole.yaml', ['--via', 'helper']);
    await cli.waitForInjected(1);
    const dropped = await connects('gateway-fragile', 'backend-a');
    const otherGateway = await connects('gateway', 'backend-a');
    const helpersDuring = await podmanHelpers();
    const finished = await cli.finished;
    expect(cli.text).toContain('network faults via helper');
    expect(dropped).toBe('timeout');
    expect(otherGateway).toBe('connected');
    expect(helpersDuring).toHaveLength(1);
    expect(cli.text).toMatch(/during\s+MISS checkout answers/);
    expect(cli.text).toMatch(/revert\s+\S+backend-a_1: removed chains/);
    expect(finished.exitCode).toBe(1);
    expect(await connects('gateway-fragile', 'backend-a')).toBe('connected');
    expect(await podmanHelpers()).toEqual([]);
  });
});
