import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTLINE_HELPER } from '../../src/docker/labels.js';
import {
  type BuildHelperImageResult,
  buildHelperImage,
  HELPER_IMAGE_HASH_LABEL,
  HELPER_IMAGE_LABEL,
  HelperImageBuildError,
  helperImageStatus,
} from '../../src/platform/docker/helper-image/index.js';
import {
  removeTestContainers,
  startContainers,
  type TestContainer,
  uniquePrefix,
} from '../support/containers.js';
import { docker, FIXTURE_IMAGE, TEST_LABEL } from '../support/docker-cli.js';

/**
 * Builds the helper image from this host's binaries (no registry), then runs real helper containers in
 * a test container's network namespace: tc and both iptables backends must work there.
 */
const prefix = uniquePrefix('helper-image');
const image = `faultline-test/nettools:${prefix}`;
const foreignImage = `faultline-test/nettools:${prefix}-foreign`;
let target: TestContainer;
let first: BuildHelperImageResult;

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A one-shot helper sharing the target's network namespace, labelled at create time, removed on exit. */
async function helper(...argv: string[]): Promise<Run> {
  const result = await execa(
    'docker',
    [
      'run',
      '--rm',
      '--label',
      `${FAULTLINE_HELPER}=1`,
      '--label',
      `${TEST_LABEL}=${prefix}`,
      '--network',
      `container:${target.id}`,
      '--cap-add',
      'NET_ADMIN',
      image,
      ...argv,
    ],
    { reject: false },
  );
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Like `helper`, failing the test with stderr when the command fails. */
async function helperOk(...argv: string[]): Promise<string> {
  const result = await helper(...argv);
  expect(result, `${argv.join(' ')}: ${result.stderr}`).toMatchObject({ exitCode: 0 });
  return result.stdout;
}

beforeAll(async () => {
  [target] = (await startContainers(prefix, [{ name: 'target' }])) as [TestContainer];
  first = await buildHelperImage({ image, force: true });
});

afterAll(async () => {
  await removeTestContainers(prefix);
  for (const name of [image, foreignImage]) {
    await docker('image', 'rm', '--force', name).catch(() => undefined);
  }
});

describe('the helper image, built offline from host binaries', () => {
  it('is imported with the helper labels and the input fingerprint', async () => {
    expect(first.built).toBe(true);
    expect(first.sizeBytes).toBeGreaterThan(1_000_000);
    expect(first.tools).toEqual(expect.arrayContaining(['tc', 'ip', 'iptables', 'iptables-legacy', 'sleep']));
    const labels = JSON.parse(
      await docker('image', 'inspect', image, '--format', '{{json .Config.Labels}}'),
    ) as Record<string, string>;
    expect(labels[HELPER_IMAGE_LABEL]).toBe('1');
    expect(labels[HELPER_IMAGE_HASH_LABEL]).toBe(first.hash);
    expect(await helperImageStatus(image)).toMatchObject({
      exists: true,
      helper: true,
      hash: first.hash,
      id: first.id,
      sizeBytes: first.sizeBytes,
    });
    expect(await helperImageStatus(`${image}-missing`)).toEqual({ image: `${image}-missing`, exists: false });
  });

  it('skips the second build: same image, quickly', async () => {
    const second = await buildHelperImage({ image });
    expect(second).toMatchObject({
      built: false,
      id: first.id,
      hash: first.hash,
      sizeBytes: first.sizeBytes,
    });
    expect(second.durationMs).toBeLessThan(first.durationMs);
    expect(second.durationMs).toBeLessThan(5000);
  });

  it('rebuilds with force and removes the image it replaced', async () => {
    const rebuilt = await buildHelperImage({ image, force: true });
    expect(rebuilt.built).toBe(true);
    expect(rebuilt.id).not.toBe(first.id);
    expect(rebuilt.hash).toBe(first.hash);
    const old = await execa('docker', ['image', 'inspect', first.id], { reject: false });
    expect(old.exitCode).not.toBe(0);
    first = rebuilt;
  });

  it('refuses to replace an image it did not build', async () => {
    await docker('tag', FIXTURE_IMAGE, foreignImage);
    const attempt = buildHelperImage({ image: foreignImage });
    await expect(attempt).rejects.toBeInstanceOf(HelperImageBuildError);
    await expect(attempt).rejects.toMatchObject({ code: 'HELPER_IMAGE_FOREIGN', exitCode: 3 });
    const still = await helperImageStatus(foreignImage);
    expect(still).toMatchObject({ exists: true, helper: false });
  });
});

describe('a helper container in the target network namespace', () => {
  it('sees the target interfaces and address', async () => {
    const address = await docker(
      'inspect',
      '--format',
      '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
      target.id,
    );
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const addresses = await helperOk('ip', '-o', 'addr');
    expect(addresses).toMatch(new RegExp(`eth0\\s+inet ${address.replaceAll('.', '\\.')}/`));
    expect(await helperOk('tc', 'qdisc', 'show')).toMatch(/dev eth0/);
  });

  it('lists iptables rules with the nft and the legacy backend', async () => {
    expect(await helperOk('iptables', '-S')).toContain('-P OUTPUT ACCEPT');
    expect(await helperOk('iptables-nft', '-S')).toContain('-P OUTPUT ACCEPT');
    expect(await helperOk('iptables-legacy', '-S')).toContain('-P OUTPUT ACCEPT');
    expect(await helperOk('ip6tables', '-S')).toContain('-P OUTPUT ACCEPT');
  });

  it('adds a tbf qdisc that another helper sees on the target, and deletes it', async () => {
    await helperOk(
      'tc',
      'qdisc',
      'add',
      'dev',
      'eth0',
      'root',
      'tbf',
      'rate',
      '1mbit',
      'burst',
      '32kbit',
      'latency',
      '400ms',
    );
    try {
      expect(await helperOk('tc', 'qdisc', 'show', 'dev', 'eth0')).toMatch(/qdisc tbf \S+ root .*rate 1Mbit/);
    } finally {
      await helperOk('tc', 'qdisc', 'del', 'dev', 'eth0', 'root');
    }
    expect(await helperOk('tc', 'qdisc', 'show', 'dev', 'eth0')).not.toContain('tbf');
  });

  it('adds an iptables rule with a comment, shows it, and deletes it', async () => {
    const rule = ['OUTPUT', '-d', '192.0.2.1', '-j', 'DROP', '-m', 'comment', '--comment', 'faultline-test'];
    await helperOk('iptables', '-A', ...rule);
    try {
      expect(await helperOk('iptables', '-S', 'OUTPUT')).toContain(
        '-A OUTPUT -d 192.0.2.1/32 -m comment --comment faultline-test -j DROP',
      );
    } finally {
      await helperOk('iptables', '-D', ...rule);
    }
    expect(await helperOk('iptables', '-S', 'OUTPUT')).not.toContain('faultline-test');
  });

  it('ships the tc distribution tables that netem distributions read', async () => {
    const listing = await helperOk('sh', '-c', 'ls "$TC_LIB_DIR"');
    expect(listing.split('\n')).toEqual(expect.arrayContaining(['normal.dist', 'pareto.dist']));
  });

  it('can hold with sleep, so commands run as docker exec, and is removed afterwards', async () => {
    const name = `${prefix}-holder`;
    await docker(
      'run',
      '-d',
      '--name',
      name,
      '--label',
      `${FAULTLINE_HELPER}=1`,
      '--label',
      `${TEST_LABEL}=${prefix}`,
      '--network',
      `container:${target.id}`,
      '--cap-add',
      'NET_ADMIN',
      image,
      'sleep',
      '300',
    );
    try {
      expect(await docker('exec', name, 'ip', '-o', 'addr', 'show', 'dev', 'eth0')).toMatch(/eth0\s+inet /);
      expect(await docker('exec', name, 'tc', 'qdisc', 'show', 'dev', 'eth0')).toMatch(/^qdisc \w+ \S+ root/);
      expect(await docker('exec', name, 'iptables-save')).toContain('*filter');
    } finally {
      await docker('rm', '-f', name);
    }
    expect(await docker('ps', '-aq', '--filter', `name=${name}`)).toBe('');
  });
});
