import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DockerApiError, type ImageBuildSpec, type ImageDetails } from '../../../src/docker/client.js';
import {
  adviceFor,
  buildHelperImage,
  chooseHelperImageWay,
  DEFAULT_BASE_IMAGE,
  type EngineFacts,
  HELPER_IMAGE_HASH_LABEL,
  HELPER_IMAGE_LABEL,
  HELPER_IMAGE_TOOLS_LABEL,
  HELPER_IMAGE_WAY_LABEL,
  type HelperImageDocker,
  type HostFacts,
  helperImageAdvice,
  hostWayBlocker,
} from '../../../src/platform/docker/helper-image/index.js';

const linuxHost: HostFacts = {
  platform: 'linux',
  arch: 'amd64',
  kernel: '6.8.0-45-generic',
  missingTools: [],
};
const localEngine: EngineFacts = { os: 'linux', arch: 'amd64', kernel: '6.8.0-45-generic' };
const desktopVm: EngineFacts = { os: 'linux', arch: 'arm64', kernel: '6.10.14-linuxkit' };
const mac: HostFacts = { platform: 'darwin', arch: 'arm64', kernel: '24.1.0', missingTools: [] };

describe('choosing how to build the helper image', () => {
  it('builds offline on Linux with the tools and a local Engine of the same platform', () => {
    expect(chooseHelperImageWay('auto', linuxHost, localEngine)).toEqual({
      way: 'host',
      why: 'this Linux host has tc, ip and iptables and the Docker Engine (linux/amd64) runs on it',
    });
  });

  it('uses the Dockerfile on Linux without the tools, and says which are missing', () => {
    const choice = chooseHelperImageWay(
      'auto',
      { ...linuxHost, missingTools: ['tc', 'iptables'] },
      localEngine,
    );
    expect(choice).toMatchObject({
      way: 'dockerfile',
      why: 'tc, iptables not found on this host',
      hostBlocker: { kind: 'tools' },
    });
  });

  it('uses the Dockerfile on macOS (Docker Desktop, colima): no Linux binaries there', () => {
    expect(chooseHelperImageWay('auto', mac, desktopVm)).toMatchObject({
      way: 'dockerfile',
      why: 'this host runs darwin, not Linux: it has no Linux binaries',
      hostBlocker: { kind: 'platform' },
    });
  });

  it('uses the Dockerfile when the Engine runs another architecture, another OS or another kernel', () => {
    expect(chooseHelperImageWay('auto', linuxHost, { ...localEngine, arch: 'arm64' }).why).toBe(
      "the Docker Engine runs linux/arm64 but this host's binaries are linux/amd64",
    );
    expect(chooseHelperImageWay('auto', linuxHost, { ...localEngine, os: 'windows' }).why).toBe(
      'the Docker Engine runs windows containers, not Linux ones',
    );
    expect(
      chooseHelperImageWay('auto', linuxHost, { ...localEngine, kernel: '6.10.14-linuxkit' }),
    ).toMatchObject({
      way: 'dockerfile',
      hostBlocker: { kind: 'remote' },
    });
  });

  it('follows --from dockerfile even where the offline build would work', () => {
    expect(chooseHelperImageWay('dockerfile', linuxHost, localEngine)).toEqual({
      way: 'dockerfile',
      why: 'chosen with --from dockerfile',
      hostBlocker: undefined,
    });
  });

  it('follows --from host to a remote Engine of the same platform, and refuses it on macOS', () => {
    const remote = { ...localEngine, kernel: '5.15.0-1-cloud' };
    expect(chooseHelperImageWay('host', linuxHost, remote)).toMatchObject({
      way: 'host',
      why: 'chosen with --from host',
    });
    expect(() => chooseHelperImageWay('host', mac, desktopVm)).toThrow(
      expect.objectContaining({
        code: 'HELPER_IMAGE_HOST_WAY_IMPOSSIBLE',
        exitCode: 3,
        message:
          "cannot build the helper image from this host's binaries: this host runs darwin, not Linux: it has no Linux binaries",
        hint: expect.stringContaining('faultline helper-image --from dockerfile'),
      }),
    );
  });

  it('puts platform before tools: a Mac is not told to apt-get install', () => {
    expect(hostWayBlocker({ ...mac, missingTools: ['tc'] }, desktopVm)?.kind).toBe('platform');
  });
});

