import { copyFile, mkdir, readFile, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildHelperImage,
  dockerfileHash,
  HELPER_DOCKERFILE,
  HELPER_IMAGE_HASH_LABEL,
  HELPER_IMAGE_LABEL,
  HELPER_IMAGE_TOOLS_LABEL,
  HELPER_IMAGE_WAY_LABEL,
  proxyProgramFiles,
  proxyProgramHash,
} from '../../src/platform/docker/helper-image/index.js';
import { faultline, tempDir, writeExperiment } from '../support/cli.js';
import { uniquePrefix } from '../support/containers.js';
import { docker, TEST_LABEL } from '../support/docker-cli.js';
import { helperContainers, NetworkLab } from '../support/network.js';
import { partitionUnderProbeExperiment } from '../support/partition-experiment.js';

/**
 * The Dockerfile way, on a host that cannot reach a registry: the base image is one faultline made
 * offline from this host's binaries (busybox, tc, ip, iptables, nft), tagged under a local name and
 * passed as --base, so the Dockerfile's install step finds every tool and downloads nothing. The image
 * the Engine builds from images/helper/Dockerfile must then carry a network fault of a real run.
 * A real pull of debian:bookworm-slim and its apt-get install are not exercised here.
 */
const prefix = uniquePrefix('helper-dockerfile');
const base = `faultline-test/helper-base:${prefix}`;
const built = `faultline-test/helper-dockerfile:${prefix}`;
const bare = `faultline-test/busybox-only:${prefix}`;
const lab = new NetworkLab(prefix);
let dir: string;

const labelsOf = async (image: string) =>
  JSON.parse(await docker('image', 'inspect', image, '--format', '{{json .Config.Labels}}')) as Record<
    string,
    string
  >;

beforeAll(async () => {
  await buildHelperImage({ image: base, from: 'host', force: true });
  await lab.start([{ service: 'a' }, { service: 'b' }]);
  dir = await tempDir();
});

