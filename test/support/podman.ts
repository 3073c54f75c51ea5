import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { waitFor } from './containers.js';
import { docker, FIXTURE_IMAGE, TEST_LABEL } from './docker-cli.js';
import { freePort } from './ports.js';

export { freePort };

/**
 * Podman as the engine behind DOCKER_HOST: a `podman system service` of the test file's own on a
 * socket under /tmp, the fixture and helper images copied in from Docker (`docker save | podman
 * load`), and test containers made with the podman CLI, labelled like Docker test containers so the
 * suite's teardown finds any left behind. `bash scripts/setup-podman.sh` installs and configures Podman.
 */

export const HELPER_IMAGE = 'faultline/nettools:1';

/** Runs the podman CLI with an argument list; throws with stderr when it fails. */
export async function podman(...args: string[]): Promise<string> {
  const result = await execa('podman', args, { reject: false });
  if (result.exitCode !== 0)
    throw new Error(`podman ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  return result.stdout.trim();
}

export async function podmanInstalled(): Promise<boolean> {
  const result = await execa('podman', ['version', '--format', '{{.Client.Version}}'], { reject: false });
  return result.exitCode === 0;
}

export interface PodmanService {
  /** unix:///tmp/...sock, for DOCKER_HOST */
  dockerHost: string;
  socket: string;
  stop(): Promise<void>;
}

/** Starts `podman system service` on a fresh socket and waits until its Docker-compatible API answers. */
export async function startPodmanService(): Promise<PodmanService> {
  if (!(await podmanInstalled())) {
    throw new Error(
      'podman does not run here: run `bash scripts/setup-podman.sh` (installs and configures it)',
    );
  }
  const socket = path.join(tmpdir(), `faultline-podman-${randomBytes(4).toString('hex')}.sock`);
  const dockerHost = `unix://${socket}`;
  const child = execa('podman', ['system', 'service', '--time=0', dockerHost], {
    reject: false,
    stdin: 'ignore',
    all: true,
  });
  const output: string[] = [];
  child.all?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  try {
    await waitFor(
      `podman system service on ${socket}`,
      async () => {
        if (child.exitCode !== null) throw new Error('exited');
        const ping = await execa('docker', ['version', '--format', '{{.Server.Version}}'], {
          env: { DOCKER_HOST: dockerHost },
          reject: false,
        });
        return ping.exitCode === 0;
      },
      20_000,
    );
  } catch (error) {
    child.kill();
    throw new Error(`podman system service did not answer: ${(error as Error).message}\n${output.join('')}`);
  }
  return {
    dockerHost,
    socket,
    async stop() {
      child.kill('SIGTERM');
      await child;
      if (existsSync(socket)) await rm(socket, { force: true });
    },
  };
}

/** The image's id in Docker and in Podman (Podman prints it without the sha256: prefix). */
async function imageIds(image: string): Promise<{ docker: string; podman: string | undefined }> {
  const inDocker = (await docker('image', 'inspect', '--format', '{{.Id}}', image)).replace(/^sha256:/, '');
  const inPodman = await execa('podman', ['image', 'inspect', '--format', '{{.Id}}', image], {
    reject: false,
  });
  return {
    docker: inDocker,
    podman: inPodman.exitCode === 0 ? inPodman.stdout.trim().replace(/^sha256:/, '') : undefined,
  };
}

/**
 * Copies the images from Docker into Podman (there is no registry), unless Podman already has them
 * with the same id. Returns the images it copied.
 */
export async function loadImages(
  images: readonly string[] = [FIXTURE_IMAGE, HELPER_IMAGE],
): Promise<string[]> {
  const stale: string[] = [];
  for (const image of images) {
    const ids = await imageIds(image);
    if (ids.podman !== ids.docker) stale.push(image);
  }
  if (stale.length === 0) return [];
  // Through a file: a pipe between the two processes stalled once podman load had read the archive.
  const dir = await mkdtemp(path.join(tmpdir(), 'faultline-podman-load-'));
  try {
    const archive = path.join(dir, 'images.tar');
    await docker('save', '-o', archive, ...stale);
    await podman('load', '-i', archive);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  for (const image of stale) {
    const ids = await imageIds(image);
    if (ids.podman !== ids.docker)
      throw new Error(`${image} has id ${ids.podman} in Podman, ${ids.docker} in Docker`);
  }
  return stale;
}

export interface PodmanContainerState {
  status: string;
  paused: boolean;
  running: boolean;
  pid: number;
  startedAt: string;
}

export async function podmanState(name: string): Promise<PodmanContainerState> {
  const out = await podman(
    'inspect',
    '--format',
    '{{.State.Status}}|{{.State.Paused}}|{{.State.Running}}|{{.State.Pid}}|{{.State.StartedAt}}',
    name,
  );
  const [status, paused, running, pid, startedAt] = out.split('|');
  return {
    status: status!,
    paused: paused === 'true',
    running: running === 'true',
    pid: Number(pid),
    startedAt: startedAt!,
  };
}

/** Starts a fixture container in Podman, labelled as a test container; resolves with its id. */
export async function startPodmanContainer(
  prefix: string,
  spec: { name: string; publish?: string; network?: string; command?: string[] },
): Promise<string> {
  const args = ['run', '-d', '--name', `${prefix}-${spec.name}`, '--label', `${TEST_LABEL}=${prefix}`];
  args.push('--stop-timeout', '2');
  if (spec.publish) args.push('--publish', spec.publish);
  if (spec.network) args.push('--network', spec.network);
  return podman(...args, FIXTURE_IMAGE, ...(spec.command ?? ['/app/backend.mjs']));
}

/** Removes every Podman container and network labelled with this prefix. */
export async function removePodmanTestContainers(prefix: string): Promise<void> {
  const ids = await podman('ps', '-aq', '--filter', `label=${TEST_LABEL}=${prefix}`);
  if (ids) await podman('rm', '-f', '-v', ...ids.split('\n'));
  const networks = await podman('network', 'ls', '-q', '--filter', `label=${TEST_LABEL}=${prefix}`);
  if (networks) await podman('network', 'rm', '-f', ...networks.split('\n'));
}

/** Containers faultline created in Podman (helpers). */
export async function podmanHelpers(): Promise<string[]> {
  const out = await podman('ps', '-a', '--filter', 'label=org.faultline.helper', '--format', '{{.Names}}');
  return out.split('\n').filter(Boolean);
}