describe('the advice doctor gives', () => {
  it('names the offline build and the exact command when it works here', () => {
    expect(
      adviceFor(
        chooseHelperImageWay('auto', linuxHost, localEngine),
        'faultline helper-image',
        DEFAULT_BASE_IMAGE,
      ),
    ).toBe(
      "Build it offline from this host's tc, ip and iptables, no registry needed: `faultline helper-image`",
    );
  });

  it('says the Dockerfile needs a registry, and why not offline', () => {
    expect(
      adviceFor(
        chooseHelperImageWay('auto', mac, desktopVm),
        'faultline helper-image --image x/y:1',
        'debian:bookworm-slim',
      ),
    ).toBe(
      "Build it from images/helper/Dockerfile: `faultline helper-image --image x/y:1` (the Docker Engine pulls debian:bookworm-slim, so it needs a registry or a mirror; not from this host's binaries: this host runs darwin, not Linux: it has no Linux binaries)",
    );
  });

  it('asks the Engine what it runs', async () => {
    const fake = new FakeEngine(desktopVm);
    expect(await helperImageAdvice({ image: 'x/y:1', docker: fake, host: mac })).toContain(
      '`faultline helper-image --image x/y:1` (the Docker Engine pulls debian:bookworm-slim',
    );
  });
});

/** An Engine that keeps images by name; pulls and builds as told. */
class FakeEngine implements HelperImageDocker {
  readonly images = new Map<string, ImageDetails>();
  readonly calls: { op: string; args: unknown[] }[] = [];
  readonly removed: string[] = [];
  pullError: string | undefined;
  buildOutput: object[] = [];

  constructor(private readonly engine: EngineFacts) {}

  enginePlatform = async () => this.engine;

  inspectImage = async (name: string) => {
    const image = this.images.get(name);
    if (!image) throw new DockerApiError(`No such image: ${name}`, 404);
    return image;
  };

  removeImage = async (name: string) => {
    this.removed.push(name);
    this.images.delete(name);
  };

  pullImage = async (name: string) => {
    this.calls.push({ op: 'pull', args: [name] });
    if (this.pullError) throw new DockerApiError(`(HTTP code 500) server error - ${this.pullError}`, 500);
    this.images.set(name, { id: 'sha256:base', sizeBytes: 1, createdAt: '', labels: {} });
    return Readable.from([`${JSON.stringify({ status: 'Pull complete' })}\n`]);
  };

  buildImage = async (spec: ImageBuildSpec) => {
    this.calls.push({ op: 'build', args: [spec] });
    const failed = this.buildOutput.some((line) => 'error' in line);
    if (!failed) {
      this.images.set(spec.tag, {
        id: 'sha256:built',
        sizeBytes: 40_000_000,
        createdAt: '',
        labels: {
          [HELPER_IMAGE_LABEL]: '1',
          [HELPER_IMAGE_TOOLS_LABEL]: 'tc,ip,iptables,nft,sleep',
          ...spec.labels,
        },
      });
    }
    return Readable.from(this.buildOutput.map((line) => `${JSON.stringify(line)}\n`));
  };

  importImage = async (): Promise<never> => {
    throw new Error('the offline build must not be used here');
  };
}

