import { DEFAULT_HELPER_IMAGE } from '../../../docker/labels.js';
import { collectHelperRootfs, hostFacts } from './collect.js';
import {
  BaseImageUnavailable,
  buildFromDockerfile,
  DEFAULT_BASE_IMAGE,
  dockerfileHash,
  ensureBaseImage,
  readHelperDockerfile,
} from './dockerfile.js';
import { defaultDocker, dockerCall, HelperImageBuildError, type HelperImageDocker } from './engine.js';
import { importFromHost } from './offline-build.js';
import { type ProgramFile, proxyProgramFiles, proxyProgramHash } from './proxy-program.js';
import { parseImageReference } from './rootfs.js';
import { type HelperImageStatus, helperImageStatus, removeStaleImage } from './status.js';
import {
  adviceFor,
  chooseHelperImageWay,
  type EngineFacts,
  type HelperImageFrom,
  type HelperImageWay,
  type HostFacts,
  noWayHint,
  type WayChoice,
} from './way.js';

/**
 * Building the helper image: offline from this host's binaries, or from the Dockerfile by the Engine
 * (see way.ts for which), unless an image with the same input fingerprint exists already.
 */

export interface BuildHelperImageOptions {
  image?: string | undefined;
  /** The Engine to build with; default: DOCKER_HOST, else the local socket. */
  docker?: HelperImageDocker | undefined;
  log?: ((line: string) => void) | undefined;
  /** Rebuild even when the image is up to date, and replace an image faultline did not build. */
  force?: boolean | undefined;
  /** The way to build; `auto` (default) picks the offline build when it can work here. */
  from?: HelperImageFrom | undefined;
  /** The Dockerfile's base image (default debian:bookworm-slim). */
  base?: string | undefined;
  /** The network of the Dockerfile's RUN step (`none`, `host`, ...); default: the Engine's bridge. */
  buildNetwork?: string | undefined;
  /** Called once the way is chosen, before anything is built. */
  onChoice?: ((choice: WayChoice) => void) | undefined;
  /** What this host is; each fact defaults to the real one. */
  host?: Partial<HostFacts> | undefined;
}

export interface BuildHelperImageResult {
  image: string;
  /** false when an up-to-date image already existed. */
  built: boolean;
  way: HelperImageWay;
  /** Why that way. */
  why: string;
  id: string;
  hash: string;
  sizeBytes: number;
  durationMs: number;
  tools: string[];
  warnings: string[];
}

async function engineFacts(docker: HelperImageDocker): Promise<EngineFacts> {
  return dockerCall(() => docker.enginePlatform());
}

/**
 * How to get the helper image on this host, with the exact command: the advice `faultline doctor`
 * gives when the image is missing.
 */
export async function helperImageAdvice(
  options: {
    image?: string | undefined;
    docker?: HelperImageDocker | undefined;
    host?: Partial<HostFacts>;
  } = {},
): Promise<string> {
  const image = options.image ?? DEFAULT_HELPER_IMAGE;
  const choice = chooseHelperImageWay(
    'auto',
    await hostFacts(options.host),
    await engineFacts(defaultDocker(options.docker)),
  );
  const command = `faultline helper-image${image === DEFAULT_HELPER_IMAGE ? '' : ` --image ${image}`}`;
  return adviceFor(choice, command, DEFAULT_BASE_IMAGE);
}

/**
 * Builds the helper image the way that works here (or the one `from` forces), unless an image with that
 * name and the same input fingerprint exists already.
 */
export async function buildHelperImage(
  options: BuildHelperImageOptions = {},
): Promise<BuildHelperImageResult> {
  const started = performance.now();
  const image = options.image ?? DEFAULT_HELPER_IMAGE;
  const { repo, tag } = parseImageReference(image);
  const base = options.base ?? DEFAULT_BASE_IMAGE;
  const docker = defaultDocker(options.docker);
  const log = options.log ?? (() => undefined);

  const choice = chooseHelperImageWay(
    options.from ?? 'auto',
    await hostFacts(options.host),
    await engineFacts(docker),
  );
  options.onChoice?.(choice);

  const before = await helperImageStatus(image, docker);
  if (before.exists && !before.helper && !options.force) {
    throw new HelperImageBuildError(
      'HELPER_IMAGE_FOREIGN',
      `image ${image} exists and was not built by faultline; not replacing it`,
      { hint: 'Choose another name with --image, or pass --force to replace it.' },
    );
  }

  const planned = choice.way === 'host' ? await planFromHost(log) : await planDockerfile(base);
  const done = (built: boolean, status: Extract<HelperImageStatus, { exists: true }>) => ({
    image,
    built,
    way: choice.way,
    why: choice.why,
    id: status.id,
    hash: planned.hash,
    sizeBytes: status.sizeBytes,
    durationMs: performance.now() - started,
    tools: status.tools,
    warnings: planned.warnings,
  });
  if (before.exists && before.hash === planned.hash && !options.force) {
    log(`${image} is up to date (${planned.hash.slice(0, 12)})`);
    return done(false, before);
  }

  if ('rootfs' in planned) await importFromHost(docker, planned.rootfs, { repo, tag, log });
  else {
    await buildDockerfileWay(docker, {
      image,
      base,
      hash: planned.hash,
      program: planned.program,
      choice,
      log,
      network: options.buildNetwork,
    });
  }

  const after = await helperImageStatus(image, docker);
  if (!after.exists || after.hash !== planned.hash) {
    throw new HelperImageBuildError(
      'HELPER_IMAGE_IMPORT_FAILED',
      `the build of ${image} did not produce the image`,
    );
  }
  if (before.exists && before.id !== after.id) await removeStaleImage(docker, before.id, log);
  return done(true, after);
}

async function planFromHost(log: (line: string) => void) {
  const rootfs = await collectHelperRootfs({ log });
  for (const warning of rootfs.warnings) log(`warning: ${warning}`);
  return { rootfs, hash: rootfs.hash, warnings: rootfs.warnings };
}

async function planDockerfile(base: string) {
  const program = await proxyProgramFiles();
  const hash = dockerfileHash(await readHelperDockerfile(), base, await proxyProgramHash(program));
  return { hash, program, warnings: [] as string[] };
}

async function buildDockerfileWay(
  docker: HelperImageDocker,
  options: {
    image: string;
    base: string;
    hash: string;
    program: readonly ProgramFile[];
    choice: WayChoice;
    log: (line: string) => void;
    network: string | undefined;
  },
): Promise<void> {
  try {
    await ensureBaseImage(docker, options.base, options.log);
  } catch (error) {
    if (!(error instanceof BaseImageUnavailable)) throw error;
    const blocker = options.choice.hostBlocker;
    if (blocker && blocker.kind !== 'remote') {
      throw new HelperImageBuildError(
        'HELPER_IMAGE_NO_WAY',
        `cannot build the helper image here: not from this host's binaries (${blocker.why}), and not from the Dockerfile (the Docker Engine cannot pull ${options.base}: ${error.message})`,
        { hint: noWayHint(blocker) },
      );
    }
    throw new HelperImageBuildError(
      'HELPER_IMAGE_BASE_UNAVAILABLE',
      `cannot build the helper image from the Dockerfile: the Docker Engine cannot pull ${options.base}: ${error.message}`,
      {
        hint: blocker
          ? noWayHint(blocker)
          : 'This host can build it offline, no registry needed: run `faultline helper-image --from host`. Or let the Docker Engine reach a registry, or pass --base with an image it can pull.',
      },
    );
  }
  await buildFromDockerfile(docker, options);
}