afterAll(async () => {
  await lab.remove();
  for (const image of [built, base, bare])
    await docker('image', 'rm', '--force', image).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('faultline helper-image --from dockerfile', () => {
  it('builds images/helper/Dockerfile through the Engine API and says which way and why', async () => {
    // No network for the install step: the build must not need to download anything.
    const result = await faultline([
      'helper-image',
      '--from',
      'dockerfile',
      '--base',
      base,
      '--build-network',
      'none',
      '--image',
      built,
    ]);
    expect(result.all).not.toContain('error');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('from images/helper/Dockerfile: chosen with --from dockerfile');
    expect(result.stdout).toContain(`base image ${base} is present`);
    expect(result.stdout).toContain(
      'faultline helper image: the base image has every tool, nothing to install',
    );
    expect(result.stdout).toMatch(new RegExp(`^built ${built.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `, 'm'));

    // The fault proxy runs in it: with no configuration it says how to call it and exits 2.
    const proxy = await execa(
      'docker',
      ['run', '--rm', '--label', `${TEST_LABEL}=${prefix}`, built, 'node', '/opt/faultline/proxy/main.js'],
      { reject: false },
    );
    expect(proxy.stdout).toContain('"message":"usage: main.js <config.json>');
    expect(proxy.exitCode).toBe(2);

    const labels = await labelsOf(built);
    expect(labels[HELPER_IMAGE_LABEL]).toBe('1');
    expect(labels[HELPER_IMAGE_WAY_LABEL]).toBe('dockerfile');
    expect(labels[HELPER_IMAGE_HASH_LABEL]).toBe(
      dockerfileHash(
        await readFile(HELPER_DOCKERFILE, 'utf8'),
        base,
        await proxyProgramHash(await proxyProgramFiles()),
      ),
    );
    expect(labels[HELPER_IMAGE_TOOLS_LABEL]?.split(',')).toEqual(
      expect.arrayContaining([
        'tc',
        'ip',
        'ss',
        'iptables',
        'iptables-legacy',
        'iptables-nft',
        'nft',
        'sleep',
        'node',
        'faultline-proxy',
      ]),
    );
    // A new image on top of the base, not the base retagged.
    const [builtId, baseId] = await Promise.all(
      [built, base].map((image) => docker('image', 'inspect', image, '--format', '{{.Id}}')),
    );
    expect(builtId).not.toBe(baseId);
  });

  it('does nothing the second time: same Dockerfile, same base', async () => {
    const result = await faultline([
      'helper-image',
      '--base',
      base,
      '--build-network',
      'none',
      '--image',
      built,
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^up to date /m);
    expect(result.stdout).not.toContain('Step 1/');
  });

  it('carries a partition of a real run with --via helper --helper-image, and leaves nothing behind', async () => {
    const file = await writeExperiment(
      dir,
      'partition-dockerfile-helper.yaml',
      partitionUnderProbeExperiment(
        'partition through the helper built from the Dockerfile',
        lab.prefix,
        lab.get('b').ip,
      ),
    );
    await lab.createFilterTables();
    const states = await lab.states();
    const helpers = await helperContainers();

    const result = await faultline(['run', file, '--via', 'helper', '--helper-image', built]);
    expect(result.all).toContain(`network faults via helper: helper image ${built}`);
    expect(result.all).toContain('PASSED');
    expect(result.exitCode).toBe(0);
    expect(await helperContainers()).toEqual(helpers);
    expect(await lab.states()).toEqual(states);
  });
});

describe('choosing the way', () => {
  it('doctor names the way that works on this host and the exact command for a missing image', async () => {
    const missing = `${built}-missing`;
    const result = await faultline(['doctor', '--via', 'helper', '--helper-image', missing]);
    expect(result.stdout).toContain(`FAIL helper image ${missing}: missing`);
    expect(result.stdout).toContain(
      `Build it offline from this host's tc, ip and iptables, no registry needed: \`faultline helper-image --image ${missing}\``,
    );
  });

  it('refuses an unknown --from, and --base with --from host, with exit 2', async () => {
    const unknown = await faultline(['helper-image', '--from', 'registry']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('expected auto, host or dockerfile');
    const mixed = await faultline(['helper-image', '--from', 'host', '--base', base]);
    expect(mixed.exitCode).toBe(2);
    expect(mixed.stderr).toContain('--base and --build-network apply to --from dockerfile only');
  });

  it('names the Engine it could not reach: the one DOCKER_HOST chose, with exit 3', async () => {
    const socket = path.join(dir, 'no-engine.sock');
    const result = await faultline(['helper-image'], { env: { DOCKER_HOST: `unix://${socket}` } });
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toContain(`engine unix://${socket} (from DOCKER_HOST)`);
    expect(result.stderr).toContain(
      `cannot reach the Docker Engine at unix://${socket} (from DOCKER_HOST): the socket does not exist`,
    );
  });
});

describe('when the Dockerfile way cannot work', () => {
  it('names the missing tools when the base has neither them nor a package manager, and builds nothing', async () => {
    // A base image with busybox only: a shell, but no tc, no iptables, no apt-get, no apk.
    const root = path.join(dir, 'busybox-only');
    await mkdir(path.join(root, 'bin'), { recursive: true });
    await copyFile('/bin/busybox', path.join(root, 'bin/busybox'));
    for (const applet of ['sh', 'echo']) await symlink('busybox', path.join(root, 'bin', applet));
    const tar = execa('tar', ['-C', root, '--owner=0', '--group=0', '-c', '.']);
    const imported = execa('docker', ['import', '--change', `LABEL ${TEST_LABEL}=${prefix}`, '-', bare], {
      stdin: 'pipe',
    });
    tar.stdout?.pipe(imported.stdin!);
    await Promise.all([tar, imported]);
    const containersBefore = await docker('ps', '-aq');

    const result = await faultline([
      'helper-image',
      '--from',
      'dockerfile',
      '--base',
      bare,
      '--build-network',
      'none',
      '--image',
      `${built}-bare`,
    ]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`building ${built}-bare from ${HELPER_DOCKERFILE} failed`);
    expect(result.stderr).toContain(
      'failed: a RUN step exited with code 1 (faultline helper image: the base image lacks iproute2 iptables nftables coreutils nodejs and has no apt-get or apk to install it',
    );
    expect(result.stderr).toContain('hint');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    const exists = await execa('docker', ['image', 'inspect', `${built}-bare`], { reject: false });
    expect(exists.exitCode).not.toBe(0);
    // The failed step's container is removed, and so are the layers of the steps before it (they
    // inherit the base's test label).
    expect(await docker('ps', '-aq')).toBe(containersBefore);
    expect(
      await docker('images', '-q', '--filter', 'dangling=true', '--filter', `label=${TEST_LABEL}=${prefix}`),
    ).toBe('');
  });

  it('says the base cannot be pulled, and that this host can build offline', async () => {
    const unreachable = '127.0.0.1:9/faultline-none:1';
    const result = await faultline(['helper-image', '--base', unreachable, '--image', `${built}-none`]);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toContain(`pulling ${unreachable}`);
    expect(result.stderr).toContain(
      `cannot build the helper image from the Dockerfile: the Docker Engine cannot pull ${unreachable}: Get "http://127.0.0.1:9/v2/"`,
    );
    expect(result.stderr).toContain('run `faultline helper-image --from host`');
  });

  it('gives the remedy when neither way works: no host binaries and no pull', async () => {
    const attempt = buildHelperImage({
      image: `${built}-none`,
      base: '127.0.0.1:9/faultline-none:1',
      host: { missingTools: ['tc', 'iptables'] },
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'HELPER_IMAGE_NO_WAY',
      exitCode: 3,
      message: expect.stringContaining(
        "cannot build the helper image here: not from this host's binaries (tc, iptables not found on this host), and not from the Dockerfile (the Docker Engine cannot pull 127.0.0.1:9/faultline-none:1:",
      ),
      hint: expect.stringContaining('install iproute2 and iptables on this host'),
    });
  });
});