describe('building where the host has no Linux binaries', () => {
  it('builds the Dockerfile through the Engine API: pulls the base, passes BASE and the labels', async () => {
    const fake = new FakeEngine(desktopVm);
    fake.buildOutput = [
      { stream: 'Step 1/7 : ARG BASE=debian:bookworm-slim\n' },
      { stream: 'Successfully built 0123\n' },
    ];
    const lines: string[] = [];
    const chosen: string[] = [];
    const result = await buildHelperImage({
      image: 'x/nettools:1',
      docker: fake,
      host: mac,
      log: (line) => lines.push(line),
      onChoice: (choice) => chosen.push(`${choice.way}: ${choice.why}`),
    });
    expect(chosen).toEqual(['dockerfile: this host runs darwin, not Linux: it has no Linux binaries']);
    expect(result).toMatchObject({
      built: true,
      way: 'dockerfile',
      id: 'sha256:built',
      tools: ['tc', 'ip', 'iptables', 'nft', 'sleep'],
    });
    expect(fake.calls.map((call) => call.op)).toEqual(['pull', 'build']);
    expect(fake.calls[0]!.args).toEqual(['debian:bookworm-slim']);
    const [spec] = fake.calls[1]!.args as [ImageBuildSpec];
    // The context: the Dockerfile and the fault proxy program under proxy/, in a folder of its own.
    expect(spec.files.slice(0, 2)).toEqual(['Dockerfile', 'proxy/package.json']);
    expect(spec.files).toContain('proxy/main.js');
    expect(spec.contextDir).toMatch(/faultline-helper-context-/);
    expect(spec).toMatchObject({
      tag: 'x/nettools:1',
      buildArgs: { BASE: 'debian:bookworm-slim' },
      labels: { [HELPER_IMAGE_HASH_LABEL]: result.hash, [HELPER_IMAGE_WAY_LABEL]: 'dockerfile' },
    });
    expect(lines).toContain('Step 1/7 : ARG BASE=debian:bookworm-slim');

    // Same Dockerfile, same base: nothing to do, no pull.
    const again = await buildHelperImage({
      image: 'x/nettools:1',
      docker: fake,
      host: mac,
    });
    expect(again).toMatchObject({ built: false, way: 'dockerfile', hash: result.hash });
    expect(fake.calls).toHaveLength(2);
  });

  it('ends with the remedy when the base image cannot be pulled either', async () => {
    const fake = new FakeEngine(desktopVm);
    fake.pullError =
      'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host';
    const attempt = buildHelperImage({ docker: fake, host: mac });
    await expect(attempt).rejects.toMatchObject({
      code: 'HELPER_IMAGE_NO_WAY',
      exitCode: 3,
      message:
        "cannot build the helper image here: not from this host's binaries (this host runs darwin, not Linux: it has no Linux binaries), " +
        'and not from the Dockerfile (the Docker Engine cannot pull debian:bookworm-slim: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host)',
      hint: expect.stringContaining('pass --base with an image it can pull'),
    });
    expect(fake.calls.map((call) => call.op)).toEqual(['pull']);
  });

  it('tells a Linux host without the tools to install them', async () => {
    const fake = new FakeEngine(localEngine);
    fake.pullError = 'no route to host';
    const attempt = buildHelperImage({
      docker: fake,
      host: { ...linuxHost, missingTools: ['tc'] },
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'HELPER_IMAGE_NO_WAY',
      hint: expect.stringContaining('install iproute2 and iptables on this host'),
    });
  });

  it('reports the failing step of the build with its output', async () => {
    const fake = new FakeEngine(desktopVm);
    fake.buildOutput = [
      { stream: 'Step 2/7 : FROM busybox:1\n' },
      { stream: ' ---> 0123456789ab\n' },
      { stream: 'Step 3/7 : ARG TOOLS=tc\n' },
      { stream: ' ---> Running in 5678\n' },
      { stream: 'Removing intermediate container 5678\n' },
      { stream: ' ---> ba9876543210\n' },
      { stream: 'Step 4/7 : RUN set -eu; ...\n' },
      { stream: ' ---> Running in 1234\n' },
      {
        stream:
          'faultline helper image: the base image lacks iproute2 and has no apt-get or apk to install it\n',
      },
      {
        errorDetail: { code: 1, message: "The command '/bin/sh -c set -eu' returned a non-zero code: 1" },
        error: 'x',
      },
    ];
    const attempt = buildHelperImage({
      docker: fake,
      host: mac,
      base: 'busybox:1',
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'HELPER_IMAGE_DOCKERFILE_FAILED',
      message: expect.stringMatching(
        /failed: a RUN step exited with code 1 \(faultline helper image: the base image lacks iproute2 and has no apt-get or apk to install it\)$/,
      ),
    });
    // The finished step's layer is removed; the base is not.
    expect(fake.removed).toEqual(['ba9876543210']);
  });
});
